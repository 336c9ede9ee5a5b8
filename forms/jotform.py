"""Jotform webhooks: a multipart (or URL-encoded) POST per submission.

Body fields: `formID`, `submissionID`, `formTitle`, `ip`, `username`, `type`,
`pretty` ("Full Name:Ada Lovelace, E-mail:ada@example.com, ...") and
`rawRequest`, a JSON string of the answers keyed `q<order>_<uniqueName>`
(`q3_fullName`, `q4_email`). A few answers are objects: name
(`{"first", "middle", "last"}`), phone (`{"full"}` or `{"area", "phone"}`),
address, date (`{"day", "month", "year"}`) and time. Checkbox answers are lists.
Keys without the `q<n>_` prefix (`slug`, `event_id`, `path`, `submitDate`...,
and Jotform's empty anti-spam `website` trap) are plumbing and are dropped.
File uploads (`temp_upload`, unique names containing "upload") are skipped.

Labels. `rawRequest` carries the unique names (`fullName`, or `typeA` for an
unnamed text box), not the question labels. The labels are in `pretty`, so each
answer's text is looked up in `pretty`, in order, and the label in front of it
(`Label:answer`) is used. When an answer can't be found there (formats differ,
commas in labels), the unique name is used, so nothing is invented.

No signature: Jotform does not sign webhooks. Protect the URL with the
per-source `?token=` secret.
Docs: https://www.jotform.com/help/245-how-to-setup-a-webhook-with-jotform/
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from .body import add_field, check_fields, iso_time, load_json, load_object, scalar_text
from .errors import BadPayload, UnexpectedShape
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "jotform"
_QUESTION = re.compile(r"^q(\d+)_(.+)$")
_NAME_PARTS = ("prefix", "first", "middle", "last", "suffix")
_ADDRESS_PARTS = ("addr_line1", "addr_line2", "city", "state", "postal", "country")


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    form = load_object(body, headers, NAME)
    raw = form.get("rawRequest")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if isinstance(raw, str):
        try:
            answers = load_json(raw.encode("utf-8"))
        except BadPayload as exc:
            raise UnexpectedShape(f"rawRequest is not JSON: {exc.message}") from None
    elif isinstance(raw, dict):
        answers = raw
    else:
        raise UnexpectedShape("rawRequest (the JSON of the answers) is missing")
    if not isinstance(answers, dict):
        raise UnexpectedShape("rawRequest must be a JSON object of answers")
    pretty = form.get("pretty") if isinstance(form.get("pretty"), str) else ""
    labels = _Labels(pretty)
    fields: dict[str, str] = {}
    name_parts: dict[str, tuple[str | None, str | None]] = {}
    questions = sorted(
        (
            (int(m.group(1)), m.group(2), value)
            for key, value in answers.items()
            if (m := _QUESTION.match(str(key)))
        ),
        key=lambda q: q[0],
    )
    for _, unique, value in questions:
        if "upload" in unique.lower():
            continue
        text = _answer_text(value)
        if text is None:
            continue
        used = add_field(fields, labels.label_for(text) or unique, text)
        if used and isinstance(value, dict) and ("first" in value or "last" in value):
            name_parts[used] = (_part(value, "first"), _part(value, "last"))
    check_fields(fields, NAME)
    inquiry = inquiry_from_fields(
        NAME,
        fields,
        extra=extra,
        submitted_at=iso_time(answers.get("submitDate")),
        vendor=VendorIds(form_id=_form_str(form, "formID"), submission_id=_form_str(form, "submissionID")),
    )
    # A name answer already says which part is first and which is last: keep that
    # rather than splitting "Mary Ann Smith" at its first space.
    for label, (first, last) in name_parts.items():
        if inquiry.contact.name == fields[label] and (first or last):
            return dataclasses.replace(
                inquiry, contact=dataclasses.replace(inquiry.contact, first_name=first, last_name=last)
            )
    return inquiry


def _form_str(form: Mapping[str, Any], key: str) -> str | None:
    value = form.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() or None if isinstance(value, str) else None


def _part(value: Mapping[str, Any], key: str) -> str | None:
    part = value.get(key)
    return part.strip() or None if isinstance(part, str) else None


def _answer_text(value: Any) -> str | None:
    if isinstance(value, dict):
        if any(k in value for k in ("first", "last")):
            return " ".join(p for k in _NAME_PARTS if (p := _part(value, k))) or None
        if "full" in value:
            return _part(value, "full")
        if "area" in value or "phone" in value:
            return " ".join(p for k in ("country", "area", "phone") if (p := _part(value, k))) or None
        if any(k in value for k in _ADDRESS_PARTS):
            return ", ".join(p for k in _ADDRESS_PARTS if (p := _part(value, k))) or None
        if {"year", "month", "day"} <= value.keys():
            year, month, day = (_part(value, k) for k in ("year", "month", "day"))
            return f"{year}-{month:0>2}-{day:0>2}" if year and month and day else None
        if "hourSelect" in value:
            hour, minute, ampm = (_part(value, k) for k in ("hourSelect", "minuteSelect", "ampm"))
            return f"{hour}:{minute or '00'} {ampm or ''}".strip() if hour else None
        return None
    return scalar_text(value)


class _Labels:
    """Question labels recovered from `pretty`, in answer order."""

    def __init__(self, pretty: str) -> None:
        self.pretty = pretty
        self.cursor = 0

    def label_for(self, text: str) -> str | None:
        if not self.pretty:
            return None
        at = self.pretty.find(":" + text, self.cursor)
        if at < 0:
            return None
        end = at + 1 + len(text)
        if end < len(self.pretty) and not self.pretty.startswith(", ", end):
            return None
        candidate = self.pretty[self.cursor : at]
        candidate = candidate[2:] if candidate.startswith(", ") else candidate
        if ":" in candidate:  # skipped an answer we could not match: take the last label only
            candidate = candidate.rsplit(", ", 1)[-1]
        self.cursor = end
        candidate = " ".join(candidate.split())
        return candidate if candidate and ":" not in candidate and len(candidate) <= 200 else None


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=None,
    docs_url="https://www.jotform.com/help/245-how-to-setup-a-webhook-with-jotform/",
)
