"""Rate limits on the public endpoints: webhooks, the chat API and dashboard sign-in.

Flask-Limiter counts; this module says what is limited, by what key and how
much. Each bucket is its own counter, so a burst of webhooks never uses up the
chat's allowance and the reverse:

| bucket          | endpoint                                 | counted per              | default                 |
| --------------- | ---------------------------------------- | ------------------------ | ----------------------- |
| `webhooks`      | `POST /webhooks/<source>`                | source and client address | `100/second;3000/minute` |
| `chat_sessions` | `POST /api/chat/sessions`                | client address           | `20/minute;200/hour`    |
| `chat_messages` | `POST /api/chat/sessions/<id>/messages`  | client address           | `60/minute;1000/hour`   |
| `sign_in`       | `POST /dashboard/sign-in`                | client address           | `10/minute;60/hour`     |

The webhook default lets a vendor replay a backlog at 100 a second and keep
up 50 a second for a minute; vendors that retry on 429 (most do) then simply
slow down. Sign-in has a second, finer throttle in `auth.py` (failures per
email and per address, kept in the database); this one only caps the rate of
attempts from one address, before any password is hashed.

Configuration, first found wins: the environment (`QUALIFIER_LIMIT_WEBHOOKS`,
`QUALIFIER_LIMIT_CHAT_SESSIONS`, `QUALIFIER_LIMIT_CHAT_MESSAGES`,
`QUALIFIER_LIMIT_SIGN_IN`), the policy's `[limits]` table (same names in
lower case, plus `[limits.sources]`: a limit per webhook source), the defaults
above. A value is a `limits` rate string ("100/second;3000/minute", "5 per
minute") or "off". `RATELIMIT_ENABLED = False` in the app config switches all
of them off (load benchmarks do this).

Storage: in memory by default (counts are then per process: with N gunicorn
workers a client gets up to N times the limit), Redis in queue mode
(`QUALIFIER_REDIS_URL`), shared by every worker. If Redis stops answering,
counting falls back to memory rather than refusing requests: a lost lead
costs more than a missed limit. The client address is `request.remote_addr`,
which behind a reverse proxy is right only with `QUALIFIER_TRUSTED_PROXIES`
set (`security.py`).

A limited request gets 429 `{"error": ...}` with `Retry-After` in seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app, request
from flask_limiter import Limit, Limiter

import forms

if TYPE_CHECKING:
    from flask import Flask, Response

    from .config import Settings

EXTENSION = "qualifier_limits"
STRATEGY = "sliding-window-counter"  # smooth like a moving window, two counters per key like a fixed one
OFF = "off"
DEFAULTS: Mapping[str, str] = {
    "webhooks": "100/second;3000/minute",
    "chat_sessions": "20/minute;200/hour",
    "chat_messages": "60/minute;1000/hour",
    "sign_in": "10/minute;60/hour",
}
# Flask endpoint -> bucket. Only POSTs are counted (preflights and pages are free).
ENDPOINTS: Mapping[str, str] = {
    "webhooks.receive": "webhooks",
    "chat.start_session": "chat_sessions",
    "chat.post_message": "chat_messages",
    "dashboard.sign_in": "sign_in",
}
MESSAGES: Mapping[str, str] = {
    "webhooks": "too many webhooks for source {source!r} from your address",
    "chat_sessions": "too many chat sessions started from your address",
    "chat_messages": "too many chat messages from your address",
    "sign_in": "too many sign-in attempts from your address",
}


class LimitsError(ValueError):
    """A `[limits]` value in the policy is wrong; the message names the key."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The limit of each bucket ("" when off) and per-source webhook limits."""

    buckets: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    sources: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, policy_raw: Mapping[str, Any]) -> RateLimits:
        table = policy_raw.get("limits", {})
        if not isinstance(table, Mapping):
            raise LimitsError("limits: must be a table")
        unknown = sorted(set(table) - {*DEFAULTS, "sources"})
        if unknown:
            raise LimitsError(
                f"limits.{unknown[0]}: unknown key; known keys: {', '.join([*DEFAULTS, 'sources'])}"
            )
        from_env = {
            "webhooks": settings.limit_webhooks,
            "chat_sessions": settings.limit_chat_sessions,
            "chat_messages": settings.limit_chat_messages,
            "sign_in": settings.limit_sign_in,
        }
        buckets = {}
        for name, default in DEFAULTS.items():
            value = from_env[name]
            if value is None:
                value = _checked(table.get(name, default), f"limits.{name}")
            buckets[name] = "" if value == OFF else value
        sources_table = table.get("sources", {})
        if not isinstance(sources_table, Mapping):
            raise LimitsError('limits.sources: must be a table of source = "limit"')
        sources = {}
        for source, value in sources_table.items():
            checked = _checked(value, f"limits.sources.{source}")
            sources[str(source)] = "" if checked == OFF else checked
        return cls(buckets=buckets, sources=sources)

    def limit_for(self, endpoint: str | None, method: str, view_args: Mapping[str, Any] | None) -> str:
        """The limit string that applies to this request, "" for none."""
        bucket = ENDPOINTS.get(endpoint or "")
        if bucket is None or method != "POST":
            return ""
        if bucket == "webhooks":
            source = str((view_args or {}).get("source", ""))
            if source in self.sources:
                return self.sources[source]
        return self.buckets[bucket]


def _checked(value: Any, key: str) -> str:
    from limits import parse_many

    if not isinstance(value, str) or not value.strip():
        raise LimitsError(f'{key}: must be a rate limit such as "100/second;3000/minute" or "off"')
    value = value.strip()
    if value.lower() == OFF:
        return OFF
    try:
        parse_many(value)
    except ValueError:
        raise LimitsError(f'{key}: not a rate limit: {value!r} (try "100/second;3000/minute")') from None
    return value


def client_address() -> str:
    return request.remote_addr or "unknown"


def _key() -> str:
    """The counter key: the client address, and for webhooks the source too."""
    if request.endpoint == "webhooks.receive":
        source = str((request.view_args or {}).get("source", ""))
        # Unknown sources share one bucket: made-up names must not each open a fresh allowance.
        return f"{source if source in forms.ADAPTERS else '?'}|{client_address()}"
    return client_address()


def _limit() -> str:
    limits: RateLimits = current_app.extensions[EXTENSION].limits
    return limits.limit_for(request.endpoint, request.method, request.view_args)


def _message() -> str:
    bucket = ENDPOINTS.get(request.endpoint or "", "")
    text = MESSAGES.get(bucket, "too many requests").format(source=(request.view_args or {}).get("source"))
    return f"rate limited: {text}; try again after the number of seconds in Retry-After"


@dataclass(frozen=True, slots=True)
class LimitsState:
    limits: RateLimits
    limiter: Limiter
    storage_uri: str


def init_app(app: Flask) -> None:
    """Count requests to the limited endpoints (call after the blueprints are registered)."""
    from .policy import PolicyFileError, policy_path

    runtime = app.extensions["qualifier"]
    settings: Settings = runtime.settings
    try:
        limits = RateLimits.build(settings, runtime.policy.raw)
    except LimitsError as exc:
        raise PolicyFileError(f"{policy_path(settings.policy_file) or 'policy'}: {exc}") from None
    storage_uri = settings.redis_url if settings.queue_mode else "memory://"
    rule = Limit(_limit, key_function=_key, error_message=_message)
    limiter = Limiter(
        key_func=_key,
        default_limits=[rule],
        storage_uri=storage_uri,
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if settings.queue_mode else {},
        strategy=STRATEGY,
        key_prefix="qualifier",
        headers_enabled=False,  # Retry-After is set below, on 429s only
        swallow_errors=True,
        in_memory_fallback=[Limit(_limit, key_function=_key, error_message=_message)],
        in_memory_fallback_enabled=True,
    )
    app.extensions[EXTENSION] = LimitsState(limits, limiter, storage_uri)
    limiter.init_app(app)
    app.after_request(_retry_after)


def _retry_after(response: Response) -> Response:
    if response.status_code != 429:
        return response
    state: LimitsState | None = current_app.extensions.get(EXTENSION)
    current = state.limiter.current_limit if state is not None else None
    if current is None or not current.breached:
        return response  # a 429 of another kind (a conversation too long, sign-in throttling)
    try:
        # `reset_at` is rounded up to the next whole second and then one more; the window's
        # own reset time is exact, so a window that turns in 59.9 s is not announced as 61.
        seconds = max(1, math.ceil(current.window.reset_time - time.time()))
    except Exception:  # noqa: BLE001 - the storage went away: a conservative guess
        seconds = 60
    response.headers["Retry-After"] = str(seconds)
    return response
