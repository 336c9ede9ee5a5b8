"""`POST /webhooks/<source>`: check, store, acknowledge, qualify.

In order: the source must exist (404); the body must fit the limit (413, by
Content-Length and by what is actually read) and be JSON, form-urlencoded or
multipart (415); its authenticity is checked (401); then the body is parsed
in memory and one commit stores the raw body with what parsing made of it
(`pipeline.take_in`): the inquiry and its contact (a chat delivery joins its
conversation's inquiry: `conversations.py`), or the reason it was refused (400
malformed, 422 unexpected shape: the event stays stored as `rejected`; a
delivery that is not an inquiry, such as Intercom's `ping`, is stored as
`ignored` and answered 202 `{"status": "ignored", "reason"}`). Nothing is
answered before that commit. Then the inquiry is qualified:

- default mode: in this request when this process is not already analysing
  something, answering 202 `{"id", "status", "url", "route"}`; otherwise
  (a burst) by this process's background thread, answering 202 `{"id",
  "status": "received", "url"}` at once. Either way the notifications are
  sent after the answer (`queue.LocalWork`).
- queue mode (`QUALIFIER_REDIS_URL`): the event is handed to this process's
  relay, which enqueues RQ jobs after the commit (outbox; `queue.Relay`), and
  the answer is 202 `{"id", "status": "received", "url"}`.

A repeat answers the first delivery's id with `"duplicate": true`. Whatever
happens after the commit, the event is claimed by this request, so a crash
leaves it for the sweep (`pipeline.process_pending`) once the claim is stale.

Authenticity, per source:
- the adapter verifies signatures and `QUALIFIER_SECRET_<SOURCE>` is set: the
  signature must verify (`forms.BadSignature` -> 401). A delivery without the
  vendor's signature header may instead carry the secret as `?token=` (or
  `X-Qualifier-Token`): set-ups of signing vendors that send no signature
  (Webflow dashboard webhooks, HubSpot workflows without an app, Chatwoot
  before 4.x). A delivery whose signature is wrong is refused, token or not;
- the adapter verifies signatures but no secret is set: accepted, with a
  warning logged once per process, so a development setup works before the
  vendor's secret is configured (set the secret in production);
- the adapter does not sign and a secret is set: `?token=SECRET` (or the
  header `X-Qualifier-Token`) must match, compared in constant time;
- neither: accepted.

Adapters see only the body and the headers; the webhook layer adds the
pseudo-headers `X-Qualifier-Method` and `X-Qualifier-Url` (the public URL the
vendor called, as `QUALIFIER_TRUSTED_PROXIES` lets the request tell it) for
schemes that sign the method and URL (HubSpot v3), after dropping any copy a
client sent, and passes `now` so signature windows follow the service's
clock. Tests set that clock with the app config key `CLOCK` (a function
returning an aware datetime).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import Headers

import forms
from forms.signing import METHOD_HEADER, URL_HEADER

from . import db, intake, models, pipeline, queue
from .errors import ClientError

if TYPE_CHECKING:
    from . import Runtime

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

ACCEPTED_MIMETYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
TOKEN_HEADER = "X-Qualifier-Token"  # noqa: S105 - a header name, not a secret
PSEUDO_HEADERS = (METHOD_HEADER, URL_HEADER)


@bp.record_once
def _set_up(state: Any) -> None:
    queue.init_app(state.app)


@bp.post("/webhooks/<source>")
def receive(source: str) -> tuple[Response, int]:
    runtime = current_app.extensions["qualifier"]
    settings = runtime.settings
    adapter = forms.get_adapter(source)  # UnknownSource -> 404
    limit = settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ClientError(413, f"body too large: {request.content_length} bytes, the limit is {limit}")
    if not _accepted_mimetype(request.mimetype):
        raise ClientError(
            415,
            f"unsupported content type {request.mimetype or '(none)'!r}; "
            f"send one of {', '.join(ACCEPTED_MIMETYPES)}",
        )
    body = request.get_data(cache=False)  # Werkzeug stops reading past MAX_CONTENT_LENGTH (413)
    if len(body) > limit:
        raise ClientError(413, f"body too large: the limit is {limit} bytes")
    now = _clock()()
    _check_authenticity(runtime, source, adapter, body, now)
    with queue.local_work(current_app).intake():  # this process's background analysis gives way
        return _take_in(runtime, source, body, now)


def _take_in(runtime: Runtime, source: str, body: bytes, now: datetime) -> tuple[Response, int]:
    """Store, parse, then qualify here, defer, or enqueue (see the module docstring)."""
    settings = runtime.settings
    session = db.get_session()
    token = pipeline.new_claim_token()
    stored_at = time.perf_counter()
    stored, accepted = pipeline.take_in(
        session,
        source=source,
        body=body,
        headers=dict(request.headers.items()),
        idempotency_key=_idempotency_key(),
        now=now,
        token=token,
        policy=runtime.policy,
        settings=settings,
    )
    if accepted is None:
        return _acknowledge(stored.inquiry_id, duplicate=True)
    if accepted.status == "rejected":
        raise ClientError(accepted.error_status or 400, accepted.error or "the body could not be read")
    if accepted.status == "ignored":
        return jsonify(status="ignored", reason=accepted.error), 202
    if accepted.status == "duplicate":
        return _acknowledge(accepted.duplicate_of or accepted.inquiry_id, duplicate=True)
    if accepted.status == "failed":
        log.error("reading %s failed: %s", accepted.inquiry_id, accepted.error)
        return _acknowledge(accepted.inquiry_id)
    if accepted.status != "accepted":  # unchanged (a chat delivery with nothing new), skipped
        return _acknowledge(accepted.inquiry_id)

    if settings.queue_mode:
        queue.enqueue(current_app, stored.raw_event_id, token, accepted.inquiry_id)  # sent after the answer
        return _received(accepted.inquiry_id)
    work = queue.local_work(current_app)
    with work.inline_slot() as free:
        if free:
            outcome = pipeline.qualify_event(
                session,
                stored.raw_event_id,
                accepted.inquiry_id,
                runtime.policy,
                settings,
                now=_clock()(),
                token=token,
                deliver=False,
                started=stored_at,
            )
            _count(runtime, outcome, time.perf_counter() - stored_at)
            if outcome.status == "processed":
                work.after_response(outcome.inquiry_id, outcome.route)
                return _answer(outcome.inquiry_id, "processed", outcome.route)
            if outcome.status == "failed":
                return _answer(outcome.inquiry_id, "failed", None)
            return _acknowledge(outcome.inquiry_id)
    work.defer(stored.raw_event_id, token, stored_at, accepted.inquiry_id)
    return _received(accepted.inquiry_id)


def _clock() -> Callable[[], datetime]:
    return current_app.config.get("CLOCK") or (lambda: datetime.now(UTC))


def _count(runtime: Runtime, outcome: pipeline.Outcome, seconds: float) -> None:
    if outcome.status == "processed":
        runtime.metrics.processing_seconds.observe(seconds)
        runtime.metrics.processed.labels(outcome.route or "none").inc()
    elif outcome.status == "failed":
        log.error("processing of %s failed: %s", outcome.inquiry_id, outcome.error)


def _accepted_mimetype(mimetype: str) -> bool:
    return mimetype in ACCEPTED_MIMETYPES or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _check_authenticity(
    runtime: Runtime, source: str, adapter: forms.Adapter, body: bytes, now: datetime
) -> None:
    secret = runtime.settings.webhook_secrets.get(source)
    supplied = request.args.get("token") or request.headers.get(TOKEN_HEADER)
    if adapter.verify is not None:
        if not secret:
            if source not in runtime.unsigned_warned:
                runtime.unsigned_warned.add(source)
                log.warning(
                    "webhook source %s signs its requests but QUALIFIER_SECRET_%s is not set: "
                    "signatures are not checked",
                    source,
                    source.upper(),
                )
            return
        unsigned = adapter.signature_header is None or adapter.signature_header not in request.headers
        if supplied and unsigned:
            _check_token(supplied, secret)  # a signing vendor set up without signatures
            return
        headers = _verification_headers()
        if pipeline.accepts_keyword(adapter.verify, "now"):
            adapter.verify(body, headers, secret, now=now.timestamp())  # BadSignature -> 401
        else:
            adapter.verify(body, headers, secret)
        return
    if secret:
        _check_token(supplied or "", secret)


def _check_token(supplied: str, secret: str) -> None:
    if not hmac.compare_digest(supplied.encode("utf-8"), secret.encode("utf-8")):
        what = "wrong" if supplied else "missing"
        raise ClientError(401, f"{what} token: this source needs ?token= (or {TOKEN_HEADER}) with its secret")


def _verification_headers() -> Headers:
    """The request's headers for `verify`: the client's pseudo-headers replaced by ours."""
    headers = Headers(list(request.headers.items()))
    for name in PSEUDO_HEADERS:
        headers.remove(name)
    headers[METHOD_HEADER] = request.method
    headers[URL_HEADER] = _public_url()
    return headers


def _public_url() -> str:
    """The URL the vendor called: scheme and host as seen (or as trusted proxies forward them),
    the path and query string as sent, not re-encoded."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw or not raw.startswith("/"):
        raw = quote(request.path, safe="/%:@!$&'()*+,;=-._~")
        if request.query_string:
            raw += "?" + request.query_string.decode("latin-1")
    return f"{request.scheme}://{request.host}{request.root_path}{raw}"


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > intake.MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ClientError(
            400, f"Idempotency-Key must be at most {intake.MAX_IDEMPOTENCY_KEY} printable characters"
        )
    return key


def _received(inquiry_id: str) -> tuple[Response, int]:
    """Stored and parsed; qualified shortly (a background thread or an RQ worker)."""
    db.get_session().rollback()
    return jsonify(
        id=inquiry_id,
        status="received",
        url=url_for("api.get_inquiry", inquiry_id=inquiry_id, _external=True),
    ), 202


def _answer(inquiry_id: str, status: str, route: str | None) -> tuple[Response, int]:
    """Processed in this request: the outcome is the answer, no need to read it back."""
    return jsonify(
        id=inquiry_id,
        status=status,
        url=url_for("api.get_inquiry", inquiry_id=inquiry_id, _external=True),
        route=route,
    ), 202


def _acknowledge(inquiry_id: str, duplicate: bool = False) -> tuple[Response, int]:
    session = db.get_session()
    session.rollback()
    db.read_only(session)
    inquiry = session.get(models.Inquiry, inquiry_id)
    if inquiry is not None:
        session.refresh(inquiry)
        status, route = inquiry.status, inquiry.route
    else:  # acknowledged but not parsed yet (its first delivery is still in flight)
        raw_status = session.scalars(
            select(models.RawEvent.status).where(models.RawEvent.inquiry_id == inquiry_id)
        ).first()
        if raw_status == "ignored":  # a repeat of a delivery that was not an inquiry
            session.rollback()
            return jsonify(status="ignored", duplicate=True), 202
        status, route = ("failed" if raw_status == "failed" else "received"), None
    answer: dict[str, Any] = {
        "id": inquiry_id,
        "status": status,
        "url": url_for("api.get_inquiry", inquiry_id=inquiry_id, _external=True),
        "route": route,
    }
    if duplicate:
        answer["duplicate"] = True
    session.rollback()
    return jsonify(answer), 202
