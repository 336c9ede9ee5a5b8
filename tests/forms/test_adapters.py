"""Every vendor sample normalizes to its expected inquiry, plus the adapter rules the samples lean on."""

from __future__ import annotations

import json
import time

import pytest

import forms
from forms import BadPayload, NotAnInquiry, UnexpectedShape, body, chat, html
from forms.types import Inquiry

from .sample_files import samples

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in samples()])
def test_sample_normalizes_to_expected_inquiry(sample) -> None:
    inquiry = forms.normalize(sample.vendor, sample.body, sample.headers)

    assert inquiry.to_json() == sample.expected
    assert inquiry.source == sample.vendor
    assert Inquiry.from_json(inquiry.to_json()) == inquiry


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in samples()])
def test_fields_and_turns_carry_no_markup(sample) -> None:
    inquiry = forms.normalize(sample.vendor, sample.body, sample.headers)

    texts = [*inquiry.fields.values(), *(t.text for t in inquiry.transcript)]
    assert not [t for t in texts if html.has_markup(t)]
    assert all(t == t.strip() and t for t in texts)


def _one(vendor: str, case: str):
    return next(s for s in samples(vendor) if s.case == case)


def test_gravity_forms_field_ids_are_named_by_the_per_source_mapping() -> None:
    sample = _one("gravityforms", "full_all_fields")
    mapping = {"1.3": "first_name", "1.6": "last_name", "3": "company", "5": "message"}

    inquiry = forms.get_adapter("gravityforms").parse(sample.body, sample.headers, extra=mapping)

    assert (inquiry.contact.name, inquiry.contact.company) == ("Daniel Kowalczyk", "Riverstone Builders")
    assert inquiry.message_field == "5"
    assert inquiry.contact.email == "d.kowalczyk@riverstone.example"  # the one value that is an email address


def test_jotform_keeps_the_name_parts_it_was_given() -> None:
    inquiry = forms.normalize("jotform", _one("jotform", "full").body, _one("jotform", "full").headers)

    assert (inquiry.contact.first_name, inquiry.contact.last_name) == ("Mary Ann", "O'Connor")


@pytest.mark.parametrize(
    ("source", "payload", "where"),
    [
        pytest.param("typeform", {"event_type": "form_response"}, "form_response", id="typeform-no-response"),
        pytest.param(
            "typeform",
            {"event_type": "form_response", "form_response": {"answers": "x"}},
            "form_response.answers",
            id="typeform-answers-not-list",
        ),
        pytest.param(
            "tally", {"eventType": "FORM_RESPONSE", "data": {}}, "data.fields", id="tally-no-fields"
        ),
        pytest.param(
            "webflow",
            {"triggerType": "site_publish", "payload": {}},
            "triggerType",
            id="webflow-other-trigger",
        ),
        pytest.param(
            "chatwoot",
            {"event": "message_created", "message_type": "incoming", "sender": "me"},
            "sender",
            id="chatwoot-sender-not-object",
        ),
        pytest.param(
            "livechat", {"action": "incoming_chat", "payload": {}}, "payload.chat", id="livechat-no-chat"
        ),
        pytest.param("zendesk", {"events": []}, "events", id="zendesk-no-events"),
        pytest.param(
            "freshchat", {"action": "message_create", "data": {}}, "data.message", id="freshchat-no-message"
        ),
        pytest.param("tawkto", {"event": "chat:start"}, "chatId", id="tawkto-no-chat-id"),
        pytest.param("jotform", {"formID": "1"}, "rawRequest", id="jotform-no-raw-request"),
        pytest.param(
            "hubspot",
            [{"eventId": 1, "subscriptionType": "contact.creation"}],
            "workflow",
            id="hubspot-webhooks-api-batch",
        ),
    ],
)
def test_right_vendor_wrong_shape_is_422_naming_what_is_missing(source, payload, where) -> None:
    with pytest.raises(UnexpectedShape) as caught:
        forms.normalize(source, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    assert caught.value.status == 422
    assert where in caught.value.message


@pytest.mark.parametrize(
    ("source", "payload", "says"),
    [
        pytest.param(
            "intercom", {"topic": "ping", "data": {"item": {"type": "ping"}}}, "conversation", id="intercom-ping"
        ),
        pytest.param("crisp", {"event": "website:update", "data": {}}, "website:update", id="crisp-unknown-event"),
        pytest.param("chatwoot", {"event": "contact_merged"}, "contact_merged", id="chatwoot-unknown-event"),
        pytest.param("freshchat", {"action": "agent_update", "data": {}}, "agent_update", id="freshchat-unknown"),
        pytest.param("livechat", {"action": "agent_status_changed", "payload": {}}, "agent_status", id="livechat"),
        pytest.param("tawkto", {"event": "ticket:update"}, "ticket:update", id="tawkto-unknown-event"),
        pytest.param(
            "zendesk", {"events": [{"type": "switchboard:passControl"}]}, "conversation event", id="zendesk-other"
        ),
    ],
)
def test_a_delivery_without_an_inquiry_is_not_an_inquiry(source, payload, says) -> None:
    with pytest.raises(NotAnInquiry) as caught:
        forms.normalize(source, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    assert caught.value.status == 202
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        pytest.param(b"{not json", {}, id="malformed-json"),
        pytest.param(b"\xff\xfe{}", JSON, id="not-utf8"),
        pytest.param(b"[" * 5000 + b"]" * 5000, JSON, id="too-deep"),
        pytest.param(b'{"a":' * 60 + b"1" + b"}" * 60, JSON, id="deeper-than-the-limit"),
        pytest.param(b"[1, 2]", JSON, id="not-an-object"),
        pytest.param(
            b"&".join(b"f%d=1" % i for i in range(600)),
            {"Content-Type": "application/x-www-form-urlencoded"},
            id="too-many-form-fields",
        ),
        pytest.param(
            b"--x\r\n\r\n", {"Content-Type": "multipart/form-data"}, id="multipart-without-boundary"
        ),
    ],
)
def test_unreadable_bodies_are_400(raw, headers) -> None:
    with pytest.raises(BadPayload) as caught:
        body.load_object(raw, headers, "test")

    assert caught.value.status == 400


def test_an_overlong_field_is_refused() -> None:
    payload = {"your-message": "x" * (body.MAX_VALUE_CHARS + 1)}

    with pytest.raises(BadPayload, match="longer than"):
        forms.normalize("contactform7", json.dumps(payload).encode(), {})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("<p>Hi</p><p>We need <b>20</b> seats</p>", "Hi\n\nWe need 20 seats", id="paragraphs"),
        pytest.param("line one<br>line two<br/>", "line one\nline two", id="breaks"),
        pytest.param("Price &lt; $5k &amp; soon", "Price < $5k & soon", id="entities"),
        pytest.param(
            "<style>p{color:red}</style><p>Visible</p><script>alert(1)</script>", "Visible", id="style-script"
        ),
        pytest.param("3 < 5 and 7 > 2", "3 < 5 and 7 > 2", id="plain-text-untouched"),
        pytest.param("&lt;b&gt;quote&lt;/b&gt; please", "quote please", id="escaped-markup"),
        pytest.param("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo", id="list"),
        pytest.param("<p>unclosed <b>bold", "unclosed bold", id="broken-markup"),
    ],
)
def test_html_is_reduced_to_text(raw, expected) -> None:
    assert body.clean(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1773151500, "2026-03-10T14:05:00Z", id="epoch-seconds"),
        pytest.param(1773151500123, "2026-03-10T14:05:00.123Z", id="epoch-millis"),
        pytest.param("1773151500000", "2026-03-10T14:05:00Z", id="millis-string"),
        pytest.param("2026-03-10T15:05:00+01:00", "2026-03-10T14:05:00Z", id="offset"),
        pytest.param("2026-03-10T14:05:00.000000Z", "2026-03-10T14:05:00Z", id="zulu-micro"),
        pytest.param("2026-03-10 14:05:00", "2026-03-10 14:05:00", id="no-zone-kept-as-sent"),
        pytest.param("next tuesday", "next tuesday", id="unreadable-kept"),
        pytest.param("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00", id="out-of-range-kept"),
        pytest.param(10**18, None, id="absurd-epoch"),
        pytest.param(None, None, id="none"),
        pytest.param(True, None, id="boolean"),
        pytest.param({"t": 1}, None, id="object"),
    ],
)
def test_vendor_times_become_utc_iso(value, expected) -> None:
    assert body.iso_time(value) == expected


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        pytest.param("visitor493603", None, id="crisp-default"),
        pytest.param("V1610462619730", None, id="tawkto-default"),
        pytest.param("Guest 12", None, id="guest"),
        pytest.param("Web User 3f2a9c", None, id="zendesk-default"),
        pytest.param("Vade Okafor", "Vade Okafor", id="name-starting-with-v"),
        pytest.param("  Ana   Lima ", "Ana Lima", id="spacing"),
    ],
)
def test_widget_placeholder_names_are_not_names(name, kept) -> None:
    assert chat.person_name(name) == kept


def test_a_large_message_normalizes_quickly() -> None:
    words = "We need <b>forty</b> seats &amp; SSO before Q3. " * 2200  # ~110 KB of HTML-ish text
    payload = {"your-name": "Big Body", "your-message": words[: body.MAX_VALUE_CHARS]}
    raw = json.dumps(payload).encode()

    started = time.perf_counter()
    inquiry = forms.normalize("contactform7", raw, {"Content-Type": "application/json"})
    elapsed = time.perf_counter() - started

    assert inquiry.message and "<b>" not in inquiry.message
    assert elapsed < 1.0
