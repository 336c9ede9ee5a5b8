"""LiveChat webhooks (Platform API v3.x): `incoming_chat`, `incoming_event`, `chat_deactivated`.

Body (JSON): `{"webhook_id", "secret_key", "action", "organization_id" | "license_id",
"payload": {...}, "additional_data": {...}}`.

- `incoming_chat`: `payload.chat = {"id", "users": [{"id", "type": "customer" | "agent",
  "name", "email", "last_visit": {"last_pages": [{"url"}]}}], "thread": {"id",
  "events": [...]}}`. Older versions send `threads` instead of `thread`, and the
  last thread is read.
- `incoming_event`: `payload = {"chat_id", "thread_id", "event": {...}}`, one event.
- `chat_deactivated`: `payload = {"chat_id", "thread_id", "user_id"}`, which closes the chat.

Events: `message` (`text`) becomes a turn, `filled_form` (the pre-chat survey,
`fields: [{"type", "label", "answer"}]`) becomes answered fields, and
`rich_message` gives its elements' titles as the agent's or bot's words. System
messages, files and events not visible to the customer (`visibility`
"agents") are skipped. Roles come from the chat's users: customers are the
visitor and agents are agents (LiveChat's bot accounts are agents whose type
says `bot`). `incoming_event` carries no user list, so an author id that looks
like an email (how LiveChat names agents) is an agent, and any other id is the
customer. That is the one heuristic here, and it is named so it can be replaced.

Signature: none. LiveChat puts the webhook's `secret_key` in the body, and it
is compared in constant time with the configured secret.
`event_id` is built from the action and the chat, thread and event ids, which
are stable across LiveChat's retries.
Docs: https://platform.text.com/docs/management/webhooks
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import signing
from .body import add_field, get_list, get_obj, get_str, iso_time, load_json_object, objects, scalar_text
from .chat import chat_inquiry, turn
from .errors import BadSignature, NotAnInquiry
from .types import Adapter, Contact, Inquiry, Turn, VendorIds

NAME = "livechat"
SECRET_FIELD = "secret_key"  # noqa: S105 - the name of a body field, not a secret
ACTIONS = frozenset({"incoming_chat", "incoming_event", "chat_deactivated"})
USER_ROLES = {"customer": "visitor", "agent": "agent", "bot": "bot"}


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadSignature(f"cannot read {SECRET_FIELD} from a body that is not JSON") from None
    given = doc.get(SECRET_FIELD) if isinstance(doc, dict) else None
    if not isinstance(given, str) or not given:
        raise BadSignature(f"missing {SECRET_FIELD} in the body")
    if not signing.same(key, given.encode("utf-8", "replace")):
        raise BadSignature(f"{SECRET_FIELD} does not match the configured secret")


def author_role(author_id: str | None, users: Mapping[str, str]) -> str | None:
    """Role of an event's author: from the chat's users, else by LiveChat's id convention."""
    if not author_id:
        return None
    if author_id in users:
        return users[author_id]
    return "agent" if "@" in author_id else "visitor"


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    action = get_str(doc, "action", "", required=True) or ""
    if action not in ACTIONS:
        raise NotAnInquiry(f"action {action!r} is not one of {', '.join(sorted(ACTIONS))}")
    payload = get_obj(doc, "payload", "", required=True) or {}
    users: dict[str, str] = {}
    customer: Mapping[str, Any] = {}
    events: list[tuple[str, dict[str, Any]]] = []
    page_url = None
    if action == "incoming_chat":
        chat = get_obj(payload, "chat", "payload", required=True) or {}
        chat_id = get_str(chat, "id", "payload.chat")
        for i, user in objects(get_list(chat, "users", "payload.chat") or [], "payload.chat.users"):
            user_id = get_str(user, "id", f"payload.chat.users[{i}]")
            role = USER_ROLES.get(get_str(user, "type", f"payload.chat.users[{i}]") or "")
            if user_id and role:
                users[user_id] = role
            if role == "visitor" and not customer:
                customer = user
        thread = get_obj(chat, "thread", "payload.chat")
        if thread is None:
            threads = list(objects(get_list(chat, "threads", "payload.chat") or [], "payload.chat.threads"))
            thread = threads[-1][1] if threads else {}
        thread_id = get_str(thread, "id", "payload.chat.thread")
        events = [
            (f"payload.chat.thread.events[{i}]", e)
            for i, e in objects(
                get_list(thread, "events", "payload.chat.thread") or [], "payload.chat.thread.events"
            )
        ]
        visit = get_obj(customer, "last_visit", "customer") or {}
        pages = list(
            objects(
                get_list(visit, "last_pages", "customer.last_visit") or [], "customer.last_visit.last_pages"
            )
        )
        page_url = get_str(pages[-1][1], "url", "customer.last_visit.last_pages[-1]") if pages else None
        event_id = f"incoming_chat:{chat_id}:{thread_id}"
    else:
        chat_id = get_str(payload, "chat_id", "payload", required=True)
        thread_id = get_str(payload, "thread_id", "payload")
        event_id = f"{action}:{chat_id}:{thread_id}"
        if action == "incoming_event":
            event = get_obj(payload, "event", "payload", required=True) or {}
            events = [("payload.event", event)]
            event_id = f"{event_id}:{get_str(event, 'id', 'payload.event')}"
    turns: list[Turn | None] = []
    fields: dict[str, str] = {}
    for where, event in events:
        turns.extend(_event_turns(event, where, users, fields))
    return chat_inquiry(
        NAME,
        turns=turns,
        contact=Contact(name=_text(customer.get("name")), email=_text(customer.get("email"))),
        fields=fields,
        page_url=page_url,
        vendor=VendorIds(conversation_id=chat_id, event_id=event_id),
        event=action,
        closed=action == "chat_deactivated",
        extra=extra,
    )


def _event_turns(
    event: Mapping[str, Any], where: str, users: Mapping[str, str], fields: dict[str, str]
) -> list[Turn | None]:
    kind = get_str(event, "type", where)
    if get_str(event, "visibility", where) == "agents":
        return []
    role = author_role(get_str(event, "author_id", where), users)
    at = iso_time(event.get("created_at"))
    if kind == "message" and role:
        return [turn(role, get_str(event, "text", where), at)]
    if kind == "filled_form":
        for i, field in objects(get_list(event, "fields", where) or [], f"{where}.fields"):
            label = get_str(field, "label", f"{where}.fields[{i}]") or get_str(
                field, "type", f"{where}.fields[{i}]"
            )
            answer = field.get("answer")
            if isinstance(answer, dict):  # choice answers: {"id", "label"}
                answer = answer.get("label")
            elif isinstance(answer, list):
                answer = [a.get("label") if isinstance(a, dict) else a for a in answer]
            add_field(
                fields,
                (label or f"question {i + 1}").rstrip(": ").strip() or f"question {i + 1}",
                scalar_text(answer),
            )
        return []
    if kind == "rich_message" and role in ("agent", "bot"):
        titles = [
            text
            for i, element in objects(get_list(event, "elements", where) or [], f"{where}.elements")
            for key in ("title", "subtitle")
            if (text := get_str(element, key, f"{where}.elements[{i}]"))
        ]
        return [turn(role, "\n".join(titles), at)] if titles else []
    return []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="chat",
    parse=parse,
    verify=verify,
    docs_url="https://platform.text.com/docs/management/webhooks",
    signature_header=None,
)
