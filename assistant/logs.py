"""Structured logs: one JSON object a line, with the request's id, and nothing personal or secret.

- **Request ids.** An `X-Request-Id` sent by the client or a proxy is kept
  when it looks like an id (1 to 128 letters, digits and `._:-`), otherwise a
  new one is made; it is echoed on the response and carried by every line
  logged while the request is handled (a `ContextVar`, so the threads of a
  gunicorn gthread worker never mix them up).
- **Access lines.** One per request on the `qualifier.access` logger: method,
  path (never the query string, which may hold a webhook's `?token=`),
  status, duration, client address, endpoint. Health checks and scrapes are
  logged at DEBUG.
- **Redaction** happens in the formatter, so it covers every logger (ours,
  Flask, SQLAlchemy, Werkzeug's development server): emails, phone numbers
  and card-like numbers go through `intents.llm.redact`, the same function
  that cleans text before it is sent to an LLM; the values of configured
  secrets (API tokens, webhook secrets, the session key, `OPENAI_API_KEY`)
  become `[secret]`; `Bearer ...`, `token=...`-style parameters, OpenAI-style
  keys and passwords in URLs become `[redacted]`. Messages, exception
  tracebacks (SQLAlchemy puts statement parameters in its messages) and extra
  fields are all cleaned.
- **Installation.** `init_app` adds one handler to the root logger per
  process (`QUALIFIER_LOG_LEVEL`, `QUALIFIER_LOG_FORMAT=json|text`), except
  under `TESTING`, where a test installs it with `install(stream)`.

python-json-logger was considered: it would add a dependency for the twenty
lines of `JsonFormatter`, and the redaction would still be ours; structlog
would change how every module logs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
import weakref
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from intents.llm import redact

if TYPE_CHECKING:
    from flask import Flask, Response

REQUEST_ID_HEADER = "X-Request-Id"
ACCESS_LOGGER = "qualifier.access"
QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "health.metrics"})
MIN_SECRET_LENGTH = 6  # shorter values would blank out ordinary words
_MARKER = "_qualifier_handler"

_request_id: ContextVar[str | None] = ContextVar("qualifier_request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Attributes every LogRecord has; anything else on a record is an `extra` field.
# Loggers whose INFO lines say nothing an operator acts on (Alembic lists every plugin it sets
# up at each start); they are heard at DEBUG.
CHATTY_LOGGERS = ("alembic.runtime.plugins",)
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
# Secret-looking values whatever the configuration: (pattern, replacement).
_SECRET_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}"), r"\1 [redacted]"),
    (
        re.compile(
            r"(?i)\b((?:access_|api_|auth_|refresh_)?token|secret|password|passwd|api_?key|signature|sig)"
            r"(\"?\s*[=:]\s*\"?)[^\s&\"',;}]{2,}"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "[redacted]"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/\s@]{1,128}):[^@/\s]{1,256}@"), r"\1:[redacted]@"),
)


def current_request_id() -> str | None:
    """The id of the request being handled in this thread, if any."""
    return _request_id.get()


class Scrubber:
    """Removes secrets and personal data from a log text."""

    def __init__(self) -> None:
        self._apps: weakref.WeakSet[Flask] = weakref.WeakSet()
        self._env_secrets: tuple[str, ...] = _env_secrets()

    def watch(self, app: Flask) -> None:
        """Also hide this app's configured secrets."""
        self._apps.add(app)
        self._env_secrets = _env_secrets()

    def secrets(self) -> list[str]:
        found = set(self._env_secrets)
        for app in list(self._apps):
            found.update(_app_secrets(app))
        return sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets():
            if secret in text:
                text = text.replace(secret, "[secret]")
        for pattern, replacement in _SECRET_PATTERNS:
            text = pattern.sub(replacement, text)
        return redact(text)


def _env_secrets() -> tuple[str, ...]:
    names = ("OPENAI_API_KEY", "QUALIFIER_SECRET_KEY")
    found = [os.environ.get(name, "") for name in names]
    found += [v for k, v in os.environ.items() if k.startswith("QUALIFIER_SECRET_")]
    found += os.environ.get("QUALIFIER_API_TOKENS", "").split(",")
    return tuple(v.strip() for v in found if v.strip())


def _app_secrets(app: Flask) -> list[str]:
    found: list[str] = []
    runtime = app.extensions.get("qualifier")
    if runtime is not None:
        found += list(runtime.settings.api_tokens)
        found += list(runtime.settings.webhook_secrets.values())
    for key in ("SECRET_KEY", "OPENAI_API_KEY"):
        value = app.config.get(key)
        if isinstance(value, str):
            found.append(value)
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, extras, exception."""

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self.scrub = scrubber

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.scrub(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = self._clean(value)
        if record.exc_info:
            entry["exception"] = self.scrub(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.scrub(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)

    def _clean(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.scrub(value if isinstance(value, str) else str(value))


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal, cleaned the same way.

    The message, traceback and stack are cleaned; the time, level, logger and
    request id are ours and left as they are (a timestamp has enough digits
    to pass for a phone number).
    """

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.scrub = scrubber

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = _request_id.get()
        return f"[{request_id}] {line}" if request_id else line

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        message = record.message
        record.message = self.scrub(message)
        try:
            return super().formatMessage(record)
        finally:
            record.message = message

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return self.scrub(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return self.scrub(super().formatStack(stack_info))


def install(stream: IO[str] | None = None, level: str = "INFO", fmt: str = "json") -> logging.Handler:
    """Add this module's handler to the root logger (once per process); returns it."""
    existing = installed()
    if existing is not None:
        return existing
    scrubber = Scrubber()
    # The process's own stderr, not whatever `sys.stderr` is swapped for at the time (a CLI test
    # runner's capture would be closed after the command, and its output is the command's).
    handler = logging.StreamHandler(stream or sys.__stderr__ or sys.stderr)
    handler.setFormatter(JsonFormatter(scrubber) if fmt == "json" else TextFormatter(scrubber))
    setattr(handler, _MARKER, scrubber)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    if root.getEffectiveLevel() > logging.DEBUG:
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def installed() -> logging.Handler | None:
    return next((h for h in logging.getLogger().handlers if getattr(h, _MARKER, None)), None)


def uninstall(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)


def init_app(app: Flask) -> None:
    """Request ids and access lines for this app; the JSON handler unless testing."""
    settings = app.extensions["qualifier"].settings
    handler = installed()
    if handler is None and not app.testing:
        handler = install(level=settings.log_level, fmt=settings.log_format)
    if handler is not None:
        getattr(handler, _MARKER).watch(app)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)


def _begin() -> None:
    from flask import g, request

    supplied = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = supplied if _VALID_REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
    g.request_id = request_id
    g.request_id_token = _request_id.set(request_id)
    g.log_started = time.perf_counter()


def _finish(response: Response) -> Response:
    from flask import g, request

    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("log_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    level = logging.DEBUG if request.endpoint in QUIET_ENDPOINTS else logging.INFO
    logging.getLogger(ACCESS_LOGGER).log(
        level,
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
            "endpoint": request.endpoint,
        },
    )
    return response


def _end(_exc: BaseException | None) -> None:
    from flask import g

    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:  # torn down in another context (a test client kept the context open)
            _request_id.set(None)
