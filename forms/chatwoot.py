"""Chatwoot webhooks (account webhooks, or an API inbox's / agent bot's webhook).

Two body layouts, by event:

- Message events (`message_created`, `message_updated`): the message is the body,
  `{"event", "id", "content", "content_type", "message_type": "incoming" |
  "outgoing" | "activity" | "template", "private", "created_at", "sender": {"id",
  "name", "email", "phone_number", "type": "contact" | "user" | "agent_bot"},
  "conversation": {"id", "status", "meta": {"sender": {...}}, "additional_attributes":
  {"referer"}}, "account", "inbox"}`.
- Conversation events (`conversation_created`, `conversation_status_changed`,
  `conversation_updated`, `conversation_resolved`): the conversation is the body,
  `{"event", "id", "status", "messages": [...], "meta": {"sender": {...}},
  "additional_attributes": {"referer"}}`. Inside `messages` the type is a number
  (0 incoming, 1 outgoing, 2 activity, 3 template) and `sender_type` names the author.

`webwidget_triggered` (a visitor opened the widget) and contact events carry no
turns. They give the contact and page, and the service decides what to keep.
Roles: incoming messages are the visitor's. Outgoing ones are an agent's, or
the bot's when the sender is an agent bot or the message is a template.
Private notes and activity lines ("Conversation was resolved by ...") are
skipped. Message HTML is reduced to plain text. A status of `resolved` (and the
`conversation_resolved` event) closes the conversation.

Signature (Chatwoot 4.x, when the webhook has a secret): `X-Chatwoot-Signature:
sha256=<hex(HMAC-SHA256(secret, timestamp + "." + raw body))>` with
`X-Chatwoot-Timestamp` in epoch seconds (5-minute window). `X-Chatwoot-Delivery`
is the delivery id used for retries. The scheme was checked against Chatwoot's
`lib/webhooks/trigger.rb` as quoted in public integrations; older self-hosted
versions send no signature and are protected with `?token=` instead.
Docs: https://www.chatwoot.com/hc/user-guide/articles/1677693021-how-to-use-webhooks
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import (
    add_field,
    get_list,
    get_obj,
    get_str,
    header,
    iso_time,
    load_json_object,
    objects,
    scalar_text,
)
from .chat import chat_inquiry, turn
from .errors import NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "chatwoot"
SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
MESSAGE_EVENTS = frozenset({"message_created", "message_updated"})
CONVERSATION_EVENTS = frozenset(
    {
        "conversation_created",
        "conversation_status_changed",
        "conversation_updated",
        "conversation_resolved",
        "conversation_opened",
    }
)
OTHER_EVENTS = frozenset({"webwidget_triggered", "contact_created", "contact_updated"})
TYPE_NUMBERS = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
BOT_SENDERS = frozenset({"agent_bot", "agentbot", "captain_assistant", "captainassistant"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.strip_prefix(signing.need_header(headers, SIGNATURE_HEADER), "sha256=", SIGNATURE_HEADER)
    stamp = signing.need_header(headers, TIMESTAMP_HEADER)
    signing.check_fresh(signing.parse_timestamp(stamp, TIMESTAMP_HEADER), now, TIMESTAMP_HEADER)
    signing.check_hex(
        signing.mac(key, stamp.encode("ascii", "replace") + b"." + body), given, SIGNATURE_HEADER
    )


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    event = get_str(doc, "event", "", required=True) or ""
    if event in MESSAGE_EVENTS:
        conversation = get_obj(doc, "conversation", "") or {}
        turns = [_turn(doc, "")]
        sender = get_obj(doc, "sender", "") or {}
        person = sender if _is_contact(sender) else _meta_sender(conversation, "conversation")
        where = "conversation"
    elif event in CONVERSATION_EVENTS:
        conversation = doc
        turns = [
            _turn(m, f"messages[{i}]") for i, m in objects(get_list(doc, "messages", "") or [], "messages")
        ]
        person = _meta_sender(doc, "")
        where = ""
    elif event in OTHER_EVENTS:
        conversation = get_obj(doc, "current_conversation", "") or {}
        turns = []
        person = get_obj(doc, "contact", "") or (doc if event.startswith("contact_") else {})
        where = "current_conversation"
    else:
        raise NotAnInquiry(f"event {event!r} is not one Chatwoot sends about conversations")
    attributes = get_obj(conversation, "additional_attributes", where) or {}
    event_info = get_obj(doc, "event_info", "") or {}
    status = get_str(conversation, "status", where)
    fields: dict[str, str] = {}
    for name, value in (get_obj(person, "custom_attributes", "sender") or {}).items():
        add_field(fields, str(name), scalar_text(value))
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=_contact(person),
        fields=fields,
        page_url=get_str(attributes, "referer", where) or get_str(event_info, "referer", "event_info"),
        vendor=VendorIds(
            conversation_id=get_str(conversation, "id", where),
            event_id=header(headers, DELIVERY_HEADER),
        ),
        event=event,
        closed=event == "conversation_resolved" or status == "resolved",
        extra=extra,
    )


def _turn(message: Mapping[str, Any], where: str) -> Turn | None:
    if message.get("private") is True:
        return None
    kind = message.get("message_type")
    kind = TYPE_NUMBERS.get(kind, "") if isinstance(kind, int) and not isinstance(kind, bool) else kind
    sender = get_obj(message, "sender", where) or {}
    sender_type = (
        get_str(message, "sender_type", where) or get_str(sender, "type", f"{where}.sender") or ""
    ).lower()
    if kind == "incoming":
        role = "visitor"
    elif kind == "template" or (kind == "outgoing" and sender_type in BOT_SENDERS):
        role = "bot"
    elif kind == "outgoing":
        role = "agent"
    else:
        return None  # activity lines and unknown types are not anybody's words
    return turn(role, get_str(message, "content", where), iso_time(message.get("created_at")))


def _is_contact(sender: Mapping[str, Any]) -> bool:
    return (get_str(sender, "type", "sender") or "").lower() == "contact"


def _meta_sender(conversation: Mapping[str, Any], where: str) -> dict[str, Any]:
    meta = get_obj(conversation, "meta", where) or {}
    return get_obj(meta, "sender", f"{where}.meta" if where else "meta") or {}


def _contact(person: Mapping[str, Any]) -> Contact:
    attributes = (
        person.get("additional_attributes") if isinstance(person.get("additional_attributes"), dict) else {}
    )
    return Contact(
        name=_text(person.get("name")),
        email=_text(person.get("email")),
        phone=_text(person.get("phone_number")),
        company=_text(attributes.get("company_name")),
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://www.chatwoot.com/hc/user-guide/articles/1677693021-how-to-use-webhooks",
    signature_header=SIGNATURE_HEADER,
)
