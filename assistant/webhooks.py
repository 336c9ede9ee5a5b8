"""`POST /webhooks/<source>`: check, store, acknowledge, qualify.

In order: the source must exist (404); the body must fit the limit (413, by
Content-Length and by what is actually read) and be JSON, form-urlencoded or
multipart (415); its authenticity is checked (401); then the raw body is
committed (`intake`) before anything can fail, and only then parsed (400
malformed, 422 unexpected shape: the event stays stored as `rejected`) and
qualified inline (`pipeline`). The answer is 202 `{"id", "status", "url",
"route"}`; a repeat answers the first delivery's id with `"duplicate": true`.

Authenticity, per source:
- the adapter verifies signatures and `QUALIFIER_SECRET_<SOURCE>` is set: the
  signature must verify (`forms.BadSignature` -> 401);
- the adapter verifies signatures but no secret is set: accepted, with a
  warning logged once per process, so a development setup works before the
  vendor's secret is configured (set the secret in production);
- the adapter does not sign and a secret is set: `?token=SECRET` (or the
  header `X-Qualifier-Token`) must match, compared in constant time;
- neither: accepted.
"""

from __future__ import annotations

import hmac
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select

import forms

from . import db, intake, models, pipeline
from .errors import ClientError

if TYPE_CHECKING:
    from . import Runtime

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

ACCEPTED_MIMETYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
TOKEN_HEADER = "X-Qualifier-Token"  # noqa: S105 - a header name, not a secret


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
    _check_authenticity(runtime, source, adapter, body)

    session = db.get_session()
    token = pipeline.new_claim_token()
    stored = intake.store_raw_event(
        session,
        source=source,
        body=body,
        headers=dict(request.headers.items()),
        idempotency_key=_idempotency_key(),
        now=datetime.now(UTC),
        dedup_window=timedelta(hours=settings.dedup_window_hours),
        claim_token=token,
    )
    if stored.duplicate:
        return _acknowledge(stored.inquiry_id, duplicate=True)

    started = time.perf_counter()
    outcome = pipeline.process_event(
        session, stored.raw_event_id, runtime.policy, settings, now=datetime.now(UTC), token=token
    )
    if outcome.status == "rejected":
        raise ClientError(outcome.error_status or 400, outcome.error or "the body could not be read")
    if outcome.status == "duplicate":
        return _acknowledge(outcome.duplicate_of or outcome.inquiry_id, duplicate=True)
    if outcome.status == "processed":
        runtime.metrics.processing_seconds.observe(time.perf_counter() - started)
        runtime.metrics.processed.labels(outcome.route).inc()
    elif outcome.status == "failed":
        log.error("processing of %s failed: %s", outcome.inquiry_id, outcome.error)
    return _acknowledge(outcome.inquiry_id)


def _accepted_mimetype(mimetype: str) -> bool:
    return mimetype in ACCEPTED_MIMETYPES or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _check_authenticity(runtime: Runtime, source: str, adapter: forms.Adapter, body: bytes) -> None:
    secret = runtime.settings.webhook_secrets.get(source)
    if adapter.verify is not None:
        if secret:
            adapter.verify(body, request.headers, secret)  # BadSignature -> 401
        elif source not in runtime.unsigned_warned:
            runtime.unsigned_warned.add(source)
            log.warning(
                "webhook source %s signs its requests but QUALIFIER_SECRET_%s is not set: "
                "signatures are not checked",
                source,
                source.upper(),
            )
        return
    if secret:
        supplied = request.args.get("token") or request.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(supplied.encode("utf-8"), secret.encode("utf-8")):
            what = "wrong" if supplied else "missing"
            raise ClientError(
                401, f"{what} token: this source needs ?token= (or {TOKEN_HEADER}) with its secret"
            )


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    if len(key) > intake.MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ClientError(
            400, f"Idempotency-Key must be at most {intake.MAX_IDEMPOTENCY_KEY} printable characters"
        )
    return key


def _acknowledge(inquiry_id: str, duplicate: bool = False) -> tuple[Response, int]:
    session = db.get_session()
    inquiry = session.get(models.Inquiry, inquiry_id)
    if inquiry is not None:
        status, route = inquiry.status, inquiry.route
    else:  # acknowledged but not parsed yet (its first delivery is still in flight)
        raw_status = session.scalars(
            select(models.RawEvent.status).where(models.RawEvent.inquiry_id == inquiry_id)
        ).first()
        status, route = ("failed" if raw_status == "failed" else "received"), None
    answer = {
        "id": inquiry_id,
        "status": status,
        "url": url_for("api.get_inquiry", inquiry_id=inquiry_id, _external=True),
        "route": route,
    }
    if duplicate:
        answer["duplicate"] = True
    session.rollback()
    return jsonify(answer), 202
