"""The generic source: the corpus payload of SCHEMA.md (a form or a chat).

Form: {"form_id", "page_url", "submitted_at", "fields": {label: value}}.
Chat: {"conversation_id", "visitor": {...}, "page_url", "transcript": [{"role", "text", "at"}]}.
No signature: protect the URL with the per-source `?token=` secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import BadPayload, UnexpectedShape
from .fields import pick
from .types import ROLES, Adapter, Contact, Inquiry, Turn, VendorIds


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadPayload(f"body is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise BadPayload(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value)
    raise UnexpectedShape(f"{where} must be text, a number or a list of them, got {type(value).__name__}")


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise UnexpectedShape(f"{where}.{key} must be a string, got {type(value).__name__}")


def contact_from_fields(fields: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Contact:
    def get(name: str) -> str | None:
        found = pick(fields, name, extra)
        return found[1] if found else None

    first, last, name = get("first_name"), get("last_name"), get("name")
    if not name and (first or last):
        name = " ".join(p for p in (first, last) if p)
    if name and not first and not last:
        parts = name.split()
        if len(parts) >= 2:
            first, last = parts[0], " ".join(parts[1:])
        elif parts:
            first = parts[0]
    return Contact(
        name=name,
        first_name=first,
        last_name=last,
        email=get("email"),
        company=get("company"),
        title=get("title"),
        phone=get("phone"),
    )


def inquiry_from_fields(
    source: str,
    fields: Mapping[str, str],
    *,
    extra: Mapping[str, str] | None = None,
    page_url: str | None = None,
    submitted_at: str | None = None,
    vendor: VendorIds | None = None,
) -> Inquiry:
    """A form inquiry from answered fields (label -> text): the shared tail of form adapters."""
    message = pick(fields, "message", extra)
    return Inquiry(
        source=source,
        channel="form",
        contact=contact_from_fields(fields, extra),
        message=message[1] if message else None,
        message_field=message[0] if message else None,
        fields=dict(fields),
        page_url=page_url,
        submitted_at=submitted_at,
        website=(pick(fields, "website", extra) or (None, None))[1],
        country=(pick(fields, "country", extra) or (None, None))[1],
        company_size=(pick(fields, "company_size", extra) or (None, None))[1],
        vendor=vendor or VendorIds(),
    )


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json(body)
    if not isinstance(doc, dict):
        raise BadPayload(f"body must be a JSON object, got {type(doc).__name__}")
    if "transcript" in doc:
        return _parse_chat(doc)
    if "fields" in doc:
        return _parse_form(doc, extra)
    raise UnexpectedShape("body has neither 'fields' (a form) nor 'transcript' (a chat)")


def _parse_form(doc: Mapping[str, Any], extra: Mapping[str, str] | None) -> Inquiry:
    raw = doc["fields"]
    if not isinstance(raw, dict):
        raise UnexpectedShape(f"'fields' must be an object of label: value, got {type(raw).__name__}")
    fields = {}
    for label, value in raw.items():
        text = _text(value, f"fields.{label}")
        if text is not None:
            fields[str(label)] = text
    return inquiry_from_fields(
        "generic",
        fields,
        extra=extra,
        page_url=_opt_str(doc, "page_url", "body"),
        submitted_at=_opt_str(doc, "submitted_at", "body"),
        vendor=VendorIds(form_id=_opt_str(doc, "form_id", "body"), submission_id=_opt_str(doc, "submission_id", "body")),
    )


def _parse_chat(doc: Mapping[str, Any]) -> Inquiry:
    transcript = doc["transcript"]
    if not isinstance(transcript, list):
        raise UnexpectedShape(f"'transcript' must be a list of turns, got {type(transcript).__name__}")
    turns = []
    for i, turn in enumerate(transcript):
        if not isinstance(turn, dict):
            raise UnexpectedShape(f"transcript[{i}] must be an object with role and text")
        role, text = turn.get("role"), turn.get("text")
        if role not in ROLES:
            raise UnexpectedShape(f"transcript[{i}].role must be one of {', '.join(ROLES)}, got {role!r}")
        if not isinstance(text, str):
            raise UnexpectedShape(f"transcript[{i}].text must be a string")
        turns.append(Turn(role=role, text=text, at=_opt_str(turn, "at", f"transcript[{i}]")))
    visitor = doc.get("visitor") or {}
    if not isinstance(visitor, dict):
        raise UnexpectedShape("'visitor' must be an object with name, email, company")
    name = _opt_str(visitor, "name", "visitor")
    parts = name.split() if name else []
    return Inquiry(
        source="generic",
        channel="chat",
        contact=Contact(
            name=name,
            first_name=parts[0] if parts else None,
            last_name=" ".join(parts[1:]) or None if len(parts) > 1 else None,
            email=_opt_str(visitor, "email", "visitor"),
            company=_opt_str(visitor, "company", "visitor"),
            title=_opt_str(visitor, "title", "visitor"),
            phone=_opt_str(visitor, "phone", "visitor"),
        ),
        message=next((t.text for t in turns if t.role == "visitor"), None),
        transcript=tuple(turns),
        page_url=_opt_str(doc, "page_url", "body"),
        submitted_at=turns[-1].at if turns else None,
        vendor=VendorIds(conversation_id=_opt_str(doc, "conversation_id", "body")),
    )


ADAPTER = Adapter(
    name="generic",
    channel="any",
    parse=parse,
    verify=None,
    docs_url="README.md#sources",
)
