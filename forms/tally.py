"""Tally webhooks: one `FORM_RESPONSE` event per submission.

Body (JSON): `{"eventId", "eventType": "FORM_RESPONSE", "createdAt", "data": {"responseId",
"submissionId", "respondentId", "formId", "formName", "createdAt", "fields": [{"key",
"label", "type", "value", "options": [{"id", "text"}]}]}}`.
Values depend on `type`. Text inputs are strings. `MULTIPLE_CHOICE`, `DROPDOWN`,
`CHECKBOXES`, `MULTI_SELECT` and `RANKING` hold option ids, which are turned
into the option texts from `options` and joined with ", ". Tally also sends one
boolean field per checkbox option ("Interests (Demo)": true); those are skipped
because the parent field already carries the choices. `FILE_UPLOAD`,
`SIGNATURE`, `PAYMENT` and `MATRIX` are skipped. `HIDDEN_FIELDS` are kept
under their names. `INPUT_EMAIL` and `INPUT_PHONE_NUMBER` answers fill the
contact's email and phone whatever their label says.

Signature (optional, when a signing secret is set on the webhook):
`Tally-Signature: base64(HMAC-SHA256(secret, raw body))`, no timestamp.
Retries are recognised by `eventId`.
Docs: https://tally.so/help/webhooks
The exact shape of option values (ids as opposed to texts) is from Tally's
example event. The adapter accepts either form.
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

NAME = "tally"
SIGNATURE_HEADER = "Tally-Signature"
TYPED = {"INPUT_EMAIL": "email", "INPUT_PHONE_NUMBER": "phone"}
SKIPPED_TYPES = frozenset({"FILE_UPLOAD", "SIGNATURE", "PAYMENT", "MATRIX"})
CHOICE_TYPES = frozenset({"MULTIPLE_CHOICE", "DROPDOWN", "CHECKBOXES", "MULTI_SELECT", "RANKING"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.need_header(headers, SIGNATURE_HEADER)
    signing.check_base64(signing.mac(key, body), given, SIGNATURE_HEADER)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    event_type = get_str(doc, "eventType", "")
    if event_type is not None and event_type != "FORM_RESPONSE":
        raise UnexpectedShape(f"eventType {event_type!r} is not FORM_RESPONSE")
    data = get_obj(doc, "data", "", required=True) or {}
    fields: dict[str, str] = {}
    typed: dict[str, str] = {}
    for i, field in objects(get_list(data, "fields", "data", required=True) or [], "data.fields"):
        where = f"data.fields[{i}]"
        kind = get_str(field, "type", where) or ""
        label = get_str(field, "label", where) or get_str(field, "key", where) or f"field {i + 1}"
        used = add_field(fields, " ".join(label.split()), _value_text(kind, field, where))
        if used and kind in TYPED:
            typed[used] = TYPED[kind]
    check_fields(fields, NAME)
    return inquiry_from_fields(
        NAME,
        fields,
        extra={**typed, **(extra or {})},
        submitted_at=iso_time(get_str(data, "createdAt", "data") or get_str(doc, "createdAt", "")),
        vendor=VendorIds(
            form_id=get_str(data, "formId", "data"),
            submission_id=get_str(data, "submissionId", "data") or get_str(data, "responseId", "data"),
            event_id=get_str(doc, "eventId", ""),
        ),
    )


def _value_text(kind: str, field: Mapping[str, Any], where: str) -> str | None:
    value = field.get("value")
    if kind in SKIPPED_TYPES or isinstance(value, dict):
        return None
    if kind == "CHECKBOXES" and isinstance(value, bool):
        return None  # one-per-option flag; the parent CHECKBOXES field lists the choices
    if kind in CHOICE_TYPES:
        options = {
            opt_id: text
            for _, opt in objects(get_list(field, "options", where) or [], f"{where}.options")
            if (opt_id := get_str(opt, "id", f"{where}.options"))
            and (text := get_str(opt, "text", f"{where}.options"))
        }
        chosen = value if isinstance(value, list) else [value]
        return scalar_text([options.get(v, v) if isinstance(v, str) else v for v in chosen])
    return scalar_text(value)


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=verify,
    docs_url="https://tally.so/help/webhooks",
    signature_header=SIGNATURE_HEADER,
)
