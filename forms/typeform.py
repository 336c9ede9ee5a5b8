"""Typeform webhooks: one `form_response` per submission.

Body (JSON): `{"event_id", "event_type": "form_response" | "form_response_partial",
"form_response": {"form_id", "token", "landed_at", "submitted_at", "hidden": {...},
"definition": {"id", "title", "fields": [{"id", "ref", "type", "title"}]},
"answers": [{"type": "text", "text": "...", "field": {"id", "type", "ref"}}, ...]}}`.
Only answered questions appear in `answers`. Each answer is matched to its
question title through `definition.fields` by field id (falling back to the
field's `ref`). The value sits under the key named by the answer's `type`:
`text`, `email`, `phone_number`, `url`, `date`, `number`, `boolean`,
`choice` (`{"label"}` or `{"other"}`), `choices` (`{"labels": [...], "other"}`,
joined with ", "). `file_url` and `payment` answers are skipped. Hidden
fields are kept under their own names.

Typed answers are trusted for the contact: an `email` answer is the email and a
`phone_number` answer the phone, whatever the question says ("Where can we
reach you?"). A question title that means something else ("Anything else?") goes
through the alias table like any other label.

Signature: `Typeform-Signature: sha256=<base64(HMAC-SHA256(secret, raw body))>`,
with the secret set on the webhook (Connect > Webhooks > Edit > Secret). The
scheme has no timestamp, so retries are recognised by `event_id`.
Docs: https://www.typeform.com/developers/webhooks/secure-your-webhooks/ and
https://www.typeform.com/developers/webhooks/example-payload/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signing
from .body import (
    add_field,
    check_fields,
    get_list,
    get_obj,
    get_str,
    iso_time,
    load_json_object,
    objects,
    scalar_text,
)
from .errors import UnexpectedShape
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "typeform"
SIGNATURE_HEADER = "Typeform-Signature"
EVENT_TYPES = ("form_response", "form_response_partial")
# answer type -> canonical field it fills regardless of the question's wording
TYPED = {"email": "email", "phone_number": "phone"}
SKIPPED_TYPES = frozenset({"file_url", "payment"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.strip_prefix(signing.need_header(headers, SIGNATURE_HEADER), "sha256=", SIGNATURE_HEADER)
    signing.check_base64(signing.mac(key, body), given, SIGNATURE_HEADER)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    event_type = get_str(doc, "event_type", "")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise UnexpectedShape(f"event_type {event_type!r} is not a form response ({', '.join(EVENT_TYPES)})")
    response = get_obj(doc, "form_response", "", required=True) or {}
    titles = _titles(response)
    fields: dict[str, str] = {}
    typed: dict[str, str] = {}
    for i, answer in objects(
        get_list(response, "answers", "form_response", required=True) or [], "form_response.answers"
    ):
        where = f"form_response.answers[{i}]"
        kind = get_str(answer, "type", where, required=True)
        field = get_obj(answer, "field", where, required=True) or {}
        field_id = get_str(field, "id", f"{where}.field")
        label = (
            titles.get(field_id or "")
            or get_str(field, "ref", f"{where}.field")
            or field_id
            or f"answer {i + 1}"
        )
        used = add_field(fields, label, _answer_text(kind or "", answer.get(kind or "")))
        if used and kind in TYPED:
            typed[used] = TYPED[kind]
    for name, value in (get_obj(response, "hidden", "form_response") or {}).items():
        add_field(fields, str(name), scalar_text(value))
    check_fields(fields, NAME)
    return inquiry_from_fields(
        NAME,
        fields,
        extra={**typed, **(extra or {})},
        submitted_at=iso_time(get_str(response, "submitted_at", "form_response")),
        vendor=VendorIds(
            form_id=get_str(response, "form_id", "form_response"),
            submission_id=get_str(response, "token", "form_response"),
            event_id=get_str(doc, "event_id", ""),
        ),
    )


def _titles(response: Mapping[str, Any]) -> dict[str, str]:
    """field id -> question title, from the form definition (empty when absent)."""
    definition = get_obj(response, "definition", "form_response") or {}
    titles: dict[str, str] = {}
    for i, field in objects(
        get_list(definition, "fields", "form_response.definition") or [], "form_response.definition.fields"
    ):
        where = f"form_response.definition.fields[{i}]"
        field_id, title = get_str(field, "id", where), get_str(field, "title", where)
        if field_id and title:
            titles[field_id] = " ".join(title.split())
    return titles


def _answer_text(kind: str, value: Any) -> str | None:
    if kind in SKIPPED_TYPES:
        return None
    if kind == "choice" and isinstance(value, dict):
        return scalar_text(value.get("label")) or scalar_text(value.get("other"))
    if kind == "choices" and isinstance(value, dict):
        labels = value.get("labels") if isinstance(value.get("labels"), list) else []
        other = value.get("other")
        return scalar_text([*labels, other] if isinstance(other, str) else labels)
    return scalar_text(value) if not isinstance(value, (dict, list)) else None


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=verify,
    docs_url="https://www.typeform.com/developers/webhooks/",
    signature_header=SIGNATURE_HEADER,
)
