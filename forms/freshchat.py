"""Freshchat webhooks (Admin > Webhooks): message and conversation events.

Body (JSON): `{"actor": {"actor_type": "user" | "agent" | "bot" | "system", "actor_id"},
"action", "action_time", "data": {...}}`. Actions read:

- `message_create`: `data.message = {"id", "conversation_id", "actor_type",
  "message_type": "normal" | "private" | "system", "created_time",
  "message_parts": [{"text": {"content"}}, ...], "user_id"}`. Each text part
  becomes part of one turn, and image, file and button parts are skipped.
  Private notes and system messages are skipped.
- `conversation_resolution` (`data.resolve.conversation`) closes the conversation.
  `conversation_assignment` (`data.assignment.conversation`) and
  `conversation_reopen` (`data.reopen.conversation`) carry no turns.
- `user_create` (`data.user`) gives contact details.

Contact details (`first_name`, `last_name`, `email`, `phone`) are read from
`data.user` or from the conversation's `user` when the event includes one.
Freshchat's message events often carry only a `user_id`, and no details are
made up for it.

Signature: `X-Freshchat-Signature` = base64 RSA-SHA256 (PKCS#1 v1.5) signature
of the raw body, made with Freshchat's private key. The secret to configure is
the RSA public key shown on the Webhooks page (PEM, with or without its
BEGIN/END lines; a literal "\\n" in an environment variable is read as a line
break). There is no timestamp. Verified with the `cryptography` package.
Docs: https://crmsupport.freshworks.com/support/solutions/articles/50000004461
The body layout follows Freshchat's developer docs for conversation webhooks
(https://developers.freshchat.com/api/#webhooks); `user` blocks are read when
present, not relied on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from . import signing
from .body import get_list, get_obj, get_str, iso_time, load_json_object, objects
from .chat import chat_inquiry, turn
from .errors import BadSignature, NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "freshchat"
SIGNATURE_HEADER = "X-Freshchat-Signature"
ROLES = {"user": "visitor", "agent": "agent", "bot": "bot"}
CONVERSATION_KEYS = {
    "conversation_resolution": "resolve",
    "conversation_assignment": "assignment",
    "conversation_reopen": "reopen",
}
_PEM_ARMOUR = re.compile(r"-----(BEGIN|END) [A-Z ]+-----|\s+")


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    signing.need_secret(secret, NAME)
    signature = signing.b64decode(signing.need_header(headers, SIGNATURE_HEADER))
    if signature is None:
        raise BadSignature(f"{SIGNATURE_HEADER} is not base64")
    key = public_key(secret or "")
    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise BadSignature(f"{SIGNATURE_HEADER} does not match the body") from None


def public_key(text: str) -> rsa.RSAPublicKey:
    """The RSA public key from PEM text (SubjectPublicKeyInfo or PKCS#1), however it was pasted."""
    data = signing.b64decode(_PEM_ARMOUR.sub("", text.replace("\\n", "\n")))
    try:
        key = load_der_public_key(data) if data else None
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature(f"the configured {NAME} secret is not an RSA public key in PEM form")
    return key


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    action = get_str(doc, "action", "", required=True) or ""
    data = get_obj(doc, "data", "", required=True) or {}
    turns: list[Turn | None] = []
    user: Mapping[str, Any] = get_obj(data, "user", "data") or {}
    conversation_id = None
    event_id = None
    if action == "message_create":
        message = get_obj(data, "message", "data", required=True) or {}
        turns.append(_turn(message))
        conversation_id = get_str(message, "conversation_id", "data.message")
        message_id = get_str(message, "id", "data.message")
        event_id = f"message_create:{message_id}" if message_id else None
    elif action in CONVERSATION_KEYS:
        key = CONVERSATION_KEYS[action]
        block = get_obj(data, key, "data", required=True) or {}
        conversation = get_obj(block, "conversation", f"data.{key}") or {}
        conversation_id = get_str(conversation, "conversation_id", f"data.{key}.conversation") or get_str(
            conversation, "id", f"data.{key}.conversation"
        )
        user = (
            user
            or get_obj(block, "user", f"data.{key}")
            or get_obj(conversation, "user", f"data.{key}.conversation")
            or {}
        )
    elif action != "user_create":
        raise NotAnInquiry(f"action {action!r} is not a message, conversation or user event")
    first, last = _text(user.get("first_name")), _text(user.get("last_name"))
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=Contact(
            name=" ".join(p for p in (first, last) if p) or None,
            first_name=first,
            last_name=last,
            email=_text(user.get("email")),
            phone=_text(user.get("phone")),
        ),
        submitted_at=iso_time(get_str(doc, "action_time", "")),
        vendor=VendorIds(conversation_id=conversation_id, event_id=event_id),
        event=action,
        closed=action == "conversation_resolution",
        extra=extra,
    )


def _turn(message: Mapping[str, Any]) -> Turn | None:
    if get_str(message, "message_type", "data.message") in ("private", "system"):
        return None
    role = ROLES.get(get_str(message, "actor_type", "data.message") or "")
    if not role:
        return None
    texts = []
    for i, part in objects(
        get_list(message, "message_parts", "data.message") or [], "data.message.message_parts"
    ):
        text = get_obj(part, "text", f"data.message.message_parts[{i}]") or {}
        if content := get_str(text, "content", f"data.message.message_parts[{i}].text"):
            texts.append(content)
    return turn(role, "\n".join(texts), iso_time(get_str(message, "created_time", "data.message")))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://crmsupport.freshworks.com/support/solutions/articles/50000004461",
    signature_header=SIGNATURE_HEADER,
)
