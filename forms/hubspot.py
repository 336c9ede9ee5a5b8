"""HubSpot form submissions, delivered by a workflow "Send a webhook" action.

HubSpot has no webhook that pushes a form's answers directly. The webhooks API
(`contact.creation`...) sends object ids only, and such a batch is answered
422 with a hint. Users enrol form submitters in a workflow whose webhook action
POSTs the contact. The adapter reads the shapes that action and HubSpot's form
APIs produce:

1. Contact record, legacy (v1) layout: `{"vid", "properties": {"email": {"value": ...}, ...},
   "form-submissions": [{"form-id", "conversion-id", "timestamp", "page-url", "title"}]}`.
2. Contact record, v3 layout or a customised request body: `{"id", "properties": {name: value}}`,
   or a flat `{name: value}` object.
3. Forms submission API layouts: `{"fields": [{"name", "value"}], "context": {"pageUri"},
   "submittedAt"}` or `{"values": [{"name", "value"}], "pageUrl", "submittedAt"}`.

Property names are HubSpot's internal names (`firstname`, `jobtitle`,
`numemployees`, `message`). HubSpot's own bookkeeping (`hs_*`, `createdate`,
`lastmodifieddate`, `lifecyclestage`...) is dropped from `fields`, because no
person wrote it.

Signature v3: `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app secret,
method + URI + raw body + timestamp)) with `X-HubSpot-Request-Timestamp` in epoch
milliseconds and a 5-minute window. Before comparing, the URI has HubSpot's
listed percent-escapes decoded (`%3A` -> `:`, ...). Method and URL come from the
`X-Qualifier-Method` / `X-Qualifier-Url` pseudo-headers the webhook layer adds
(forms/signing.py). When v3 is absent, the older schemes are accepted:
`X-HubSpot-Signature-Version: v2` (hex SHA-256 of secret + method + URI + body)
and `v1` (hex SHA-256 of secret + body). They have no timestamp, so a replay is
recognised only by the body.
Docs: https://developers.hubspot.com/docs/api/webhooks/validating-requests
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from . import signing
from .body import (
    add_field,
    check_fields,
    get_list,
    get_obj,
    get_str,
    header,
    iso_time,
    load_json,
    objects,
    scalar_text,
)
from .errors import BadPayload, BadSignature, UnexpectedShape
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "hubspot"
SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
LEGACY_HEADER = "X-HubSpot-Signature"
LEGACY_VERSION_HEADER = "X-HubSpot-Signature-Version"
# HubSpot's list of escapes to decode in the URI before signing (v3).
URI_DECODES = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
SYSTEM_PROPERTIES = frozenset(
    {
        "createdate",
        "lastmodifieddate",
        "lifecyclestage",
        "hubspot_owner_id",
        "associatedcompanyid",
        "num_notes",
        "num_contacted_notes",
        "notes_last_updated",
        "notes_last_contacted",
        "currentlyinworkflow",
        "recent_conversion_date",
        "recent_conversion_event_name",
        "first_conversion_date",
        "first_conversion_event_name",
        "num_conversion_events",
        "num_unique_conversion_events",
        "ip_city",
        "ip_state",
        "ip_country",
        "ip_zipcode",
        "ip_state_code",
        "ip_country_code",
        "vid",
        "canonical-vid",
        "portal-id",
        "is-contact",
        "objectid",
        "hubspotscore",
        "hubspot_owner_assigneddate",
    }
)
# Keys of the contact record itself (not properties) in the legacy and v3 layouts.
RECORD_KEYS = frozenset(
    {
        "form-submissions",
        "identity-profiles",
        "merge-audits",
        "list-memberships",
        "associated-owner",
        "profile-url",
        "profile-token",
        "addedat",
        "id",
        "createdat",
        "updatedat",
        "archived",
        "properties",
    }
)


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    method = (header(headers, signing.METHOD_HEADER) or "POST").upper()
    v3 = header(headers, SIGNATURE_HEADER)
    if v3:
        stamp = signing.need_header(headers, TIMESTAMP_HEADER)
        signing.check_fresh(signing.parse_timestamp(stamp, TIMESTAMP_HEADER), now, TIMESTAMP_HEADER)
        uri = _decoded_uri(_url(headers))
        message = method.encode() + uri.encode("utf-8") + body + stamp.encode("ascii", "replace")
        signing.check_base64(signing.mac(key, message), v3, SIGNATURE_HEADER)
        return
    legacy = header(headers, LEGACY_HEADER)
    if not legacy:
        raise BadSignature(f"missing {SIGNATURE_HEADER} header")
    version = (header(headers, LEGACY_VERSION_HEADER) or "v1").strip().lower()
    if version == "v2":
        digest = hashlib.sha256(key + method.encode() + _url(headers).encode("utf-8") + body).digest()
    elif version == "v1":
        digest = hashlib.sha256(key + body).digest()
    else:
        raise BadSignature(f"{LEGACY_VERSION_HEADER} {version!r} is not v1 or v2")
    signing.check_hex(digest, legacy, LEGACY_HEADER)


def _url(headers: Mapping[str, str]) -> str:
    url = header(headers, signing.URL_HEADER)
    if not url:
        raise BadSignature(
            f"HubSpot signs the request URL: the webhook layer must pass it in {signing.URL_HEADER}"
        )
    return url.strip()


def _decoded_uri(url: str) -> str:
    out, i = [], 0
    while i < len(url):
        chunk = url[i : i + 3].upper()
        if url[i] == "%" and chunk in URI_DECODES:
            out.append(URI_DECODES[chunk])
            i += 3
        else:
            out.append(url[i])
            i += 1
    return "".join(out)


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json(body)
    if isinstance(doc, list):
        raise UnexpectedShape(
            "a list of HubSpot webhooks-API events carries object ids only, not form answers; "
            "send submissions with a workflow 'Send a webhook' action instead"
        )
    if not isinstance(doc, dict):
        raise BadPayload(f"a {NAME} body is a JSON object, got a JSON {type(doc).__name__}")
    if isinstance(doc.get("fields"), list) or isinstance(doc.get("values"), list):
        return _from_submission(doc, extra)
    return _from_contact(doc, extra)


def _from_contact(doc: Mapping[str, Any], extra: Mapping[str, str] | None) -> Inquiry:
    properties = get_obj(doc, "properties", "")
    raw = properties if properties is not None else doc
    fields: dict[str, str] = {}
    for name, value in raw.items():
        if _system(name):
            continue
        if isinstance(value, dict):  # legacy layout: {"value": ..., "versions": [...]}
            value = value.get("value")
        add_field(fields, str(name), scalar_text(value))
    if not fields:
        raise UnexpectedShape(
            "the HubSpot contact has no properties a person filled in (properties is empty)"
        )
    submission = _last_submission(doc)
    check_fields(fields, NAME)
    return inquiry_from_fields(
        NAME,
        fields,
        extra=extra,
        page_url=get_str(submission, "page-url", "form-submissions[-1]"),
        submitted_at=iso_time(submission.get("timestamp")),
        vendor=VendorIds(
            form_id=get_str(submission, "form-id", "form-submissions[-1]"),
            submission_id=get_str(submission, "conversion-id", "form-submissions[-1]"),
        ),
    )


def _last_submission(doc: Mapping[str, Any]) -> dict[str, Any]:
    submissions = list(objects(get_list(doc, "form-submissions", "") or [], "form-submissions"))
    return submissions[-1][1] if submissions else {}


def _from_submission(doc: Mapping[str, Any], extra: Mapping[str, str] | None) -> Inquiry:
    key = "fields" if isinstance(doc.get("fields"), list) else "values"
    fields: dict[str, str] = {}
    for i, item in objects(get_list(doc, key, "") or [], key):
        name = get_str(item, "name", f"{key}[{i}]", required=True) or ""
        if not _system(name):
            add_field(fields, name, scalar_text(item.get("value")))
    check_fields(fields, NAME)
    context = get_obj(doc, "context", "") or {}
    return inquiry_from_fields(
        NAME,
        fields,
        extra=extra,
        page_url=get_str(context, "pageUri", "context") or get_str(doc, "pageUrl", ""),
        submitted_at=iso_time(doc.get("submittedAt")),
        vendor=VendorIds(
            form_id=get_str(doc, "formGuid", "") or get_str(doc, "formId", ""),
            submission_id=get_str(doc, "conversionId", ""),
        ),
    )


def _system(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("hs_") or lowered in SYSTEM_PROPERTIES or lowered in RECORD_KEYS


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=verify,
    docs_url="https://developers.hubspot.com/docs/api/webhooks/validating-requests",
    signature_header=SIGNATURE_HEADER,
)
