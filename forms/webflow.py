"""Webflow form submissions (`form_submission` webhook).

Body (JSON, Data API v2): `{"triggerType": "form_submission", "payload": {"name",
"siteId", "data": {label: value}, "schema": [{"fieldName", "fieldType",
"fieldElementId"}], "submittedAt", "id", "formId", "formElementId", "pageId",
"publishedPath"}}`. The older v1 body `{"name", "site", "data", "d", "_id"}` is read too.
`data` maps the form's field names to values (numbers for number and phone
inputs, booleans for checkboxes). Fields whose schema type is a file upload
are skipped.

Signature: `x-webflow-signature` = hex(HMAC-SHA256(secret, timestamp + ":" + raw body))
with `x-webflow-timestamp` in epoch milliseconds and a 5-minute window. The secret
is the OAuth app's client secret, or the webhook's own secret for webhooks created
with a site token. Webhooks made in the site dashboard are not signed, so protect
those with the `?token=` secret instead.
Docs: https://developers.webflow.com/data/docs/working-with-webhooks
The v2 `payload` keys beyond `name`, `data`, `schema`, `submittedAt` and `id`
(`formId`, `pageUrl`) are read when present but not relied on.
"""

from __future__ import annotations

from collections.abc import Mapping

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

NAME = "webflow"
SIGNATURE_HEADER = "x-webflow-signature"
TIMESTAMP_HEADER = "x-webflow-timestamp"
FILE_TYPES = frozenset({"FormFileUploadInput", "FileUpload", "file"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    given = signing.need_header(headers, SIGNATURE_HEADER)
    stamp = signing.need_header(headers, TIMESTAMP_HEADER)
    signing.check_fresh(signing.parse_timestamp(stamp, TIMESTAMP_HEADER), now, TIMESTAMP_HEADER)
    signing.check_hex(
        signing.mac(key, stamp.encode("ascii", "replace") + b":" + body), given, SIGNATURE_HEADER
    )


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    if "triggerType" in doc:
        trigger = get_str(doc, "triggerType", "")
        if trigger != "form_submission":
            raise UnexpectedShape(f"triggerType {trigger!r} is not form_submission")
        where = "payload"
        payload = get_obj(doc, "payload", "", required=True) or {}
    else:
        where, payload = "", doc
    data = get_obj(payload, "data", where, required=True) or {}
    files = {
        name
        for i, field in objects(get_list(payload, "schema", where) or [], f"{where}.schema")
        if get_str(field, "fieldType", f"{where}.schema[{i}]") in FILE_TYPES
        and (name := get_str(field, "fieldName", f"{where}.schema[{i}]"))
    }
    fields: dict[str, str] = {}
    for label, value in data.items():
        if label not in files:
            add_field(fields, str(label), scalar_text(value))
    check_fields(fields, NAME)
    return inquiry_from_fields(
        NAME,
        fields,
        extra=extra,
        page_url=get_str(payload, "pageUrl", where),
        submitted_at=iso_time(get_str(payload, "submittedAt", where) or get_str(payload, "d", where)),
        vendor=VendorIds(
            form_id=get_str(payload, "formId", where) or get_str(payload, "name", where),
            submission_id=get_str(payload, "id", where) or get_str(payload, "_id", where),
        ),
    )


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=verify,
    docs_url="https://developers.webflow.com/data/docs/working-with-webhooks",
    signature_header=SIGNATURE_HEADER,
)
