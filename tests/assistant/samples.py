"""Webhook bodies and a test adapter for the service tests (written for these tests).

`form()` and `chat()` are generic-source payloads (SCHEMA.md's form and chat
shapes); pass keyword arguments to vary them so every test can post a body
that is not a duplicate of another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from forms import generic
from forms.errors import BadSignature
from forms.types import Adapter, Inquiry


def form(**overrides: Any) -> dict[str, Any]:
    fields = {
        "first_name": "Okonkwo",
        "last_name": "Adeyemi",
        "email": "o.adeyemi@brightquay-freight.co.uk",
        "company": "Brightquay Freight",
        "job_title": "Operations Director",
        "country": "United Kingdom",
        "company_size": "51-200",
        "message": (
            "Our dispatch team still plans routes on whiteboards and we lose hours every morning. "
            "We would like to see how your route planner handles 40 vans and same-day changes. "
            "Can someone walk us through it on a call this month?"
        ),
    }
    fields.update(overrides.pop("fields", {}))
    return {
        "form_id": "request-a-demo",
        "page_url": "https://www.example.com/demo",
        "submitted_at": "2026-03-10T14:03:12Z",
        "fields": fields,
        **overrides,
    }


def chat(**overrides: Any) -> dict[str, Any]:
    return {
        "conversation_id": overrides.pop("conversation_id", "conv-5521"),
        "visitor": {
            "name": "Ines Carvalho",
            "email": "ines@tidewater-clinics.pt",
            "company": "Tidewater Clinics",
        },
        "page_url": "https://www.example.com/pricing",
        "transcript": overrides.pop(
            "transcript",
            [
                {
                    "role": "visitor",
                    "text": "Hello, does the scheduling module support several clinic locations?",
                    "at": "2026-03-10T13:58:02Z",
                },
                {
                    "role": "bot",
                    "text": "It does. How many locations are you running?",
                    "at": "2026-03-10T13:58:05Z",
                },
                {
                    "role": "visitor",
                    "text": "Six at the moment, a seventh opens in May. I run IT for the group.",
                    "at": "2026-03-10T13:58:40Z",
                },
                {
                    "role": "bot",
                    "text": "Would a short demo with our team help?",
                    "at": "2026-03-10T13:58:43Z",
                },
                {
                    "role": "visitor",
                    "text": "Yes please, Thursday afternoon works for me.",
                    "at": "2026-03-10T13:59:10Z",
                },
            ],
        ),
        **overrides,
    }


def body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")


# A signing vendor with delivery ids, to exercise signatures and vendor-id duplicates
# through the real HTTP path. Body: the generic payload. Headers: X-Test-Event and
# X-Test-Signature = hex(HMAC-SHA256(secret, body)).


def _verify(raw: bytes, headers: Mapping[str, str], secret: str | None) -> None:
    supplied = headers.get("X-Test-Signature", "")
    expected = hmac.new((secret or "").encode(), raw, hashlib.sha256).hexdigest()
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise BadSignature("X-Test-Signature does not match the body")


def _parse(raw: bytes, headers: Mapping[str, str]) -> Inquiry:
    inquiry = generic.parse(raw, headers)
    vendor = dataclasses.replace(inquiry.vendor, event_id=headers.get("X-Test-Event"))
    return dataclasses.replace(inquiry, source="signedvendor", vendor=vendor)


SIGNED_ADAPTER = Adapter(
    name="signedvendor",
    channel="any",
    parse=_parse,
    verify=_verify,
    docs_url="tests/assistant/samples.py",
    signature_header="X-Test-Signature",
)


def sign(raw: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
