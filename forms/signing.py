"""Signature checks shared by the adapters: HMACs, constant-time comparison, replay windows.

Each signing adapter's `verify(body, headers, secret, *, now=None)` raises
`BadSignature` (401) when the signature is missing, wrong or outside its time
window, and returns None when it is good. `secret` is the per-source secret from
configuration (`QUALIFIER_SECRET_<SOURCE>`); a None or empty secret is refused,
never treated as "anything goes". `now` is the current time in epoch seconds;
the web layer passes it, and only when it is None does `verify` read the clock
(`clock(now)`), so tests and replays are reproducible.

Schemes that sign more than the body. HubSpot v3 signs the request method and
the full URL. Adapters see only (body, headers), so the webhook layer adds two
pseudo-headers before calling `verify`:

    X-Qualifier-Method: POST
    X-Qualifier-Url:    https://HOST/webhooks/hubspot?token=...   (the URL HubSpot called)

`METHOD_HEADER` and `URL_HEADER` name them. The web layer must set them itself
and drop any copy a client sent. Behind a proxy, the URL is the public one the
vendor called, so it must be rebuilt from the trusted forwarding headers.

Comparison is `hmac.compare_digest` on bytes, always. Hex digests are compared
case-insensitively, and base64 digests are decoded first, so padding and URL-safe
alphabets don't matter. The timestamp window is symmetric (a clock ahead is as
suspect as one behind) and five minutes unless a vendor documents another.
Written on the standard library (`hmac`, `hashlib`, `base64`): each vendor's
recipe is three lines, and no webhook-verification package covers these vendors.
Freshchat's RSA signature uses the `cryptography` package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from datetime import datetime

from .body import header
from .errors import BadSignature

METHOD_HEADER = "X-Qualifier-Method"
URL_HEADER = "X-Qualifier-Url"
TOLERANCE_SECONDS = 300
_EPOCH = re.compile(r"^[0-9]{1,16}$")


def clock(now: float | None) -> float:
    """The time to judge a timestamp against: the caller's `now`, else the system clock."""
    return time.time() if now is None else float(now)


def need_secret(secret: str | None, source: str) -> bytes:
    if not secret:
        raise BadSignature(
            f"no secret is configured for {source}: "
            f"set QUALIFIER_SECRET_{source.upper()} to check its signatures"
        )
    return secret.encode("utf-8")


def need_header(headers: Mapping[str, str], name: str) -> str:
    value = header(headers, name)
    if value is None or not value.strip():
        raise BadSignature(f"missing {name} header")
    return value.strip()


def mac(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, getattr(hashlib, algorithm)).digest()


def same(expected: bytes, given: bytes) -> bool:
    return hmac.compare_digest(expected, given)


def check_hex(expected: bytes, given: str, what: str) -> None:
    """`given` is the hex of `expected` (any case), else BadSignature."""
    candidate = given.strip().lower().encode("utf-8", "replace")
    if not same(expected.hex().encode("ascii"), candidate):
        raise BadSignature(f"{what} does not match the body")


def check_base64(expected: bytes, given: str, what: str) -> None:
    """`given` is base64 (standard or URL-safe) of `expected`, else BadSignature."""
    decoded = b64decode(given)
    if decoded is None or not same(expected, decoded):
        raise BadSignature(f"{what} does not match the body")


def b64decode(text: str) -> bytes | None:
    raw = text.strip()
    raw = raw + "=" * (-len(raw) % 4)
    try:
        if "-" in raw or "_" in raw:
            return base64.urlsafe_b64decode(raw.encode("ascii"))
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def strip_prefix(value: str, prefix: str, what: str) -> str:
    """`sha256=abc` -> `abc`; a missing or different prefix is a bad signature."""
    if not value.lower().startswith(prefix.lower()):
        raise BadSignature(f"{what} must start with {prefix!r}")
    return value[len(prefix) :]


def parse_timestamp(value: str, what: str) -> float:
    """Epoch seconds from seconds, milliseconds or an ISO 8601 time with a zone."""
    text = value.strip()
    if _EPOCH.match(text):
        number = float(text)
        return number / 1000 if number > 1e11 else number
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise BadSignature(f"{what} has no time zone")
        return moment.timestamp()
    except (ValueError, OverflowError):
        raise BadSignature(f"{what} is not a timestamp") from None


def check_fresh(timestamp: float, now: float | None, what: str, tolerance: float = TOLERANCE_SECONDS) -> None:
    """Refuse a signed timestamp more than `tolerance` seconds away from now (replays)."""
    drift = clock(now) - timestamp
    if abs(drift) > tolerance:
        direction = "old" if drift > 0 else "in the future"
        raise BadSignature(
            f"{what} is {abs(int(drift))} s {direction}; the window is {int(tolerance)} s (replay?)"
        )
