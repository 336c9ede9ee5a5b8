"""Zendesk messaging, through Sunshine Conversations (SunCo) webhooks v2.

Body (JSON): `{"app": {"id"}, "webhook": {"id", "version": "v2"}, "events": [{"id",
"createdAt", "type", "payload": {...}}]}`. The event types read:

- `conversation:message`: `payload.message = {"id", "received", "author": {"type": "user" |
  "business", "displayName", "userId", "user": {"profile": {"givenName", "surname",
  "email"}}}, "content": {"type": "text", "text"}, "source": {"type"}}`.
- `conversation:postback`: the visitor pressed a button; the button's text is their turn.
- `conversation:create`, `conversation:read`, `conversation:typing`,
  `conversation:join`, `conversation:referral`: no turns, only the conversation id.
- `conversation:remove` and `conversation:leave` (the user left) close the conversation.

Roles: `user` authors are the visitor. `business` authors are agents, unless
the message came from a bot. That is the case when the source type names one
(`zd:answerBot`, `api:conversations` with the `AI` subtype) or when the
author's `subtypes` contain `AI`. Only `text` content (and the text of
`carousel`/`list` items) is read; images, files and locations are skipped. One
delivery may batch several events, all of one conversation. A batch spanning
conversations is answered 422 rather than mixed.

Signature: SunCo webhooks send the webhook's secret as a shared key in
`X-API-Key`, compared in constant time. A Zendesk Support webhook (triggered
from a messaging ticket) signs instead:
`X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + raw body))
with `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601, 5-minute window).
Either is accepted. Zendesk's own event bodies for tickets are not read here,
because their layout is whatever the trigger's JSON template says.
Docs: https://developer.zendesk.com/api-reference/conversations/#tag/Webhooks and
https://developer.zendesk.com/documentation/webhooks/verifying/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import get_list, get_obj, get_str, header, iso_time, load_json_object, objects
from .chat import chat_inquiry, turn
from .errors import BadSignature, NotAnInquiry, UnexpectedShape
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "zendesk"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
API_KEY_HEADER = "X-API-Key"
QUIET_EVENTS = frozenset(
    {
        "conversation:create",
        "conversation:read",
        "conversation:typing",
        "conversation:join",
        "conversation:referral",
    }
)
CLOSING_EVENTS = frozenset({"conversation:remove", "conversation:leave"})
READ_EVENTS = frozenset({"conversation:message", "conversation:postback"}) | QUIET_EVENTS | CLOSING_EVENTS


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    signature = header(headers, SIGNATURE_HEADER)
    if signature:
        stamp = signing.need_header(headers, TIMESTAMP_HEADER)
        signing.check_fresh(signing.parse_timestamp(stamp, TIMESTAMP_HEADER), now, TIMESTAMP_HEADER)
        signing.check_base64(signing.mac(key, stamp.encode("utf-8") + body), signature, SIGNATURE_HEADER)
        return
    api_key = header(headers, API_KEY_HEADER)
    if not api_key:
        raise BadSignature(f"missing {API_KEY_HEADER} (Sunshine Conversations) or {SIGNATURE_HEADER} header")
    if not signing.same(key, api_key.strip().encode("utf-8", "replace")):
        raise BadSignature(f"{API_KEY_HEADER} does not match the configured secret")


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    events = list(objects(get_list(doc, "events", "", required=True) or [], "events"))
    if not events:
        raise UnexpectedShape("events is empty")
    turns: list[Turn | None] = []
    conversations: set[str] = set()
    person: dict[str, Any] = {}
    kinds: list[str] = []
    closed = False
    for i, event in events:
        where = f"events[{i}]"
        kind = get_str(event, "type", where, required=True) or ""
        if kind not in READ_EVENTS:
            continue  # another kind of event (a user, a switchboard...): not about a conversation
        kinds.append(kind)
        payload = get_obj(event, "payload", where) or {}
        conversation = get_obj(payload, "conversation", f"{where}.payload") or {}
        if conversation_id := get_str(conversation, "id", f"{where}.payload.conversation"):
            conversations.add(conversation_id)
        if kind == "conversation:message":
            message = get_obj(payload, "message", f"{where}.payload", required=True) or {}
            turns.append(_message_turn(message, f"{where}.payload.message", person))
        elif kind == "conversation:postback":
            postback = get_obj(payload, "postback", f"{where}.payload") or {}
            action = get_str(postback, "actionName", f"{where}.payload.postback")
            turns.append(turn("visitor", action, iso_time(event.get("createdAt"))))
        elif kind in CLOSING_EVENTS:
            closed = True
        user = get_obj(payload, "user", f"{where}.payload")
        if user and not person:
            person.update(user)
    if not kinds:
        raise NotAnInquiry("no event in this delivery is a conversation event this adapter reads")
    if len(conversations) > 1:
        raise UnexpectedShape(
            "events belong to more than one conversation; send one conversation per delivery"
        )
    profile = get_obj(person, "profile", "user") or {}
    given, surname = _text(profile.get("givenName")), _text(profile.get("surname"))
    name = " ".join(p for p in (given, surname) if p) or _text(person.get("displayName"))
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=Contact(name=name, first_name=given, last_name=surname, email=_text(profile.get("email"))),
        vendor=VendorIds(
            conversation_id=next(iter(conversations), None),
            event_id=get_str(events[0][1], "id", "events[0]"),
        ),
        event=",".join(dict.fromkeys(kinds)),
        closed=closed,
        extra=extra,
    )


def _message_turn(message: Mapping[str, Any], where: str, person: dict[str, Any]) -> Turn | None:
    author = get_obj(message, "author", where, required=True) or {}
    content = get_obj(message, "content", where) or {}
    source = get_obj(message, "source", where) or {}
    author_type = get_str(author, "type", f"{where}.author")
    if author_type == "user":
        role = "visitor"
        user = get_obj(author, "user", f"{where}.author") or {}
        if not person:
            person.update(user)
            person.setdefault("displayName", author.get("displayName"))
    elif author_type == "business":
        subtypes = author.get("subtypes") if isinstance(author.get("subtypes"), list) else []
        source_type = (get_str(source, "type", f"{where}.source") or "").lower()
        role = "bot" if "AI" in subtypes or "answerbot" in source_type or "bot" in source_type else "agent"
    else:
        return None
    return turn(role, _content_text(content, f"{where}.content"), iso_time(message.get("received")))


def _content_text(content: Mapping[str, Any], where: str) -> str | None:
    kind = get_str(content, "type", where)
    if kind == "text":
        return get_str(content, "text", where)
    if kind in ("carousel", "list"):
        items = get_list(content, "items", where) or []
        titles = [
            t
            for i, item in objects(items, f"{where}.items")
            if (t := get_str(item, "title", f"{where}.items[{i}]"))
        ]
        return "\n".join(titles) or None
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://developer.zendesk.com/api-reference/conversations/#tag/Webhooks",
    signature_header=API_KEY_HEADER,
)
