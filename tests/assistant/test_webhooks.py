"""POST /webhooks/<source> through HTTP: acknowledgement, read-back, duplicates, bad input, authenticity."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

import forms
from assistant import models, pipeline, queue, runtime_of

from . import samples

JSON = "application/json"


def _count(app, model, **where) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def _raw_event(app, inquiry_id: str) -> models.RawEvent:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        return session.scalars(select(models.RawEvent).where(models.RawEvent.inquiry_id == inquiry_id)).one()


# Accepting and reading back -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "channel"),
    [pytest.param(samples.form(), "form", id="form"), pytest.param(samples.chat(), "chat", id="chat")],
)
def test_an_accepted_payload_is_acknowledged_processed_and_readable(client, auth, payload, channel) -> None:
    answer = client.post("/webhooks/generic", json=payload)

    assert answer.status_code == 202
    ack = answer.get_json()
    assert set(ack) == {"id", "status", "url", "route"}
    assert ack["id"].startswith("inq_")
    assert ack["status"] == "processed"
    assert ack["url"].endswith(f"/api/inquiries/{ack['id']}")

    document = client.get(ack["url"], headers=auth).get_json()
    assert document["id"] == ack["id"]
    assert (document["status"], document["source"], document["channel"]) == ("processed", "generic", channel)
    assert document["qualification"]["route"] == ack["route"]
    assert set(document["qualification"]) >= {
        "intent",
        "need",
        "budget",
        "timeframe",
        "authority",
        "route",
        "score",
        "reasons",
    }
    assert set(document["brief"]) == {"markdown", "html", "slack", "text"}
    assert document["received_at"].endswith("Z")


def test_the_form_is_normalized_as_received(client, auth) -> None:
    ack = client.post("/webhooks/generic", json=samples.form()).get_json()

    inquiry = client.get(ack["url"], headers=auth).get_json()["inquiry"]

    assert inquiry["contact"]["email"] == "o.adeyemi@brightquay-freight.co.uk"
    assert inquiry["contact"]["name"] == "Okonkwo Adeyemi"
    assert inquiry["message"].startswith("Our dispatch team")
    assert inquiry["vendor"]["form_id"] == "request-a-demo"


def test_the_chat_transcript_keeps_its_roles(client, auth) -> None:
    ack = client.post("/webhooks/generic", json=samples.chat()).get_json()

    inquiry = client.get(ack["url"], headers=auth).get_json()["inquiry"]

    assert [turn["role"] for turn in inquiry["transcript"]] == ["visitor", "bot", "visitor", "bot", "visitor"]
    assert inquiry["vendor"]["conversation_id"] == "conv-5521"


def test_visitor_markup_is_inert_in_the_html_brief(client, auth) -> None:
    payload = samples.form(fields={"message": "We need invoicing <script>alert(1)</script> for 3 entities"})
    ack = client.post("/webhooks/generic", json=payload).get_json()

    brief = client.get(ack["url"], headers=auth).get_json()["brief"]

    assert "<script>" not in brief["html"]
    assert "&lt;script&gt;" in brief["html"]


def test_the_contact_is_stored_once_per_email_whatever_its_case(app, client) -> None:
    client.post("/webhooks/generic", json=samples.form())
    client.post(
        "/webhooks/generic",
        json=samples.form(
            fields={"email": "O.Adeyemi@BrightQuay-Freight.co.uk", "message": "Also: pricing for 60 vans?"}
        ),
    )

    assert _count(app, models.Contact) == 1
    assert _count(app, models.Inquiry) == 2


def test_form_urlencoded_is_accepted_and_parsed_by_the_adapter(client) -> None:
    answer = client.post("/webhooks/generic", data={"email": "x@example.org"})

    # The generic adapter reads JSON only: the body is stored, then rejected as unreadable.
    assert answer.status_code == 400
    assert "malformed JSON" in answer.get_json()["error"]


# Duplicates ------------------------------------------------------------------------------------


def test_the_same_idempotency_key_is_a_duplicate_even_with_another_body(app, client) -> None:
    first = client.post("/webhooks/generic", json=samples.form(), headers={"Idempotency-Key": "delivery-17"})
    again = client.post(
        "/webhooks/generic",
        json=samples.form(fields={"message": "edited"}),
        headers={"Idempotency-Key": "delivery-17"},
    )

    assert again.status_code == 202
    assert again.get_json() == {**first.get_json(), "duplicate": True}
    assert _count(app, models.RawEvent) == 1
    assert _count(app, models.Qualification) == 1


def test_the_same_body_within_the_window_is_a_duplicate(app, client) -> None:
    first = client.post("/webhooks/generic", json=samples.chat()).get_json()
    again = client.post("/webhooks/generic", json=samples.chat()).get_json()

    assert again == {**first, "duplicate": True}
    assert _count(app, models.Qualification) == 1


def test_the_same_body_after_the_window_is_a_new_inquiry(app, client) -> None:
    first = client.post("/webhooks/generic", json=samples.chat()).get_json()
    with runtime_of(app).sessions() as session:
        session.execute(update(models.RawEvent).values(received_at=datetime.now(UTC) - timedelta(hours=25)))
        session.commit()

    again = client.post("/webhooks/generic", json=samples.chat()).get_json()

    assert "duplicate" not in again
    assert again["id"] != first["id"]
    # And the newer one now holds the window: a third copy repeats it.
    third = client.post("/webhooks/generic", json=samples.chat()).get_json()
    assert third["id"] == again["id"] and third["duplicate"] is True


@pytest.mark.parametrize("keyed", [True, False], ids=["same-key", "same-body"])
def test_concurrent_copies_of_one_delivery_store_one_event(any_app, keyed) -> None:
    """Vendors retry on a timeout while the first try is still being answered: one event, one id."""
    headers = {"Idempotency-Key": "retry-race-4"} if keyed else {}
    body = samples.form(fields={"message": "Eight copies of this arrive at once; we need one quote."})
    start = threading.Barrier(8)
    answers: list[dict] = []

    def post() -> None:
        client = any_app.test_client()
        start.wait(timeout=30)
        answers.append(client.post("/webhooks/generic", json=body, headers=headers).get_json())

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    queue.local_work(any_app).close()

    assert len(answers) == 8
    assert len({a["id"] for a in answers}) == 1
    assert sorted(a.get("duplicate", False) for a in answers) == [False] + [True] * 7
    assert _count(any_app, models.RawEvent) == 1
    assert _count(any_app, models.Qualification) == 1


def test_bodies_are_compared_per_source(app, client, monkeypatch) -> None:
    monkeypatch.setitem(forms.ADAPTERS, "signedvendor", samples.SIGNED_ADAPTER)
    first = client.post("/webhooks/generic", json=samples.form()).get_json()
    other = client.post("/webhooks/signedvendor", json=samples.form()).get_json()

    assert other["id"] != first["id"]
    assert "duplicate" not in other


def test_the_same_vendor_event_id_is_a_duplicate(app, client, monkeypatch) -> None:
    monkeypatch.setitem(forms.ADAPTERS, "signedvendor", samples.SIGNED_ADAPTER)
    first = client.post("/webhooks/signedvendor", json=samples.form(), headers={"X-Test-Event": "evt_901"})
    # A redelivery whose body differs (vendors stamp the attempt time) but whose event id is the same.
    again = client.post(
        "/webhooks/signedvendor",
        json=samples.form(submitted_at="2026-03-10T14:09:00Z"),
        headers={"X-Test-Event": "evt_901"},
    )

    assert again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["duplicate"] is True
    assert _count(app, models.Inquiry) == 1
    assert _count(app, models.RawEvent, status="duplicate") == 1
    # A copy of the duplicate's body answers the original too.
    third = client.post(
        "/webhooks/signedvendor",
        json=samples.form(submitted_at="2026-03-10T14:09:00Z"),
        headers={"X-Test-Event": "evt_901"},
    )
    assert third.get_json()["id"] == first.get_json()["id"]


# Bad input --------------------------------------------------------------------------------------

BIG = 2048  # the test apps' body limit below


@pytest.mark.parametrize(
    ("source", "data", "content_type", "status", "says"),
    [
        pytest.param("generic", b'{"fields": {"email": ', JSON, 400, "malformed JSON", id="malformed-json"),
        pytest.param("generic", b"[1, 2]", JSON, 400, "must be a JSON object", id="not-an-object"),
        pytest.param("generic", b'"hello"', JSON, 400, "must be a JSON object", id="a-string"),
        pytest.param("generic", b"\xff\xfe{}", JSON, 400, "not UTF-8", id="not-utf8"),
        pytest.param("generic", b"", JSON, 400, "malformed JSON", id="empty-body"),
        pytest.param(
            "generic",
            b'{"fields": "email=x@example.org"}',
            JSON,
            422,
            "'fields' must be an object",
            id="fields-not-object",
        ),
        pytest.param(
            "generic",
            b'{"fields": {"email": {"a": 1}}}',
            JSON,
            422,
            "fields.email must be text",
            id="field-wrong-type",
        ),
        pytest.param(
            "generic",
            b'{"transcript": [{"role": "robot", "text": "hi"}]}',
            JSON,
            422,
            "role must be one of",
            id="bad-role",
        ),
        pytest.param(
            "generic", b'{"transcript": "hi"}', JSON, 422, "must be a list of turns", id="transcript-not-list"
        ),
        pytest.param(
            "generic", b'{"hello": "world"}', JSON, 422, "neither 'fields'", id="neither-form-nor-chat"
        ),
        pytest.param("nosuchvendor", b"{}", JSON, 404, "unknown source 'nosuchvendor'", id="unknown-source"),
        pytest.param(
            "generic", b"{}", "text/plain", 415, "unsupported content type 'text/plain'", id="text-plain"
        ),
        pytest.param("generic", b"{}", None, 415, "unsupported content type", id="no-content-type"),
        pytest.param("generic", b"<xml/>", "application/xml", 415, "application/xml", id="xml"),
        pytest.param(
            "generic",
            b'{"fields": {"message": "' + b"x" * BIG + b'"}}',
            JSON,
            413,
            "too large",
            id="over-limit",
        ),
    ],
)
def test_bad_input_gets_a_4xx_saying_what_is_wrong(
    app_config, source, data, content_type, status, says
) -> None:
    from assistant import create_app

    app = create_app({**app_config, "MAX_BODY_BYTES": BIG})
    headers = {"Content-Type": content_type} if content_type else {}

    answer = app.test_client().post(f"/webhooks/{source}", data=data, headers=headers)

    assert answer.status_code == status
    assert answer.is_json
    assert says in answer.get_json()["error"]


def test_a_body_over_the_limit_without_content_length_is_refused_while_reading(app_config) -> None:
    import io

    from assistant import create_app

    app = create_app({**app_config, "MAX_BODY_BYTES": BIG})
    stream = io.BytesIO(b'{"fields": {"message": "' + b"y" * (BIG * 2) + b'"}}')

    answer = app.test_client().post(
        "/webhooks/generic",
        input_stream=stream,
        headers={"Content-Type": JSON, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert answer.status_code == 413
    assert "too large" in answer.get_json()["error"]
    assert _count(app, models.RawEvent) == 0


@pytest.mark.parametrize(
    "key",
    [pytest.param("k" * 201, id="too-long"), pytest.param("key\x01with-control", id="control-character")],
)
def test_a_bad_idempotency_key_is_refused(client, key) -> None:
    answer = client.post("/webhooks/generic", json=samples.form(), headers={"Idempotency-Key": key})

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.get_json()["error"]


def test_a_rejected_body_stays_stored_and_a_corrected_resend_is_accepted(app, client) -> None:
    bad = client.post(
        "/webhooks/generic", json={"fields": ["not", "an", "object"]}, headers={"Idempotency-Key": "k1"}
    )
    assert bad.status_code == 422
    with runtime_of(app).sessions() as session:
        stored = session.scalars(select(models.RawEvent)).one()
        assert (stored.status, stored.error_status) == ("rejected", 422)
        assert "'fields' must be an object" in stored.error

    good = client.post("/webhooks/generic", json=samples.form(), headers={"Idempotency-Key": "k1"})

    assert good.status_code == 202
    assert "duplicate" not in good.get_json()


def test_unknown_webhook_urls_and_methods_answer_json(client) -> None:
    wrong_method = client.get("/webhooks/generic")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.get_json()["error"]
    assert client.post("/webhooks/").status_code == 404
    assert client.post("/webhooks/").is_json


# Authenticity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        pytest.param("", {}, 401, id="missing-token"),
        pytest.param("?token=guess", {}, 401, id="wrong-token"),
        pytest.param("?token=s3cret-generic", {}, 202, id="query-token"),
        pytest.param("", {"X-Qualifier-Token": "s3cret-generic"}, 202, id="header-token"),
    ],
)
def test_a_source_with_a_secret_needs_its_token(app_config, query, headers, status) -> None:
    from assistant import create_app

    app = create_app({**app_config, "SECRETS": {"generic": "s3cret-generic"}})

    answer = app.test_client().post(f"/webhooks/generic{query}", json=samples.form(), headers=headers)

    assert answer.status_code == status
    if status == 401:
        assert "token" in answer.get_json()["error"]
        assert _count(app, models.RawEvent) == 0


@pytest.mark.parametrize(
    ("signature", "status"),
    [
        pytest.param("good", 202, id="good-signature"),
        pytest.param("bad", 401, id="bad-signature"),
        pytest.param(None, 401, id="no-signature"),
    ],
)
def test_a_signing_source_with_a_secret_verifies_signatures(
    app_config, monkeypatch, signature, status
) -> None:
    from assistant import create_app

    monkeypatch.setitem(forms.ADAPTERS, "signedvendor", samples.SIGNED_ADAPTER)
    app = create_app({**app_config, "SECRETS": {"signedvendor": "vendor-key"}})
    raw = samples.body(samples.form())
    headers = {"Content-Type": JSON}
    if signature:
        headers["X-Test-Signature"] = samples.sign(raw, "vendor-key" if signature == "good" else "other-key")

    answer = app.test_client().post("/webhooks/signedvendor", data=raw, headers=headers)

    assert answer.status_code == status
    if status == 401:
        assert "X-Test-Signature" in answer.get_json()["error"]


def test_a_signing_source_without_a_secret_is_accepted_with_one_warning(client, monkeypatch, caplog) -> None:
    monkeypatch.setitem(forms.ADAPTERS, "signedvendor", samples.SIGNED_ADAPTER)

    with caplog.at_level(logging.WARNING, logger="assistant.webhooks"):
        first = client.post("/webhooks/signedvendor", json=samples.form())
        second = client.post("/webhooks/signedvendor", json=samples.chat())

    assert (first.status_code, second.status_code) == (202, 202)
    warnings = [r for r in caplog.records if "QUALIFIER_SECRET_SIGNEDVENDOR" in r.getMessage()]
    assert len(warnings) == 1


# Failure and recovery ---------------------------------------------------------------------------


def test_a_processing_failure_is_acknowledged_recorded_and_retried(app, client, auth, monkeypatch) -> None:
    from assistant.serve import recover

    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("analyzer exploded")

    monkeypatch.setattr(pipeline, "qualify_inquiry", broken)
    ack = client.post("/webhooks/generic", json=samples.form())

    assert ack.status_code == 202
    assert ack.get_json()["status"] == "failed"
    document = client.get(ack.get_json()["url"], headers=auth).get_json()
    assert document["status"] == "failed"
    assert "analyzer exploded" in document["error"]

    monkeypatch.undo()
    assert recover(app) == []  # not due yet: retries back off
    with runtime_of(app).sessions() as session:
        session.execute(
            update(models.RawEvent).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    outcomes = recover(app)

    assert [o.status for o in outcomes] == ["processed"]
    assert client.get(ack.get_json()["url"], headers=auth).get_json()["status"] == "processed"
    assert _raw_event(app, ack.get_json()["id"]).attempts == 2


def test_after_the_last_attempt_a_failure_stays_failed(app_config, monkeypatch) -> None:
    from assistant import create_app
    from assistant.serve import recover

    app = create_app({**app_config, "MAX_ATTEMPTS": 1})
    monkeypatch.setattr(pipeline, "qualify_inquiry", lambda *a, **k: 1 / 0)
    ack = app.test_client().post("/webhooks/generic", json=samples.form()).get_json()

    raw = _raw_event(app, ack["id"])
    assert (raw.status, raw.attempts, raw.next_attempt_at) == ("failed", 1, None)
    assert recover(app) == []
