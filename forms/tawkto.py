"""tawk.to webhooks: chat start, chat end, chat transcript, ticket created.

Body (JSON), by `event`:

- `chat:start`: `{"event", "chatId", "time", "message": {"text", "type": "msg",
  "sender": {"type": "visitor" | "agent" | "system"}}, "visitor": {"name", "email",
  "city", "country"}, "property": {"id", "name"}}`, with the first message.
- `chat:end`: the same without a message, which closes the chat.
- `chat:transcript_created`: `{"event", "time", "chat": {"id", "visitor": {...},
  "messages": [{"sender": {"t": "v" | "a" | "s", "n"}, "type", "msg", "time"}]}}`, the
  whole conversation after it ended. Senders written out (`"type": "visitor"`)
  and `text` in place of `msg` are read too. It also closes the chat.
- `ticket:create`: `{"event", "time", "requester": {"name", "email"}, "ticket":
  {"id", "humanId", "subject", "message"}}`. The ticket's message is the visitor's
  one turn, and the subject is kept as a field. The ticket id is the submission id.

Roles: visitor (`v`) and agent (`a`); system lines (`s`, "Visitor navigated to
...") are skipped. tawk.to's default visitor names (`V1610462619730`) are
placeholders and are dropped. `visitor.city` and `visitor.country` are
tawk.to's IP geolocation, not something the visitor said, so they are not
reported as the inquiry's country.

Signature: `X-Tawk-Signature` = hex(HMAC-SHA1(webhook secret key, raw body)).
No timestamp. `X-Hook-Event-Id` stays the same across retries and is the event id.
Docs: https://developer.tawk.to/webhooks/
The transcript's compact sender keys (`t`, `n`) are documented less clearly
than the other events, so both spellings are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import add_field, get_list, get_obj, get_str, header, iso_time, load_json_object, objects
from .chat import chat_inquiry, turn
from .errors import NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "tawkto"
SIGNATURE_HEADER = "X-Tawk-Signature"
EVENT_ID_HEADER = "X-Hook-Event-Id"
SENDERS = {"v": "visitor", "visitor": "visitor", "a": "agent", "agent": "agent", "b": "bot", "bot": "bot"}
EVENTS = ("chat:start", "chat:end", "chat:transcript_created", "ticket:create")


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.need_header(headers, SIGNATURE_HEADER)
    signing.check_hex(signing.mac(key, body, "sha1"), given, SIGNATURE_HEADER)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    event = get_str(doc, "event", "", required=True) or ""
    if event not in EVENTS:
        raise NotAnInquiry(f"event {event!r} is not one of {', '.join(EVENTS)}")
    turns: list[Turn | None] = []
    fields: dict[str, str] = {}
    conversation_id = submission_id = None
    if event == "chat:transcript_created":
        chat = get_obj(doc, "chat", "", required=True) or {}
        conversation_id = get_str(chat, "id", "chat")
        person = get_obj(chat, "visitor", "chat") or {}
        for i, message in objects(get_list(chat, "messages", "chat") or [], "chat.messages"):
            turns.append(_turn(message, f"chat.messages[{i}]"))
    elif event == "ticket:create":
        ticket = get_obj(doc, "ticket", "", required=True) or {}
        person = get_obj(doc, "requester", "") or {}
        submission_id = get_str(ticket, "id", "ticket")
        add_field(fields, "Subject", get_str(ticket, "subject", "ticket"))
        turns.append(
            turn("visitor", get_str(ticket, "message", "ticket"), iso_time(get_str(doc, "time", "")))
        )
    else:
        conversation_id = get_str(doc, "chatId", "", required=True)
        person = get_obj(doc, "visitor", "") or {}
        message = get_obj(doc, "message", "")
        if message:
            message = {**message, "time": message.get("time") or doc.get("time")}
            turns.append(_turn(message, "message"))
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=Contact(name=_text(person.get("name")), email=_text(person.get("email"))),
        fields=fields,
        submitted_at=iso_time(get_str(doc, "time", "")),
        vendor=VendorIds(
            conversation_id=conversation_id,
            submission_id=submission_id,
            event_id=header(headers, EVENT_ID_HEADER),
        ),
        event=event,
        closed=event in ("chat:end", "chat:transcript_created", "ticket:create"),
        extra=extra,
    )


def _turn(message: Mapping[str, Any], where: str) -> Turn | None:
    sender = get_obj(message, "sender", where) or {}
    kind = get_str(sender, "t", f"{where}.sender") or get_str(sender, "type", f"{where}.sender") or ""
    role = SENDERS.get(kind.lower())
    if not role:
        return None
    text = get_str(message, "msg", where) or get_str(message, "text", where)
    return turn(role, text, iso_time(get_str(message, "time", where)))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://developer.tawk.to/webhooks/",
    signature_header=SIGNATURE_HEADER,
)
