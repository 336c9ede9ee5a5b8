"""Structured logs: request ids in and out, one JSON object a line, nothing personal or secret in them."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import datetime

import pytest

from assistant import create_app, logs, runtime_of
from tests.assistant import samples

API_TOKEN = "api-token-7d3e9b21"
WEBHOOK_SECRET = "generic-secret-51c0aa"
SESSION_KEY = "session-signing-key-0f9e8d7c"
EMAIL = "Noor.Haddad@quillmere.example"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def captured(monkeypatch):
    """The log stream of this process (logs.install), as a list of parsed JSON lines."""
    root = logging.getLogger()
    earlier = [h for h in root.handlers if logs.installed() is h]
    for handler in earlier:
        root.removeHandler(handler)
    level = root.level
    stream = io.StringIO()
    handler = logs.install(stream, level="DEBUG")

    class Lines(list):
        @property
        def text(self) -> str:
            return stream.getvalue()

        def read(self) -> Lines:
            self[:] = [json.loads(line) for line in stream.getvalue().splitlines()]
            return self

    yield Lines()
    logs.uninstall(handler)
    root.setLevel(level)
    for handler in earlier:
        root.addHandler(handler)


@pytest.fixture
def logged_app(captured, app_config):
    config = {
        **app_config,
        "API_TOKENS": API_TOKEN,
        "SECRETS": {"generic": WEBHOOK_SECRET},
        "SECRET_KEY": SESSION_KEY,
    }
    app = create_app(config)
    yield app
    runtime_of(app).engine.dispose()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        pytest.param("req-42.a:b_C", True, id="kept"),
        pytest.param(None, False, id="absent"),
        pytest.param("has spaces in it", False, id="spaces"),
        pytest.param("x" * 129, False, id="too-long"),
        pytest.param("<script>", False, id="markup"),
    ],
)
def test_the_request_id_is_echoed_or_made(client, sent, kept) -> None:
    answer = client.get("/healthz", headers={"X-Request-Id": sent} if sent is not None else {})
    echoed = answer.headers["X-Request-Id"]
    if kept:
        assert echoed == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_every_line_of_a_request_carries_its_id(logged_app, captured) -> None:
    client = logged_app.test_client()
    client.post(
        f"/webhooks/generic?token={WEBHOOK_SECRET}",
        json=samples.form(),
        headers={"X-Request-Id": "trace-77"},
        environ_base={"REMOTE_ADDR": "198.51.100.10"},
    )
    client.get("/healthz", headers={"X-Request-Id": "trace-78"})

    lines = captured.read()
    access = [line for line in lines if line["logger"] == logs.ACCESS_LOGGER]
    assert [(a["request_id"], a["method"], a["path"], a["status"]) for a in access] == [
        ("trace-77", "POST", "/webhooks/generic", 202),
        ("trace-78", "GET", "/healthz", 200),
    ]
    assert access[1]["level"] == "debug"  # health checks are quiet
    assert access[0]["remote_addr"] == "198.51.100.10"  # an address, not mistaken for a phone number
    assert all(isinstance(a["duration_ms"], float) for a in access)
    assert {"time", "level", "logger", "message"} <= set(lines[0])


def test_no_secret_or_personal_data_reaches_a_log_line(logged_app, captured) -> None:
    app = logged_app
    log = logging.getLogger("tests.careless")

    @app.get("/careless")
    def _careless():  # a view that logs everything it should not, then fails with data in the error
        log.warning(
            "visitor %s phone %s card %s; api token %s; secret %s; key %s; header Authorization: Bearer %s",
            EMAIL,
            PHONE,
            CARD,
            API_TOKEN,
            WEBHOOK_SECRET,
            SESSION_KEY,
            API_TOKEN,
            extra={"contact": EMAIL, "url": f"https://q.example/webhooks/generic?token={WEBHOOK_SECRET}"},
        )
        raise ValueError(f"could not store {EMAIL} ({PHONE})")

    client = app.test_client()
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    assert client.get("/careless").status_code == 500
    client.post(f"/webhooks/generic?token={WEBHOOK_SECRET}", json=samples.form(fields={"email": EMAIL}))
    client.post("/webhooks/generic?token=wrong-token-guess", json=samples.form())
    client.get(f"/api/contacts/{EMAIL}/export", headers=bearer)
    client.get("/api/inquiries", headers={"Authorization": "Bearer not-the-token"})
    started = client.post("/api/chat/sessions", json={"site": "demo"}).get_json()
    client.post(f"/api/chat/sessions/{started['session_id']}/messages", json={"text": f"{EMAIL} / {PHONE}"})

    text = captured.text
    for leaked in (
        API_TOKEN,
        WEBHOOK_SECRET,
        SESSION_KEY,
        EMAIL,
        EMAIL.lower(),
        "7946 0958",
        CARD,
        "wrong-token-guess",
    ):
        assert leaked not in text, leaked
    lines = captured.read()
    careless = next(line for line in lines if line["logger"] == "tests.careless")
    assert (
        "[email]" in careless["message"]
        and "[phone]" in careless["message"]
        and "[secret]" in careless["message"]
    )
    assert careless["contact"] == "[email]"
    failure = next(line for line in lines if "exception" in line)
    assert "ValueError" in failure["exception"] and "[email]" in failure["exception"]
    assert any(line.get("path") == "/api/contacts/[email]/export" for line in lines)


@pytest.mark.parametrize(
    ("message", "hidden", "shown"),
    [
        pytest.param("Authorization: Bearer abc123def456", "abc123def456", "Bearer [redacted]", id="bearer"),
        pytest.param(
            "GET /webhooks/tally?token=s3cr3t-value&x=1", "s3cr3t-value", "token=[redacted]", id="query-token"
        ),
        pytest.param('{"api_key": "k-998877"}', "k-998877", '"api_key": "[redacted]', id="json-key"),
        pytest.param(
            "postgresql+psycopg://app:hunter2pass@db/qualifier",
            "hunter2pass",
            "app:[redacted]@",
            id="url-password",
        ),
        pytest.param(
            "key sk-abcdefghijklmnop1234 rejected", "sk-abcdefghijklmnop1234", "[redacted]", id="openai-key"
        ),
        pytest.param("call +44 20 7946 0958 today", "7946 0958", "[phone]", id="phone"),
        pytest.param("card 4111-1111-1111-1111 declined", "4111-1111-1111-1111", "[number]", id="card"),
        pytest.param("from PAT@Acme.Example", "PAT@Acme.Example", "[email]", id="email"),
        pytest.param(
            "inquiry inq_01JQ4Z8X6W3V2T1S0R9P8N7M6K processed in 12.5 ms",
            "",
            "inq_01JQ4Z8X6W3V2T1S0R9P8N7M6K",
            id="ids-kept",
        ),
    ],
)
def test_the_formatter_redacts(message, hidden, shown) -> None:
    formatter = logs.JsonFormatter(logs.Scrubber())
    record = logging.LogRecord("tests", logging.INFO, __file__, 1, message, (), None)
    line = json.loads(formatter.format(record))["message"]
    assert shown in line
    if hidden:
        assert hidden not in line


def test_text_lines_keep_their_time_and_clean_message_and_traceback() -> None:
    formatter = logs.TextFormatter(logs.Scrubber())
    try:
        raise ValueError("no reply from +44 20 7946 0958")
    except ValueError:
        failure = sys.exc_info()
    record = logging.LogRecord(
        "tests", logging.INFO, __file__, 1, "claim of %s taken at %s", ("call 212 555 0147", "x"), failure
    )
    record.created = datetime(2026, 12, 7, 5, 24, 51, 368000).timestamp()

    line = formatter.format(record)
    stamp = formatter.formatTime(record)

    assert stamp.startswith("2026-12-07 05:24:51") and line.startswith(stamp)
    assert "555 0147" not in line and "7946 0958" not in line
    assert "claim of call [phone] taken" in line and "ValueError: no reply from [phone]" in line
    assert record.getMessage() == "claim of call 212 555 0147 taken at x"  # the record is left as it was


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07 05:24:51,368 INFO started",
        "claimed at 2026-12-07 05:24:51",
        "client 198.51.100.10 refused",
    ],
)
def test_timestamps_and_addresses_are_not_taken_for_phone_numbers(text) -> None:
    formatter = logs.JsonFormatter(logs.Scrubber())
    record = logging.LogRecord("tests", logging.INFO, __file__, 1, text, (), None)
    assert json.loads(formatter.format(record))["message"] == text


def test_apps_install_one_handler_per_process_that_knows_every_app_s_secrets(app_config) -> None:
    root = logging.getLogger()
    earlier = [h for h in root.handlers if logs.installed() is h]
    for handler in earlier:
        root.removeHandler(handler)
    level = root.level
    try:
        first = create_app({**app_config, "TESTING": False, "API_TOKENS": "first-app-token-1"})
        second = create_app({**app_config, "TESTING": False, "API_TOKENS": "second-app-token-2"})
        handlers = [h for h in root.handlers if h is logs.installed()]
        assert len(handlers) == 1
        record = logging.LogRecord(
            "tests", logging.INFO, __file__, 1, "first-app-token-1 second-app-token-2", (), None
        )
        assert handlers[0].format(record).count("[secret]") == 2
        for app in (first, second):
            runtime_of(app).engine.dispose()
    finally:
        for handler in [h for h in root.handlers if h is logs.installed()]:
            logs.uninstall(handler)
        root.setLevel(level)
        for handler in earlier:
            root.addHandler(handler)
