"""Contact Form 7 submissions, through a webhook add-on.

CF7 has no webhooks of its own. Add-ons such as "CF7 to Webhook" POST the
posted data as a flat JSON object keyed by the form's tag names: `your-name`,
`your-email`, `your-subject`, `your-message`, and any tags the site added
(`company`, `budget`...). Tags left with CF7's default names say their type
(`email-512`, `tel-88`, `url-7`, `textarea-301`), which tells the email, phone,
website and free text apart; `acceptance-*` consent boxes are ignored.
Checkbox and multi-select tags arrive as lists and are joined with ", ". Some add-ons wrap the data (`{"form_id", "form_title",
"posted_data": {...}}` or `"fields"`/`"data"`), and some post it URL-encoded.
All of these are read.

CF7's hidden plumbing (`_wpcf7` = form id, `_wpcf7_unit_tag`,
`_wpcf7_version`, `_wpcf7_locale`, `_wpcf7_container_post`, recaptcha
tokens) is dropped from `fields`, and the form id goes to `vendor.form_id`.
Other keys that start with `_`, like special mail tags the site chose to send
(`_url`, `_date`, `_remote_ip`), are kept but ignored by the analysis. `_url`
or `_post_url` gives the page URL. File tags (sent as objects) are skipped.

No signature. Protect the URL with the per-source `?token=` secret; most add-ons
can also add a custom header.
Docs: https://wordpress.org/plugins/cf7-to-zapier/ (CF7 to Webhook) and
https://contactform7.com/special-mail-tags/
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .body import add_field, check_fields, get_str, iso_time, load_object, scalar_text
from .generic import inquiry_from_fields
from .types import Adapter, Inquiry, VendorIds

NAME = "contactform7"
WRAPPERS = ("posted_data", "fields", "data", "form_data")
# CF7 names a tag after its type plus a number unless the site renames it
# (`email-512`, `tel-88`, `textarea-301`). The type says what the field holds.
TAG_TYPES = {
    "email": "email",
    "tel": "phone",
    "url": "website",
    "textarea": "message",
    "acceptance": "ignored",
}
_TYPED_TAG = re.compile(r"^(email|tel|url|textarea|acceptance)-\d+$")
PLUMBING_PREFIXES = ("_wpcf7", "g-recaptcha", "_wpnonce", "wpcf7cf")


def parse(body: bytes, headers: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Inquiry:
    doc = load_object(body, headers, NAME)
    data: Mapping[str, Any] = doc
    for key in WRAPPERS:
        if isinstance(doc.get(key), dict):
            data = doc[key]
            break
    fields: dict[str, str] = {}
    for key, value in data.items():
        key = str(key)
        if key.lower().startswith(PLUMBING_PREFIXES) or isinstance(value, dict):
            continue
        if data is doc and key in ("form_id", "form_title", "submitted_at", "page_url"):
            continue
        add_field(fields, key, scalar_text(value))
    check_fields(fields, NAME)
    typed = {label: TAG_TYPES[m.group(1)] for label in fields if (m := _TYPED_TAG.match(label))}
    form_id = _first_str(data, "_wpcf7") or get_str(doc, "form_id", "") or _first_str(doc, "_wpcf7")
    page_url = _first_str(data, "_url") or _first_str(data, "_post_url") or get_str(doc, "page_url", "")
    return inquiry_from_fields(
        NAME,
        fields,
        extra={**typed, **(extra or {})},
        page_url=page_url,
        submitted_at=iso_time(get_str(doc, "submitted_at", "")),
        vendor=VendorIds(form_id=form_id),
    )


def _first_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


ADAPTER = Adapter(
    name=NAME,
    channel="form",
    parse=parse,
    verify=None,
    docs_url="https://wordpress.org/plugins/cf7-to-zapier/",
)
