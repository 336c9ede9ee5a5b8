"""What to send when a lead is routed, and when to try again; nothing is sent here.

Payload builders for the three kinds of `[[notify.targets]]`:

- `slack_request`: a Slack incoming-webhook POST carrying the brief's Block Kit
  JSON (`render(brief, "slack")`), mentioning the assigned SDR when asked.
- `email_message`: an `email.message.EmailMessage`, multipart/alternative with
  the plain-text brief and the HTML brief, for `smtplib`.
- `signed_request`: a JSON event for CRMs and automation tools, signed like
  Stripe and Slack sign theirs: HMAC-SHA256 over `"{timestamp}.{body}"`, sent as
  `X-Qualifier-Timestamp: <unix seconds>` and
  `X-Qualifier-Signature: v1=<hex>` (several `v1=` values, comma-separated,
  while a secret is rotated). `verify_signature` is the receiver's side.

And the retry rules: `outcome` sorts an HTTP status or SMTP reply code into
done / retry / give up; `backoff` is exponential backoff with jitter drawn from
the random source passed in (a seeded `random.Random` in tests), honouring
`Retry-After`. `assistant.delivery` does the sending and records every attempt.
Standard library only (`hmac`, `email`, `json`): no client library adds anything
to a POST and an `EmailMessage`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from markupsafe import escape

from .assign import Assignment
from .brief import Brief, render
from .roster import ASSIGNEE, Retry, Target

TIMESTAMP_HEADER = "X-Qualifier-Timestamp"
SIGNATURE_HEADER = "X-Qualifier-Signature"
EVENT_HEADER = "X-Qualifier-Event"
DELIVERY_HEADER = "X-Qualifier-Delivery"
SIGNATURE_VERSION = "v1"
USER_AGENT = "inbound-qualifier"
DONE, RETRY, GIVE_UP = "done", "retry", "give_up"


class SignatureError(ValueError):
    """A signed webhook's signature or timestamp does not check out."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"


# --------------------------------------------------------------------------- Slack


def slack_payload(brief: Brief, *, mention: bool = True) -> dict[str, Any]:
    """The Block Kit message of a brief for an incoming webhook."""
    return json.loads(render(brief, "slack", mention=mention))


def slack_request(brief: Brief, url: str, *, mention: bool = True) -> HttpRequest:
    body = json.dumps(slack_payload(brief, mention=mention), ensure_ascii=False).encode("utf-8")
    return HttpRequest(
        url, body, {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    )


# --------------------------------------------------------------------------- email


def recipients(target: Target, assignment: Assignment | None) -> tuple[str, ...]:
    """An email target's addresses, with "assignee" replaced by the assigned SDR's (dropped when none)."""
    found: list[str] = []
    for address in target.to:
        if address == ASSIGNEE:
            sdr = assignment.sdr if assignment else None
            if sdr and sdr.email:
                found.append(sdr.email)
        else:
            found.append(address)
    return tuple(dict.fromkeys(found))


def email_message(
    brief: Brief,
    *,
    sender: str,
    to: Sequence[str],
    now: datetime,
    message_id: str | None = None,
    inquiry_url: str | None = None,
) -> EmailMessage:
    """The brief as an email: plain text first, HTML as the alternative."""
    if not to:
        raise ValueError("an email needs at least one recipient")
    message = EmailMessage()
    message["Subject"] = brief.headline
    message["From"] = _address(sender)
    message["To"] = [_address(a) for a in to]
    message["Date"] = format_datetime(now)
    if message_id:
        message["Message-ID"] = message_id
    message["X-Qualifier-Route"] = brief.route
    text = render(brief, "text")
    html = render(brief, "html")
    if inquiry_url:
        text += f"\nOpen the lead: {inquiry_url}\n"
    message.set_content(text)
    message.add_alternative(_html_document(brief, html, inquiry_url), subtype="html")
    return message


def _address(text: str) -> Address:
    name, addr = parseaddr(text)
    if "@" not in addr:
        raise ValueError(f"not an email address: {text!r}")
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def _html_document(brief: Brief, fragment: str, inquiry_url: str | None) -> str:
    # The fragment is the autoescaped template output; the link is ours (the service's own URL).
    link = ""
    if inquiry_url and inquiry_url.startswith(("https://", "http://")):
        link = f'<p><a href="{escape(inquiry_url)}">Open the lead</a></p>'
    title = escape(brief.headline)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n{fragment}{link}\n</body></html>\n"
    )


# --------------------------------------------------------------------------- signed webhook


def lead_event(
    brief: Brief,
    *,
    inquiry_id: str,
    now: datetime,
    event: str = "lead.routed",
    inquiry_url: str | None = None,
) -> dict[str, Any]:
    """The JSON event a CRM or automation tool receives for a routed lead."""
    return {
        "event": event,
        "occurred_at": now.isoformat(),
        "inquiry": {"id": inquiry_id, "url": inquiry_url},
        "route": brief.route,
        "redirect_to": brief.redirect_to,
        "score": brief.score,
        "brief": brief.to_json(),
        "brief_markdown": render(brief, "markdown"),
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex>`: HMAC-SHA256 of `"{timestamp}.".encode() + body` with the shared secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_request(
    url: str,
    payload: Mapping[str, Any] | bytes,
    secret: str,
    *,
    timestamp: int,
    delivery_id: str | None = None,
) -> HttpRequest:
    """A POST of `payload` (JSON, or bytes as they are) signed for `verify_signature`."""
    if not secret:
        raise ValueError("a signed webhook needs a secret")
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    if isinstance(payload, Mapping) and isinstance(payload.get("event"), str):
        headers[EVENT_HEADER] = payload["event"]
    if delivery_id:
        headers[DELIVERY_HEADER] = delivery_id
    return HttpRequest(url, body, headers)


def verify_signature(
    body: bytes, headers: Mapping[str, str], secret: str, *, now: int, tolerance_seconds: int = 300
) -> None:
    """Raise `SignatureError` unless a `v1` signature matches and the timestamp is recent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    if not stamp.isdigit():
        raise SignatureError(f"missing or malformed {TIMESTAMP_HEADER}")
    if abs(now - int(stamp)) > tolerance_seconds:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance_seconds} s from now")
    expected = signature(secret, int(stamp), body)
    offered = [part.strip() for part in lowered.get(SIGNATURE_HEADER.lower(), "").split(",")]
    if not any(
        hmac.compare_digest(expected, part) for part in offered if part.startswith(f"{SIGNATURE_VERSION}=")
    ):
        raise SignatureError("signature does not match")


# --------------------------------------------------------------------------- retries


def outcome(status: int | None) -> str:
    """done, retry or give_up for an HTTP status; None means no answer (network error, timeout).

    Retried: no answer, 408, 425, 429 and 5xx. Any other 4xx is permanent (a
    revoked Slack webhook answers 403/404/410; retrying changes nothing).
    """
    if status is None:
        return RETRY
    if 200 <= status < 300:
        return DONE
    if status in (408, 425, 429) or 500 <= status < 600:
        return RETRY
    return GIVE_UP


def smtp_outcome(code: int | None) -> str:
    """done, retry or give_up for an SMTP reply code (None: could not connect). 4xx is transient."""
    if code is None or 400 <= code < 500:
        return RETRY
    if 200 <= code < 400:
        return DONE
    return GIVE_UP


def backoff(retry: Retry, attempt: int, rng: random.Random, retry_after: float | None = None) -> float | None:
    """Seconds to wait after failed attempt number `attempt` (1 = the first), or None when none are left.

    base * factor**(attempt - 1), capped at max_seconds, then spread by ±jitter
    so that many failed deliveries do not retry in step; a server's
    Retry-After wins when it asks for longer (still capped).
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    if attempt >= retry.attempts:
        return None
    delay = min(retry.max_seconds, retry.base_seconds * retry.factor ** (attempt - 1))
    delay *= 1 + rng.uniform(-retry.jitter, retry.jitter)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return round(min(max(delay, 0.0), retry.max_seconds), 3)


def schedule(retry: Retry, rng: random.Random) -> tuple[float, ...]:
    """Every wait between attempts when each one fails: len == attempts - 1."""
    waits = []
    attempt = 1
    while (delay := backoff(retry, attempt, rng)) is not None:
        waits.append(delay)
        attempt += 1
    return tuple(waits)
