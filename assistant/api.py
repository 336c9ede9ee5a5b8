"""The JSON API: read inquiries back (`GET /api/inquiries/<id>`, `GET /api/inquiries`).

Every route here takes `Authorization: Bearer TOKEN` with a token from
`QUALIFIER_API_TOKENS`, compared in constant time; with no token configured
everyone gets 401. Other blueprints protect their JSON routes with the same
`require_token` decorator.

Listing is oldest first, for polling: `since` (ISO 8601) bounds the receipt
time, `route` and `status` filter, `limit` (1-200, default 50) sizes the page,
and `next_cursor` (opaque) continues after its last item; it is null on the
last page. A parameter that is unknown or malformed is a 400 naming it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import and_, or_, select

from handoff.types import ROUTES

from . import db, models
from .errors import ClientError

bp = Blueprint("api", __name__, url_prefix="/api")

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LIST_PARAMETERS = ("since", "route", "status", "limit", "cursor")


def require_token(view: F) -> F:
    """Answer 401 unless the request carries one of the configured bearer tokens."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tokens: tuple[str, ...] = current_app.extensions["qualifier"].settings.api_tokens
        challenge = {"WWW-Authenticate": 'Bearer realm="qualifier"'}
        if not tokens:
            raise ClientError(
                401, "the API is closed: no tokens are configured (QUALIFIER_API_TOKENS)", challenge
            )
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not supplied.strip():
            raise ClientError(401, "missing bearer token: send 'Authorization: Bearer TOKEN'", challenge)
        given = supplied.strip().encode("utf-8")
        matched = False
        for token in tokens:  # no early exit: the time taken does not depend on which token matched
            matched |= hmac.compare_digest(given, token.encode("utf-8"))
        if not matched:
            raise ClientError(401, "wrong bearer token", challenge)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/inquiries/<inquiry_id>")
@require_token
def get_inquiry(inquiry_id: str) -> Response:
    session = db.get_session()
    db.read_only(session)
    inquiry = session.get(models.Inquiry, inquiry_id)
    if inquiry is not None:
        return jsonify(inquiry_document(inquiry))
    raw = session.scalars(select(models.RawEvent).where(models.RawEvent.inquiry_id == inquiry_id)).first()
    if raw is None or raw.status in ("rejected", "duplicate", "ignored"):
        raise ClientError(404, f"no inquiry {inquiry_id!r}")
    if raw.duplicate_of is not None and (merged := session.get(models.Inquiry, raw.duplicate_of)):
        return jsonify(inquiry_document(merged))  # a chat delivery merged into its conversation
    # Acknowledged, not parsed yet (or its parsing is being retried).
    return jsonify(
        id=raw.inquiry_id,
        status="failed" if raw.status == "failed" else "received",
        source=raw.source,
        channel=None,
        received_at=_iso(raw.received_at),
        inquiry=None,
        qualification=None,
        brief=None,
        error=raw.error if raw.status == "failed" else None,
    )


def inquiry_document(inquiry: models.Inquiry) -> dict[str, Any]:
    qualification = inquiry.qualifications[-1] if inquiry.qualifications else None
    brief = inquiry.brief
    return {
        "id": inquiry.id,
        "status": inquiry.status,
        "source": inquiry.source,
        "channel": inquiry.channel,
        "received_at": _iso(inquiry.received_at),
        "route": inquiry.route,
        "inquiry": inquiry.normalized,
        "qualification": qualification.predicted if qualification else None,
        "brief": (
            {"markdown": brief.markdown, "html": brief.html, "slack": brief.slack, "text": brief.text}
            if brief
            else None
        ),
        "error": inquiry.error,
    }


@bp.get("/inquiries")
@require_token
def list_inquiries() -> Response:
    unknown = sorted(set(request.args) - set(LIST_PARAMETERS))
    if unknown:
        raise ClientError(400, f"{unknown[0]}: unknown parameter; use {', '.join(LIST_PARAMETERS)}")
    limit = _limit(request.args.get("limit"))
    query = select(models.Inquiry)
    if (since := request.args.get("since")) is not None:
        query = query.where(models.Inquiry.received_at >= _datetime(since, "since"))
    if (route := request.args.get("route")) is not None:
        if route not in ROUTES:
            raise ClientError(400, f"route: must be one of {', '.join(ROUTES)}, got {route!r}")
        query = query.where(models.Inquiry.route == route)
    if (status := request.args.get("status")) is not None:
        if status not in models.INQUIRY_STATUSES:
            raise ClientError(
                400, f"status: must be one of {', '.join(models.INQUIRY_STATUSES)}, got {status!r}"
            )
        query = query.where(models.Inquiry.status == status)
    if (cursor := request.args.get("cursor")) is not None:
        after_time, after_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                models.Inquiry.received_at > after_time,
                and_(models.Inquiry.received_at == after_time, models.Inquiry.id > after_id),
            )
        )
    query = query.order_by(models.Inquiry.received_at, models.Inquiry.id).limit(limit + 1)
    session = db.get_session()
    db.read_only(session)
    rows = list(session.scalars(query))
    page, more = rows[:limit], len(rows) > limit
    return jsonify(
        items=[_summary(inquiry) for inquiry in page],
        next_cursor=_encode_cursor(page[-1]) if more else None,
    )


def _summary(inquiry: models.Inquiry) -> dict[str, Any]:
    contact = (inquiry.normalized or {}).get("contact") or {}
    return {
        "id": inquiry.id,
        "status": inquiry.status,
        "source": inquiry.source,
        "channel": inquiry.channel,
        "received_at": _iso(inquiry.received_at),
        "route": inquiry.route,
        "score": inquiry.score,
        "contact": {
            "name": contact.get("name"),
            "email": contact.get("email"),
            "company": contact.get("company"),
        },
        "url": url_for("api.get_inquiry", inquiry_id=inquiry.id, _external=True),
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        raise ClientError(400, f"limit: must be a whole number from 1 to {MAX_LIMIT}, got {value!r}")
    return int(value)


def _datetime(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))  # '+' arrives as ' ' unencoded
    except ValueError:
        raise ClientError(
            400, f"{name}: must be an ISO 8601 date or time such as 2026-03-10T14:05:00Z, got {value!r}"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _encode_cursor(inquiry: models.Inquiry) -> str:
    raw = json.dumps([_iso(inquiry.received_at), inquiry.id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    problem = f"cursor: not a cursor this API gave out: {cursor[:40]!r}"
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise ClientError(400, problem) from None
    if not (isinstance(decoded, list) and len(decoded) == 2 and all(isinstance(v, str) for v in decoded)):
        raise ClientError(400, problem)
    try:
        return _datetime(decoded[0], "cursor"), decoded[1]
    except ClientError:
        raise ClientError(400, problem) from None
