"""Vendor sources through HTTP: every sample end to end, signatures with the service's clock and URL,
URL tokens for signing vendors set up without signatures, per-source field maps, deliveries that are not
inquiries, and chat conversations assembled from their pieces.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from assistant import create_app, models, queue, runtime_of
from handoff.policy import Policy
from handoff.types import ROUTES
from tests.forms.sample_files import NOW, Sample, is_signed, samples, secret_for

PUBLIC = "https://qualifier.example.com"  # the host the signed HubSpot sample was signed for
SAMPLE_TIME = datetime.fromtimestamp(NOW, UTC)


def _app(app_config: dict, **config: Any):  # noqa: ANN202
    return create_app({**app_config, "CLOCK": lambda: SAMPLE_TIME, **config})


def _headers(sample: Sample) -> dict[str, str]:
    headers = dict(sample.headers)
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    return headers


def _count(app, model, **where) -> int:  # noqa: ANN001
    with runtime_of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


# Every vendor sample, end to end ------------------------------------------------------------------


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in samples()])
def test_every_sample_is_stored_normalized_and_routed(app_config, auth, sample) -> None:
    secrets = {sample.vendor: secret_for(sample.vendor)} if is_signed(sample) else {}
    client = _app(app_config, SECRETS=secrets).test_client()

    answer = client.post(
        f"/webhooks/{sample.vendor}", data=sample.body, headers=_headers(sample), base_url=PUBLIC
    )

    assert answer.status_code == 202, answer.get_json()
    ack = answer.get_json()
    document = client.get(f"/api/inquiries/{ack['id']}", headers=auth, base_url=PUBLIC).get_json()
    assert document["inquiry"] == sample.expected
    assert (ack["status"], document["status"]) == ("processed", "processed")
    assert document["qualification"]["route"] in ROUTES


# Signatures: the service's clock, the URL called, URL tokens ---------------------------------------

SIGNED = [s for s in samples() if is_signed(s) and s.vendor != "livechat"]  # LiveChat: secret in the body
TIMESTAMPED = ("hubspot", "webflow", "chatwoot", "crisp", "zendesk")  # schemes that sign a time


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in SIGNED])
def test_signatures_are_checked_against_the_services_clock(app_config, sample) -> None:
    secrets = {sample.vendor: secret_for(sample.vendor)}
    late = create_app({**app_config, "SECRETS": secrets, "CLOCK": lambda: datetime(2027, 1, 1, tzinfo=UTC)})
    on_time = _app(app_config, SECRETS=secrets)
    post = {"data": sample.body, "headers": _headers(sample), "base_url": PUBLIC}

    assert on_time.test_client().post(f"/webhooks/{sample.vendor}", **post).status_code == 202
    signs_a_time = sample.vendor in TIMESTAMPED and (
        sample.vendor != "zendesk" or "X-Zendesk-Webhook-Signature-Timestamp" in sample.headers
    )
    if signs_a_time:
        assert late.test_client().post(f"/webhooks/{sample.vendor}", **post).status_code == 401


@pytest.mark.parametrize(
    ("base_url", "client_url", "status"),
    [
        pytest.param(PUBLIC, None, 202, id="the-url-called"),
        pytest.param("https://other.example.net", None, 401, id="another-host"),
        pytest.param(
            "https://other.example.net", PUBLIC + "/webhooks/hubspot", 401, id="client-sent-url-ignored"
        ),
        pytest.param("http://qualifier.example.com", None, 401, id="another-scheme"),
    ],
)
def test_hubspot_v3_is_checked_against_the_method_and_url_called(
    app_config, base_url, client_url, status
) -> None:
    (sample,) = [s for s in samples("hubspot") if s.case == "full"]
    app = _app(app_config, SECRETS={"hubspot": secret_for("hubspot")})
    headers = {k: v for k, v in _headers(sample).items() if not k.startswith("X-Qualifier-")}
    if client_url:
        headers["X-Qualifier-Url"] = client_url
        headers["X-Qualifier-Method"] = "POST"

    answer = app.test_client().post("/webhooks/hubspot", data=sample.body, headers=headers, base_url=base_url)

    assert answer.status_code == status, answer.get_json()
    if status == 202:
        with runtime_of(app).sessions() as session:
            stored = session.scalars(select(models.RawEvent)).one().headers
        assert not any(name.lower().startswith("x-qualifier-") for name in stored)


UNSIGNED_BODY = {
    "webflow": ("webflow", "full"),
    "hubspot": ("hubspot", "minimal"),
    "chatwoot": ("chatwoot", "full"),
}


@pytest.mark.parametrize(
    ("source", "query", "signature", "status"),
    [
        pytest.param("webflow", "?token=s3cret", None, 202, id="webflow-dashboard-webhook-with-token"),
        pytest.param("hubspot", "?token=s3cret", None, 202, id="hubspot-workflow-with-token"),
        pytest.param("chatwoot", "?token=s3cret", None, 202, id="old-chatwoot-with-token"),
        pytest.param("webflow", "", None, 401, id="no-token-no-signature"),
        pytest.param("webflow", "?token=guess", None, 401, id="wrong-token"),
        pytest.param(
            "webflow", "?token=s3cret", "deadbeef", 401, id="a-wrong-signature-is-refused-token-or-not"
        ),
    ],
)
def test_a_signing_source_without_signatures_takes_the_url_token(
    app_config, source, query, signature, status
):
    from forms import get_adapter

    vendor, case = UNSIGNED_BODY[source]
    (sample,) = [s for s in samples(vendor) if s.case == case]
    headers = {"Content-Type": _headers(sample)["Content-Type"]}  # the body as an unsigned set-up sends it
    if signature:
        headers[get_adapter(source).signature_header] = signature
    app = create_app({**app_config, "SECRETS": {source: "s3cret"}})

    answer = app.test_client().post(f"/webhooks/{source}{query}", data=sample.body, headers=headers)

    assert answer.status_code == status, answer.get_json()
    if status == 202:
        with runtime_of(app).sessions() as session:
            stored = session.scalars(select(models.RawEvent)).one()
        assert "s3cret" not in json.dumps(stored.headers)


# Per-source field maps -----------------------------------------------------------------------------


def test_the_policys_field_map_names_the_contact_fields_of_an_odd_form(app_config, auth) -> None:
    (sample,) = [s for s in samples("gravityforms") if s.case == "full_all_fields"]
    mapping = {"1.3": "first_name", "1.6": "last_name", "3": "company", "5": "message"}
    policy = Policy.from_mapping({"sources": {"gravityforms": {"fields": mapping}}})
    client = create_app({**app_config, "POLICY": policy}).test_client()

    ack = client.post("/webhooks/gravityforms", data=sample.body, headers=_headers(sample)).get_json()

    inquiry = client.get(ack["url"], headers=auth).get_json()["inquiry"]
    assert (inquiry["contact"]["name"], inquiry["contact"]["company"]) == (
        "Daniel Kowalczyk",
        "Riverstone Builders",
    )
    assert inquiry["message_field"] == "5"


# Deliveries that are not inquiries ---------------------------------------------------------------

PING = {
    "type": "notification_event",
    "id": "notif_ping_1",
    "topic": "ping",
    "data": {"item": {"type": "ping"}},
}


def test_a_ping_is_acknowledged_as_ignored_and_stored_without_an_inquiry(app, client, auth) -> None:
    first = client.post("/webhooks/intercom", json=PING)
    again = client.post("/webhooks/intercom", json=PING)

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.get_json()["status"] == "ignored"
    assert "conversation" in first.get_json()["reason"]
    assert again.get_json() == {"status": "ignored", "duplicate": True}
    assert _count(app, models.Inquiry) == 0
    assert _count(app, models.RawEvent, status="ignored") == 1


# Chat conversations in pieces ----------------------------------------------------------------------


def intercom(topic: str, conversation: str, parts: list[tuple[str, str, int]], *, event: str) -> dict:
    """An Intercom notification: the opening message, then `parts` (author type, text, epoch seconds)."""
    (opener_type, opener, opened_at), *rest = parts
    return {
        "type": "notification_event",
        "id": event,
        "topic": topic,
        "data": {
            "item": {
                "type": "conversation",
                "id": conversation,
                "created_at": opened_at,
                "source": {
                    "body": f"<p>{opener}</p>",
                    "author": {
                        "type": opener_type,
                        "name": "Priya Raman",
                        "email": "priya@lanternworks.example",
                    },
                    "url": "https://www.example.com/pricing",
                },
                "conversation_parts": {
                    "conversation_parts": [
                        {
                            "part_type": "comment",
                            "body": f"<p>{text}</p>",
                            "created_at": at,
                            "author": {"type": kind},
                        }
                        for kind, text, at in rest
                    ]
                },
            }
        },
    }


T0 = 1773151000
OPENING = ("user", "Hi, we are looking at your scheduling tool for our four warehouses.", T0)
QUESTION = ("admin", "Happy to help. When would you want it running?", T0 + 30)
ANSWER = ("user", "Before the end of next month. I lead operations and can sign off on it.", T0 + 90)
DEMO = ("user", "Could someone show us a demo this week?", T0 + 150)


def _qualifications(app, inquiry_id: str) -> int:  # noqa: ANN001
    return _count(app, models.Qualification, inquiry_id=inquiry_id)


def test_a_conversation_delivered_in_pieces_is_one_inquiry_qualified_as_it_grows(app, client, auth) -> None:
    created = client.post(
        "/webhooks/intercom", json=intercom("conversation.user.created", "c-71", [OPENING], event="n1")
    ).get_json()
    replied = client.post(
        "/webhooks/intercom",
        json=intercom("conversation.user.replied", "c-71", [OPENING, QUESTION, ANSWER], event="n2"),
    ).get_json()
    retried = client.post(  # the same content again under another notification id: nothing new
        "/webhooks/intercom",
        json=intercom("conversation.user.replied", "c-71", [OPENING, QUESTION, ANSWER], event="n2-again"),
    ).get_json()
    closed = client.post(
        "/webhooks/intercom",
        json=intercom("conversation.admin.closed", "c-71", [OPENING, DEMO], event="n3"),
    ).get_json()

    assert created["id"] == replied["id"] == retried["id"] == closed["id"]
    assert _count(app, models.Inquiry) == 1
    assert _qualifications(app, created["id"]) == 3  # created, replied, closed; not the retry
    document = client.get(created["url"], headers=auth).get_json()
    transcript = [(turn["role"], turn["text"]) for turn in document["inquiry"]["transcript"]]
    assert transcript == [
        ("visitor", OPENING[1]),
        ("agent", QUESTION[1]),
        ("visitor", ANSWER[1]),
        ("visitor", DEMO[1]),
    ]
    assert document["inquiry"]["fields"]["_closed"] == "yes"
    assert document["inquiry"]["contact"]["email"] == "priya@lanternworks.example"
    evidence = json.dumps(document["qualification"])
    assert "demo" in evidence  # the newest qualification read the last turn too


def test_a_new_turn_after_closing_reopens_the_conversation(app, client, auth) -> None:
    client.post(
        "/webhooks/intercom", json=intercom("conversation.admin.closed", "c-72", [OPENING], event="m1")
    )
    ack = client.post(
        "/webhooks/intercom", json=intercom("conversation.user.replied", "c-72", [OPENING, DEMO], event="m2")
    ).get_json()

    document = client.get(ack["url"], headers=auth).get_json()
    assert "_closed" not in document["inquiry"]["fields"]
    assert len(document["inquiry"]["transcript"]) == 2


def test_other_conversations_and_other_sources_stay_apart(app, client) -> None:
    first = client.post(
        "/webhooks/intercom", json=intercom("conversation.user.created", "c-73", [OPENING], event="k1")
    ).get_json()
    second = client.post(
        "/webhooks/intercom", json=intercom("conversation.user.created", "c-74", [OPENING], event="k2")
    ).get_json()

    assert first["id"] != second["id"]
    assert _count(app, models.Inquiry) == 2


def test_concurrent_pieces_of_one_conversation_make_one_inquiry_with_every_turn(any_app, auth) -> None:
    app = any_app
    turns = [
        ("user" if i % 2 == 0 else "admin", f"Message number {i} about our depot rollout.", T0 + i)
        for i in range(6)
    ]
    answers: list[dict] = []

    def post(i: int) -> None:
        body = intercom(
            "conversation.user.replied", "c-75", [turns[0], turns[i]] if i else [turns[0]], event=f"p{i}"
        )
        answers.append(app.test_client().post("/webhooks/intercom", json=body).get_json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    queue.local_work(app).close()  # pieces that met a busy process were qualified in the background

    assert len({a["id"] for a in answers}) == 1
    assert _count(app, models.Inquiry) == 1
    assert _count(app, models.RawEvent, status="processed") == 6
    document = app.test_client().get(answers[0]["url"], headers=auth).get_json()
    assert [t["text"] for t in document["inquiry"]["transcript"]] == [t[1] for t in turns]
