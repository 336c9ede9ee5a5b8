"""Netlify Forms, through the site's "Outgoing webhook" notification on form submission.

Body (JSON): the submission `{"id", "number", "form_id", "form_name", "site_url",
"created_at", "name", "email", "first_name", "last_name", "company", "summary",
"body", "data": {name: value, "ip", "user_agent", "referrer"}, "human_fields":
{Label: value}, "ordered_human_fields": [{"title", "name", "value"}]}`.
The answers come from `ordered_human_fields` (labels as the form shows them),
then `human_fields`, then `data`. The top-level `name`, `email`... are
Netlify's own guesses from the data and are not read. `data.referrer` is the page
URL. File inputs arrive as objects (`{"filename", "url"}`) and are skipped, as are
the `ip` and `user_agent` entries.

Signature (when a JWS secret token is set on the notification):
`X-Webhook-Signature` is a JWT signed HS256 with that secret, whose claims
are `{"iss": "netlify", "sha256": hex(SHA-256(raw body))}`. The JWT's HMAC is
checked, then the issuer, then the body hash, and `exp` when present. JWS is
checked by hand (three base64url parts, one algorithm, HS256 only) instead of
with PyJWT, to avoid a dependency for ten lines, and so "none" and other
algorithms are refused outright.
Docs: https://docs.netlify.com/site-deploys/deploy-notifications/#payload-signature
and https://docs.netlify.com/forms/notifications/
"""

from __future__ import annotations

import hashlib
import json
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
from .errors import BadSignature, UnexpectedShape
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "netlify"
SIGNATURE_HEADER = "X-Webhook-Signature"
NOT_ANSWERS = frozenset({"ip", "user_agent", "referrer"})


def verify(body: bytes, headers: Mapping[str, str], secret: str | None, *, now: float | None = None) -> None:
    key = signing.need_secret(secret, NAME)
    token = signing.need_header(headers, SIGNATURE_HEADER)
    parts = token.split(".")
    if len(parts) != 3:
        raise BadSignature(f"{SIGNATURE_HEADER} is not a JWS token (header.payload.signature)")
    head, claims = _segment(parts[0]), _segment(parts[1])
    if head.get("alg") != "HS256":
        raise BadSignature(f"{SIGNATURE_HEADER} must be signed HS256, got {head.get('alg')!r}")
    signing.check_base64(
        signing.mac(key, f"{parts[0]}.{parts[1]}".encode("ascii", "replace")), parts[2], SIGNATURE_HEADER
    )
    if claims.get("iss") != "netlify":
        raise BadSignature(f"{SIGNATURE_HEADER} was not issued by netlify")
    given = claims.get("sha256")
    if not isinstance(given, str):
        raise BadSignature(f"{SIGNATURE_HEADER} carries no sha256 of the body")
    signing.check_hex(hashlib.sha256(body).digest(), given, f"{SIGNATURE_HEADER} sha256 claim")
    expires = claims.get("exp")
    if isinstance(expires, (int, float)) and not isinstance(expires, bool) and signing.clock(now) > expires:
        raise BadSignature(f"{SIGNATURE_HEADER} has expired")


def _segment(part: str) -> dict[str, Any]:
    raw = signing.b64decode(part)
    if raw is None:
        raise BadSignature(f"{SIGNATURE_HEADER} has a part that is not base64url")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadSignature(f"{SIGNATURE_HEADER} has a part that is not JSON") from None
    if not isinstance(doc, dict):
        raise BadSignature(f"{SIGNATURE_HEADER} has a part that is not a JSON object")
    return doc


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_json_object(body, NAME)
    data = get_obj(doc, "data", "") or {}
    files = {str(k) for k, v in data.items() if isinstance(v, (dict, list)) and not _is_text_list(v)}
    fields: dict[str, str] = {}
    ordered = get_list(doc, "ordered_human_fields", "")
    human = get_obj(doc, "human_fields", "")
    if ordered:
        for i, item in objects(ordered, "ordered_human_fields"):
            where = f"ordered_human_fields[{i}]"
            name = get_str(item, "name", where)
            if name in files or (name or "").lower() in NOT_ANSWERS:
                continue
            label = get_str(item, "title", where) or name or f"field {i + 1}"
            add_field(fields, label, scalar_text(item.get("value")))
    elif human:
        for label, value in human.items():
            add_field(fields, str(label), scalar_text(value))
    else:
        for name, value in data.items():
            if str(name).lower() not in NOT_ANSWERS and str(name) not in files:
                add_field(fields, str(name), scalar_text(value))
    if not fields and "data" not in doc and ordered is None and human is None:
        raise UnexpectedShape(
            "a Netlify submission has data, human_fields or ordered_human_fields; none found"
        )
    check_fields(fields, NAME)
    return inquiry_from_fields(
        NAME,
        fields,
        extra=extra,
        page_url=get_str(data, "referrer", "data"),
        submitted_at=iso_time(get_str(doc, "created_at", "")),
        vendor=VendorIds(form_id=get_str(doc, "form_id", ""), submission_id=get_str(doc, "id", "")),
    )


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value)


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=verify,
    docs_url="https://docs.netlify.com/forms/notifications/",
    signature_header=SIGNATURE_HEADER,
)
