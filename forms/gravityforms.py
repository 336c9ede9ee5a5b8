"""Gravity Forms, through the official Webhooks add-on (or a `gform_after_submission` hook).

The add-on's feed POSTs the entry as JSON (Request Format "JSON") or as a form
(Request Format "FORM"). It has two body modes:

- "All Fields": the entry as stored. Answers are keyed by field id (`"1.3"`
  first name, `"1.6"` last name, `"2"` email, `"3"` message). Entry meta comes
  alongside (`id`, `form_id`, `date_created` in UTC, `source_url`, `ip`,
  `user_agent`, `status`, payment keys...).
- "Select Fields": keys the site owner typed (`name`, `email`, `message`),
  which the alias table reads like any form.

Field ids carry no labels. A body that wraps the entry with its form,
`{"entry": {...}, "form": {"fields": [{"id", "label", "inputs": [{"id", "label"}]}]}}`
(as custom `gform_after_submission` code often sends), gets the labels from
the form. Otherwise the ids stay as labels, and the per-source field mapping
(`[sources.gravityforms.fields]` in the policy, e.g. `"1.3" = "first_name"`)
says what they are. Only one thing is read from a value alone: in an id-keyed
entry, an answer that is exactly one email address fills the contact's email
when no field is labelled as one.

No signature: the add-on does not sign. Protect the URL with the per-source
`?token=` secret (or a request header the feed adds).
Docs: https://docs.gravityforms.com/webhooks-add-on/
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .body import (
    add_field,
    check_fields,
    get_list,
    get_obj,
    get_str,
    iso_time,
    load_object,
    objects,
    scalar_text,
)
from .fields import canonical_name, pick
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "gravityforms"
ENTRY_META = frozenset(
    {
        "id",
        "form_id",
        "post_id",
        "date_created",
        "date_updated",
        "is_starred",
        "is_read",
        "ip",
        "source_url",
        "user_agent",
        "currency",
        "payment_status",
        "payment_date",
        "payment_amount",
        "payment_method",
        "transaction_id",
        "is_fulfilled",
        "created_by",
        "transaction_type",
        "status",
        "source_id",
        "is_approved",
        "workflow_final_status",
        "partial_entry_id",
        "required_fields_percent_complete",
    }
)
_FIELD_ID = re.compile(r"^\d+(\.\d+)?$")
_NAIVE_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_object(body, headers, NAME)
    entry = get_obj(doc, "entry", "")
    labels = _labels(get_obj(doc, "form", "") or {})
    if entry is None:
        entry = doc
    fields: dict[str, str] = {}
    for key, value in entry.items():
        key = str(key)
        if key in ENTRY_META or (value is not None and not isinstance(value, (str, int, float, bool, list))):
            continue
        add_field(fields, labels.get(key, key), scalar_text(value))
    check_fields(fields, NAME)
    mapping = dict(extra or {})
    if not pick(fields, "email", mapping):
        for label, value in fields.items():
            if _FIELD_ID.match(label) and len(value) <= 254 and _EMAIL.match(value):
                mapping = {label: "email", **mapping}
                break
    created = get_str(entry, "date_created", "entry")
    return inquiry_from_fields(
        NAME,
        fields,
        extra=mapping,
        page_url=get_str(entry, "source_url", "entry"),
        submitted_at=_utc(created),
        vendor=VendorIds(
            form_id=get_str(entry, "form_id", "entry"), submission_id=get_str(entry, "id", "entry")
        ),
    )


def _utc(created: str | None) -> str | None:
    """Gravity Forms stores `date_created` in UTC without saying so."""
    if created and _NAIVE_TIME.match(created):
        return iso_time(f"{created}+00:00")
    return iso_time(created)


def _labels(form: Mapping[str, Any]) -> dict[str, str]:
    """field or input id -> label ("First", "Address (City)"), from a form definition."""
    labels: dict[str, str] = {}
    for i, field in objects(get_list(form, "fields", "form") or [], "form.fields"):
        where = f"form.fields[{i}]"
        field_id, label = get_str(field, "id", where), get_str(field, "label", where)
        if not field_id or not label:
            continue
        labels[field_id] = label
        for j, sub in objects(get_list(field, "inputs", where) or [], f"{where}.inputs"):
            sub_id, sub_label = (
                get_str(sub, "id", f"{where}.inputs[{j}]"),
                get_str(sub, "label", f"{where}.inputs[{j}]"),
            )
            if sub_id and sub_label:
                # "First" and "Country" say enough on their own; "Street Address" needs its field's label.
                known = canonical_name(sub_label) not in (None, "ignored")
                labels[sub_id] = sub_label if known else f"{label} ({sub_label})"
    return labels


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=None,
    docs_url="https://docs.gravityforms.com/webhooks-add-on/",
)
