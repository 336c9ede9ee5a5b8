"""Crisp web hooks (Website Hooks or Plugin Hooks, reference v1).

Body (JSON): `{"website_id", "event", "data": {...}, "timestamp"}`. Events read:

- `message:send` (the visitor wrote) and `message:received` (an operator or the
  bot wrote): `data = {"session_id", "type": "text" | "picker" | "field" | "file" | ...,
  "content", "from": "user" | "operator", "origin", "fingerprint", "timestamp",
  "user": {"nickname", "user_id"}}`. Text content is a string. Pickers and fields
  carry `content.text` (the question); a picker's selected choice is the
  visitor's answer. Files, audio, animations and private `note`s are skipped.
- `session:set_email`, `session:set_phone`, `session:set_nickname`: contact
  details without a turn.
- `session:set_state` with `data.state == "resolved"`, and `session:removed`,
  close the conversation. Other `session:*` events carry no turn.

Roles: `from: user` is the visitor. `from: operator` is an agent, unless the
message is automated (`automated: true`) or its `origin` names a bot
(`urn:crisp.im:bot:...`, `urn:crisp.im:triggers:...`). Crisp's default nicknames
(`visitor493603`) are placeholders, not names. Times are epoch milliseconds.

Signature (Plugin Hooks, and Website Hooks with a secret):
`X-Crisp-Signature` = hex(HMAC-SHA256(secret, "[" + timestamp + ";" + raw body + "]"))
with `X-Crisp-Request-Timestamp` (5-minute window; seconds or milliseconds
accepted). The bracketed layout follows Crisp's node library `verifyHook`
(which signs the compact JSON, the same bytes Crisp sends). It was confirmed
against public integrations, not against a test vector from Crisp itself.
Docs: https://docs.crisp.chat/references/web-hooks/v1/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import get_obj, get_str, iso_time, load_json_object
from .chat import chat_inquiry, turn
from .errors import NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "crisp"
SIGNATURE_HEADER = "X-Crisp-Signature"
TIMESTAMP_HEADER = "X-Crisp-Request-Timestamp"
MESSAGE_EVENTS = frozenset({"message:send", "message:received"})
SKIPPED_TYPES = frozenset({"file", "animation", "audio", "note", "event", "carousel"})
BOT_ORIGINS = ("urn:crisp.im:bot", "urn:crisp.im:triggers", "urn:crisp.im:chatbot")


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.need_header(headers, SIGNATURE_HEADER)
    stamp = signing.need_header(headers, TIMESTAMP_HEADER)
    signing.check_fresh(signing.parse_timestamp(stamp, TIMESTAMP_HEADER), now, TIMESTAMP_HEADER)
    message = b"[" + stamp.encode("ascii", "replace") + b";" + body + b"]"
    signing.check_hex(signing.mac(key, message), given, SIGNATURE_HEADER)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    event = get_str(doc, "event", "", required=True) or ""
    data = get_obj(doc, "data", "", required=True) or {}
    if not (event in MESSAGE_EVENTS or event.startswith("session:")):
        raise NotAnInquiry(f"event {event!r} is not a message or session event")
    turns: list[Turn | None] = []
    contact = Contact()
    if event in MESSAGE_EVENTS:
        turns.append(_turn(data))
        if get_str(data, "from", "data") == "user":
            user = get_obj(data, "user", "data") or {}
            contact = Contact(name=get_str(user, "nickname", "data.user"))
    elif event == "session:set_email":
        contact = Contact(email=get_str(data, "email", "data"))
    elif event == "session:set_phone":
        contact = Contact(phone=get_str(data, "phone", "data"))
    elif event == "session:set_nickname":
        contact = Contact(name=get_str(data, "nickname", "data"))
    closed = event == "session:removed" or (
        event == "session:set_state" and get_str(data, "state", "data") == "resolved"
    )
    fingerprint = get_str(data, "fingerprint", "data")
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=contact,
        vendor=VendorIds(
            conversation_id=get_str(data, "session_id", "data"),
            event_id=f"{event}:{fingerprint}" if fingerprint else None,
        ),
        submitted_at=iso_time(data.get("timestamp")) or iso_time(doc.get("timestamp")),
        event=event,
        closed=closed,
        extra=extra,
    )


def _turn(data: Mapping[str, Any]) -> Turn | None:
    kind = get_str(data, "type", "data") or "text"
    if kind in SKIPPED_TYPES:
        return None
    sender = get_str(data, "from", "data")
    at = iso_time(data.get("timestamp"))
    content = data.get("content")
    if sender == "user":
        role = "visitor"
    elif sender == "operator":
        origin = (get_str(data, "origin", "data") or "").lower()
        role = "bot" if data.get("automated") is True or origin.startswith(BOT_ORIGINS) else "agent"
    else:
        return None
    if isinstance(content, str):
        return turn(role, content, at)
    if isinstance(content, dict):
        if role == "visitor":
            choices = content.get("choices") if isinstance(content.get("choices"), list) else []
            picked = [c.get("label") for c in choices if isinstance(c, dict) and c.get("selected") is True]
            text = next((p for p in picked if isinstance(p, str)), None) or content.get("value")
        else:
            text = content.get("text")
        return turn(role, text if isinstance(text, str) else None, at)
    return None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://docs.crisp.chat/references/web-hooks/v1/",
    signature_header=SIGNATURE_HEADER,
)
