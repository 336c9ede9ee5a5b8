"""Reading vendor bodies safely: headers, JSON, URL-encoded and multipart forms.

Every adapter reads its body through these helpers, so the limits live in one
place: at most MAX_FIELDS fields, MAX_VALUE_CHARS characters per value and
MAX_DEPTH levels of JSON nesting. A body over a limit is a `BadPayload` (400);
a readable body of the wrong shape is an `UnexpectedShape` (422) whose message
names the path that is missing or of the wrong type (`form_response.answers[2].field`).

Standard library only: `json`, `urllib.parse.parse_qsl` (with its
`max_num_fields` guard) and the `email` package's MIME parser for
multipart/form-data (file parts are skipped without being decoded). Werkzeug
parses the same formats but belongs to the web layer; `forms` stays free of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from .errors import BadPayload, UnexpectedShape
from .html import has_markup, to_text

MAX_FIELDS = 500
MAX_VALUE_CHARS = 100_000
MAX_DEPTH = 48


# -- headers -----------------------------------------------------------------


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name; None when absent."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == wanted:
                value = candidate
                break
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def media_type(headers: Mapping[str, str]) -> str:
    """`multipart/form-data; boundary=x` -> `multipart/form-data` ('' when absent)."""
    value = header(headers, "Content-Type") or ""
    return value.split(";", 1)[0].strip().lower()


# -- decoding ------------------------------------------------------------------


def decode_text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadPayload(f"body is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def load_json(body: bytes) -> Any:
    """Parsed JSON, or BadPayload naming what is wrong with it."""
    text = decode_text(body)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadPayload(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BadPayload(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    if _depth(doc) > MAX_DEPTH:
        raise BadPayload(f"JSON nested more than {MAX_DEPTH} levels deep")
    return doc


def load_json_object(body: bytes, vendor: str) -> dict[str, Any]:
    doc = load_json(body)
    if not isinstance(doc, dict):
        raise BadPayload(f"a {vendor} body is a JSON object, got a JSON {type(doc).__name__}")
    return doc


def _depth(doc: Any) -> int:
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def load_form(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """A URL-encoded or multipart form as {name: value or [values]}; file parts skipped.

    Repeated names (`interest=a&interest=b`, `interest[]=a`) become lists, and
    a trailing `[]` is dropped from the name.
    """
    if media_type(headers) == "multipart/form-data":
        pairs = _multipart_pairs(body, header(headers, "Content-Type") or "")
    else:
        text = decode_text(body)
        try:
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
        except ValueError as exc:
            raise BadPayload(f"unreadable URL-encoded form: {exc}") from None
        except UnicodeDecodeError as exc:
            raise BadPayload(f"URL-encoded form is not UTF-8: {exc.reason}") from None
    form: dict[str, Any] = {}
    for name, value in pairs:
        key = name[:-2] if name.endswith("[]") else name
        if key in form:
            previous = form[key]
            form[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            form[key] = [value] if name.endswith("[]") else value
    return form


def _multipart_pairs(body: bytes, content_type: str) -> list[tuple[str, str]]:
    if "boundary=" not in content_type.lower():
        raise BadPayload("multipart/form-data without a boundary in Content-Type")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: "
        + content_type.encode("latin-1", "replace")
        + b"\r\nMIME-Version: 1.0\r\n\r\n"
        + body
    )
    if not message.is_multipart():
        raise BadPayload("multipart/form-data body has no parts")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        if len(pairs) >= MAX_FIELDS:
            raise BadPayload(f"form has more than {MAX_FIELDS} fields")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue  # file uploads and nameless parts are not the person's words
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            pairs.append((name, payload.decode(charset)))
        except (LookupError, UnicodeDecodeError):
            raise BadPayload(f"form field {name!r} is not {charset} text") from None
    return pairs


def load_object(body: bytes, headers: Mapping[str, str], vendor: str) -> dict[str, Any]:
    """JSON object or form, by Content-Type (a body starting with `{` is JSON)."""
    kind = media_type(headers)
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return load_form(body, headers)
    if kind.endswith("json") or body.lstrip()[:1] == b"{":
        return load_json_object(body, vendor)
    return load_form(body, headers)


# -- typed access with paths in the error ---------------------------------------


def get_obj(doc: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any] | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise UnexpectedShape(f"{_path(where, key)} is missing")
        return None
    if not isinstance(value, dict):
        raise UnexpectedShape(f"{_path(where, key)} must be an object, got {_kind(value)}")
    return value


def get_list(doc: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> list[Any] | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise UnexpectedShape(f"{_path(where, key)} is missing")
        return None
    if not isinstance(value, list):
        raise UnexpectedShape(f"{_path(where, key)} must be a list, got {_kind(value)}")
    return value


def get_str(doc: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    """A string (numbers accepted and written as text; empty -> None)."""
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise UnexpectedShape(f"{_path(where, key)} is missing")
        return None
    if isinstance(value, bool):
        raise UnexpectedShape(f"{_path(where, key)} must be text, got a boolean")
    if isinstance(value, (int, float)):
        return _number(value)
    if not isinstance(value, str):
        raise UnexpectedShape(f"{_path(where, key)} must be text, got {_kind(value)}")
    return value


def objects(items: list[Any], where: str) -> Iterable[tuple[int, dict[str, Any]]]:
    """(index, item) for a list that must hold objects."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UnexpectedShape(f"{where}[{i}] must be an object, got {_kind(item)}")
        yield i, item


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


# -- values -> text ---------------------------------------------------------------


def clean(text: str) -> str:
    """A value as a person would read it: HTML stripped, outer whitespace trimmed.

    Markup that arrives entity-escaped (`&lt;b&gt;`, as some form add-ons send
    it) shows up as tags after one pass and is stripped by a second.
    """
    plain = to_text(text)
    if plain != text and has_markup(plain):
        plain = to_text(plain)
    return plain.strip()


def scalar_text(value: Any) -> str | None:
    """Text of a scalar or a list of scalars (checkboxes joined with ", "); None otherwise.

    Objects (file uploads, payment blocks, matrices) give None: they are
    skipped, never guessed at.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return clean(value) or None
    if isinstance(value, list):
        parts = [scalar_text(v) for v in value if not isinstance(v, (list, dict))]
        joined = ", ".join(p for p in parts if p)
        return joined or None
    return None


def check_fields(fields: Mapping[str, str], vendor: str) -> None:
    if len(fields) > MAX_FIELDS:
        raise BadPayload(f"{vendor} body has more than {MAX_FIELDS} fields")
    for label, value in fields.items():
        if len(value) > MAX_VALUE_CHARS or len(label) > MAX_VALUE_CHARS:
            raise BadPayload(f"field {label[:80]!r} is longer than {MAX_VALUE_CHARS} characters")


def add_field(fields: dict[str, str], label: str, value: str | None) -> str | None:
    """Add a field, numbering a repeated label ("Comments (2)"); the label used, or None."""
    if value is None or not value.strip():
        return None
    label = label.strip() or "field"
    final, n = label, 2
    while final in fields:
        final, n = f"{label} ({n})", n + 1
    fields[final] = value
    return final


# -- time -----------------------------------------------------------------------------

_DIGITS = re.compile(r"^[0-9]{9,16}(\.[0-9]+)?$")


def iso_time(value: Any) -> str | None:
    """A vendor time as ISO 8601 UTC (`2026-03-10T14:05:00Z`).

    Accepts epoch seconds or milliseconds (numbers or digit strings) and ISO
    strings with an offset or `Z`; a string it cannot read is kept as sent,
    because it is still what the vendor said.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        value = float(value)
    if isinstance(value, (int, float)):
        seconds = float(value) / 1000 if value > 1e11 else float(value)
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return _format(moment)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(
            text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
        )
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text  # no zone given: keep the vendor's words rather than guess one
    try:
        return _format(moment.astimezone(UTC))
    except (OverflowError, ValueError):
        return text


def _format(moment: datetime) -> str:
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")
