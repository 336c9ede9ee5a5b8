"""Intercom webhooks: conversation notifications (`conversation.user.created`, `...replied`, `...closed`).

Body (JSON): `{"type": "notification_event", "id": "notif_...", "topic",
"created_at", "data": {"item": <conversation>}}`. The conversation is
`{"type": "conversation", "id", "created_at", "updated_at", "state", "source":
{"body" (HTML), "author": {"type", "name", "email"}, "url"}, "conversation_parts":
{"conversation_parts": [{"part_type", "body", "created_at", "author": {...}}]}}`.
The opening message (`source`) is the first turn, and each part with a body
follows it. `note` parts are internal and skipped, as are parts without text
(assignments, attachments). Roles come from the author type: `user`, `lead`
and `contact` are the visitor, `admin` and `team` are agents, `bot` is the bot
(Fin, custom bots). The visitor's name and email come from the first
user/lead author that carries them, or from the conversation's `user`
(older API versions). `source.url` is the page the conversation started on.
Topics ending in `.closed` (and a conversation in state `closed`) close the
conversation. `ping` notifications carry no conversation: `NotAnInquiry` (acknowledged, ignored).

Signature: `X-Hub-Signature: sha1=<hex(HMAC-SHA1(app client secret, raw body))>`.
No timestamp; retries are recognised by the notification `id`.
Docs: https://developers.intercom.com/docs/webhooks/webhook-notifications and
https://developers.intercom.com/docs/references/webhooks/webhook-models
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import get_list, get_obj, get_str, iso_time, load_json_object, objects
from .chat import chat_inquiry, turn
from .errors import NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "intercom"
SIGNATURE_HEADER = "X-Hub-Signature"
ROLES = {
    "user": "visitor",
    "lead": "visitor",
    "contact": "visitor",
    "admin": "agent",
    "team": "agent",
    "bot": "bot",
}
PRIVATE_PARTS = frozenset({"note", "note_and_reopen"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.strip_prefix(signing.need_header(headers, SIGNATURE_HEADER), "sha1=", SIGNATURE_HEADER)
    signing.check_hex(signing.mac(key, body, "sha1"), given, SIGNATURE_HEADER)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    topic = get_str(doc, "topic", "") or ""
    data = get_obj(doc, "data", "", required=True) or {}
    item = get_obj(data, "item", "data", required=True) or {}
    if get_str(item, "type", "data.item") != "conversation":
        raise NotAnInquiry(
            f"topic {topic!r} carries no conversation (data.item.type is not 'conversation')"
        )
    where = "data.item"
    turns: list[Turn | None] = []
    people: list[Mapping[str, Any]] = []
    source = get_obj(item, "source", where) or {}
    author = get_obj(source, "author", f"{where}.source") or {}
    role = ROLES.get(get_str(author, "type", f"{where}.source.author") or "")
    if role:
        turns.append(turn(role, get_str(source, "body", f"{where}.source"), iso_time(item.get("created_at"))))
        if role == "visitor":
            people.append(author)
    parts = get_obj(item, "conversation_parts", where) or {}
    for i, part in objects(
        get_list(parts, "conversation_parts", f"{where}.conversation_parts") or [],
        f"{where}.conversation_parts",
    ):
        at = f"{where}.conversation_parts[{i}]"
        if get_str(part, "part_type", at) in PRIVATE_PARTS:
            continue
        part_author = get_obj(part, "author", at) or {}
        role = ROLES.get(get_str(part_author, "type", f"{at}.author") or "")
        if not role:
            continue
        turns.append(turn(role, get_str(part, "body", at), iso_time(part.get("created_at"))))
        if role == "visitor":
            people.append(part_author)
    legacy_user = get_obj(item, "user", where)
    if legacy_user:
        people.append(legacy_user)
    closed = topic.endswith(".closed") or get_str(item, "state", where) == "closed"
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=_contact(people),
        page_url=get_str(source, "url", f"{where}.source"),
        vendor=VendorIds(conversation_id=get_str(item, "id", where), event_id=get_str(doc, "id", "")),
        event=topic or None,
        closed=closed,
        extra=extra,
    )


def _contact(people: list[Mapping[str, Any]]) -> Contact:
    name = next((n for p in people if isinstance(n := p.get("name"), str) and n.strip()), None)
    email = next((e for p in people if isinstance(e := p.get("email"), str) and e.strip()), None)
    return Contact(name=name, email=email)


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://developers.intercom.com/docs/webhooks/webhook-notifications",
    signature_header=SIGNATURE_HEADER,
)
