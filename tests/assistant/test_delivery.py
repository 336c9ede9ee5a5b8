"""Notifications end to end, against local receivers only: an HTTP server on 127.0.0.1 standing in for
Slack and a CRM, and an aiosmtpd SMTP server. A lead posted to the webhook is assigned, briefed and
announced; failures are retried with backoff, recorded on Delivery rows, and can be replayed.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from assistant import delivery, models, runtime_of
from assistant.cli import cli
from assistant.policy import load_policy
from handoff import notify

from . import samples

SLACK_URL_ENV = "QUALIFIER_TEST_SLACK_URL"
CRM_SECRET = "crm-signing-secret-for-tests"


# --------------------------------------------------------------------------- local receivers


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    base: str = ""
    requests: list[Received] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to answer, then 200

    def url(self, path: str) -> str:
        return self.base + path

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    state = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            statuses = state.script.get(self.path, [])
            status = statuses.pop(0) if statuses else 200
            answer = b"ok" if status < 300 else b"no"
            self.send_response(status)
            if status in (301, 302, 307):
                self.send_header("Location", state.url("/elsewhere"))
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.script: list[str] = []  # SMTP replies to give before accepting

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        if self.script:
            return self.script.pop(0)
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def mailbox(smtp_port: int) -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield box
    controller.stop()


# --------------------------------------------------------------------------- app with a roster and targets


def _policy_text(receiver: HttpReceiver, smtp_port: int, *, attempts: int = 4) -> str:
    return f"""
[routing]
# Buying inquiries from these domains are SQLs whatever else they say: the route under test is fixed.
key_account_domains = ["brightquay-freight.co.uk", "first-buyer.example", "second-buyer.example"]

[[sdrs]]
id = "rosa"
name = "Rosa Lindqvist"
email = "rosa@seller.example"
slack_id = "U0ROSA"
hours = "00:00-24:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[sdrs]]
id = "tomas"
name = "Tomas Berg"
email = "tomas@seller.example"
slack_id = "U0TOMAS"
hours = "00:00-24:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[territories]]
name = "everywhere"
sdrs = ["rosa", "tomas"]

[notify]
sender = "Leads <leads@seller.example>"

[notify.smtp]
host = "127.0.0.1"
port = {smtp_port}
timeout_seconds = 5

[notify.retry]
attempts = {attempts}
base_seconds = 10
factor = 2
jitter = 0.1

[[notify.targets]]
name = "sales-channel"
kind = "slack"
url_env = "{SLACK_URL_ENV}"
routes = ["sql", "mql", "nurture", "redirect"]

[[notify.targets]]
name = "assigned-sdr"
kind = "email"
to = ["assignee"]

[[notify.targets]]
name = "crm"
kind = "webhook"
url = "{receiver.url("/crm")}"
secret_env = "QUALIFIER_TEST_CRM_SECRET"
routes = ["sql", "mql", "nurture", "redirect"]
"""


@pytest.fixture
def policy_file(
    tmp_path: Path, receiver: HttpReceiver, smtp_port: int, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv(SLACK_URL_ENV, receiver.url("/slack"))
    monkeypatch.setenv("QUALIFIER_TEST_CRM_SECRET", CRM_SECRET)
    path = tmp_path / "qualifier.toml"
    path.write_text(_policy_text(receiver, smtp_port), encoding="utf-8")
    return path


@pytest.fixture
def policy(policy_file: Path):  # noqa: ANN201 - overrides conftest's default policy
    return load_policy(policy_file)


def _post(client, **fields) -> dict:  # noqa: ANN001
    answer = client.post("/webhooks/generic", json=samples.form(fields=fields) if fields else samples.form())
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


def _deliveries(app, inquiry_id: str) -> dict[str, models.Delivery]:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        rows = session.scalars(select(models.Delivery).where(models.Delivery.inquiry_id == inquiry_id)).all()
        return {row.target: row for row in rows}


def _retry_due(app, inquiry_id: str, at: datetime) -> list[delivery.Attempt]:  # noqa: ANN001
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        return delivery.send_due(
            session, runtime.policy, now=at, sender=delivery.Sender(rng=random.Random(1))
        )


# --------------------------------------------------------------------------- tests


def test_a_posted_lead_reaches_slack_email_and_the_crm_within_a_second(client, auth, receiver, mailbox):
    _post(client, email="warm.up@first-buyer.example")  # loads the NLP pipeline once; Rosa gets it
    receiver.requests.clear()
    mailbox.messages.clear()
    started = time.perf_counter()
    ack = _post(client)
    elapsed = time.perf_counter() - started
    assert ack["route"] == "sql", ack
    assert elapsed < 1.0

    (slack,) = receiver.on("/slack")
    message = json.loads(slack.body)
    assert message["blocks"][0]["type"] == "header"
    assert "Assigned to <@U0TOMAS>" in message["blocks"][1]["text"]["text"]  # round robin: Tomas next

    (crm,) = receiver.on("/crm")
    notify.verify_signature(crm.body, crm.headers, CRM_SECRET, now=int(time.time()))
    event = json.loads(crm.body)
    assert (event["event"], event["inquiry"]["id"], event["brief"]["assignee"]["id"]) == (
        "lead.routed",
        ack["id"],
        "tomas",
    )
    assert crm.headers["X-Qualifier-Delivery"].startswith("dlv_")

    (mail,) = mailbox.messages
    assert mail.rcpt_tos == ["tomas@seller.example"]
    parsed = message_from_bytes(mail.original_content, policy=email_policy.default)
    assert parsed["Subject"].startswith(ack["route"].upper() + ":")
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]

    rows = _deliveries(client.application, ack["id"])
    assert {name: (row.status, row.attempts) for name, row in rows.items()} == {
        "sales-channel": ("sent", 1),
        "assigned-sdr": ("sent", 1),
        "crm": ("sent", 1),
    }
    document = client.get(ack["url"], headers=auth).get_json()
    assert document["qualification"]["assignment"]["sdr"] == "tomas"
    assert "Assigned to **Tomas Berg**" in document["brief"]["markdown"]


def test_round_robin_hands_the_next_lead_to_the_other_sdr(client, receiver, mailbox):
    first = _post(client, email="a.one@first-buyer.example")
    second = _post(client, email="b.two@second-buyer.example")
    assert [m.rcpt_tos for m in mailbox.messages] == [["rosa@seller.example"], ["tomas@seller.example"]]
    assert first["id"] != second["id"]


def test_server_error_is_retried_with_backoff_then_sent(client, receiver, mailbox):
    receiver.script["/slack"] = [500]
    ack = _post(client)
    slack = _deliveries(client.application, ack["id"])["sales-channel"]
    assert (slack.status, slack.attempts, slack.last_error) == ("pending", 1, "HTTP 500: no")
    wait = (slack.next_attempt_at - slack.created_at).total_seconds()
    assert 9 <= wait <= 11  # base 10 s, jitter 10 %

    assert _retry_due(client.application, ack["id"], slack.created_at) == []  # not due yet
    (attempt,) = _retry_due(client.application, ack["id"], slack.next_attempt_at)
    assert (attempt.target, attempt.status, attempt.attempts) == ("sales-channel", "sent", 2)
    assert len(receiver.on("/slack")) == 2
    row = _deliveries(client.application, ack["id"])["sales-channel"]
    assert (row.status, row.attempts, row.last_error, row.sent_at) == ("sent", 2, None, slack.next_attempt_at)


def test_retries_stop_after_the_last_attempt_and_record_the_failure(client, receiver, mailbox):
    receiver.script["/crm"] = [503] * 10
    ack = _post(client)
    for _ in range(3):  # attempts 2, 3, 4 of 4
        row = _deliveries(client.application, ack["id"])["crm"]
        assert row.status == "pending"
        _retry_due(client.application, ack["id"], row.next_attempt_at)
    row = _deliveries(client.application, ack["id"])["crm"]
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "failed",
        4,
        None,
        "HTTP 503: no",
    )
    assert len(receiver.on("/crm")) == 4


@pytest.mark.parametrize(
    "status, error",
    [
        pytest.param(404, "HTTP 404: no", id="gone"),
        pytest.param(403, "HTTP 403: no", id="revoked"),
        pytest.param(302, "HTTP 302: no", id="redirect-not-followed"),
    ],
)
def test_permanent_http_failure_is_not_retried(client, receiver, mailbox, status, error):
    receiver.script["/slack"] = [status]
    ack = _post(client)
    row = _deliveries(client.application, ack["id"])["sales-channel"]
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 1, error, None)
    assert receiver.on("/elsewhere") == []


@pytest.mark.parametrize(
    "replies, status, attempts",
    [
        pytest.param(["451 4.7.1 try again later"], "pending", 1, id="temporary-retried"),
        pytest.param(["550 5.1.1 no such mailbox"], "failed", 1, id="permanent-failed"),
    ],
)
def test_smtp_replies_decide_between_retry_and_failure(client, receiver, mailbox, replies, status, attempts):
    mailbox.script = list(replies)
    ack = _post(client)
    row = _deliveries(client.application, ack["id"])["assigned-sdr"]
    assert (row.status, row.attempts) == (status, attempts)
    assert row.last_error.startswith(f"SMTP {replies[0][:3]}")
    if status == "pending":
        _retry_due(client.application, ack["id"], row.next_attempt_at)
        assert _deliveries(client.application, ack["id"])["assigned-sdr"].status == "sent"
        assert len(mailbox.messages) == 1


def test_unreachable_receiver_is_retried(client, receiver, mailbox, monkeypatch):
    monkeypatch.setenv(SLACK_URL_ENV, f"http://127.0.0.1:{_free_port()}/slack")
    ack = _post(client)
    row = _deliveries(client.application, ack["id"])["sales-channel"]
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error.startswith("no answer")


def test_missing_secret_fails_and_replay_sends_once_it_is_set(
    app, client, receiver, mailbox, monkeypatch, policy_file
):
    monkeypatch.delenv("QUALIFIER_TEST_CRM_SECRET")
    ack = _post(client)
    row = _deliveries(app, ack["id"])["crm"]
    assert (row.status, row.last_error) == (
        "failed",
        "environment variable QUALIFIER_TEST_CRM_SECRET (webhook signing secret) is not set",
    )
    assert receiver.on("/crm") == []

    monkeypatch.setenv("QUALIFIER_TEST_CRM_SECRET", CRM_SECRET)
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", _database_url(app))
    monkeypatch.setenv("QUALIFIER_POLICY_FILE", str(policy_file))
    result = runner_invoke(["replay-deliveries"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{ack['id']} webhook crm: sent"
    assert len(receiver.on("/crm")) == 1
    assert _deliveries(app, ack["id"])["crm"].status == "sent"


def test_replay_of_one_lead_sends_every_notification_again(
    app, client, receiver, mailbox, monkeypatch, policy_file
):
    ack = _post(client)
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", _database_url(app))
    monkeypatch.setenv("QUALIFIER_POLICY_FILE", str(policy_file))
    result = runner_invoke(["replay-deliveries", "--inquiry", ack["id"]])
    assert result.exit_code == 0, result.output
    assert sorted(result.output.splitlines()) == sorted(
        f"{ack['id']} {channel} {target}: sent"
        for channel, target in (("slack", "sales-channel"), ("email", "assigned-sdr"), ("webhook", "crm"))
    )
    assert (len(receiver.on("/slack")), len(receiver.on("/crm")), len(mailbox.messages)) == (2, 2, 2)
    first, again = receiver.on("/crm")
    assert json.loads(first.body) == json.loads(again.body)  # a replay sends what was sent

    with runtime_of(app).sessions() as session:
        log = delivery.delivery_log(session, ack["id"])
    assert [(entry["target"], entry["status"], entry["attempts"]) for entry in log] == [
        ("sales-channel", "sent", 1),
        ("assigned-sdr", "sent", 1),
        ("crm", "sent", 1),
    ]


def test_replay_of_an_unknown_lead_says_so(app, monkeypatch, policy_file):
    monkeypatch.setenv("QUALIFIER_DATABASE_URL", _database_url(app))
    monkeypatch.setenv("QUALIFIER_POLICY_FILE", str(policy_file))
    result = runner_invoke(["replay-deliveries", "--inquiry", "inq_nothing"])
    assert result.exit_code == 1
    assert "no inquiry inq_nothing" in result.output


def test_a_lead_is_notified_once_when_processed_again(app, client, receiver, mailbox):
    ack = _post(client)
    runtime = runtime_of(app)
    with runtime.sessions() as session:
        inquiry = session.get(models.Inquiry, ack["id"])
        delivery.dispatch(session, inquiry.id, runtime.policy, now=datetime.now(UTC))
    assert len(receiver.on("/slack")) == 1 and len(_deliveries(app, ack["id"])) == 3


@pytest.mark.postgres
def test_round_robin_and_deliveries_on_postgresql(policy, receiver, mailbox):
    """The assignment history is read with a JSON path query: check it on PostgreSQL too."""
    import os
    import uuid

    from sqlalchemy import make_url

    from assistant import create_app
    from tests.conftest import API_TOKEN

    psycopg = pytest.importorskip("psycopg")
    url = make_url(
        os.environ.get("QUALIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    try:
        admin = psycopg.connect(
            url.set(drivername="postgresql").render_as_string(hide_password=False),
            connect_timeout=5,
            autocommit=True,
        )
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    schema = f"qualifier_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
            app = create_app(
                {
                    "DATABASE_URL": scoped.render_as_string(hide_password=False),
                    "API_TOKENS": API_TOKEN,
                    "POLICY": policy,
                    "TESTING": True,
                }
            )
            try:
                from assistant import db

                db.upgrade(runtime_of(app).engine)
                client = app.test_client()
                first = _post(client, email="a.one@first-buyer.example")
                second = _post(client, email="b.two@second-buyer.example")
                assert [m.rcpt_tos for m in mailbox.messages] == [
                    ["rosa@seller.example"],
                    ["tomas@seller.example"],
                ]
                assert {row.status for row in _deliveries(app, first["id"]).values()} == {"sent"}
                assert len(_deliveries(app, second["id"])) == 3
            finally:
                runtime_of(app).engine.dispose()
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --------------------------------------------------------------------------- helpers


def _database_url(app) -> str:  # noqa: ANN001
    return str(runtime_of(app).engine.url)


def runner_invoke(args: list[str]):  # noqa: ANN201 - click Result
    from click.testing import CliRunner

    return CliRunner().invoke(cli, args, catch_exceptions=False)
