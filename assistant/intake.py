"""Store a webhook's raw body durably, once: the first step of "nothing lost".

`store_raw_event` commits the body, the headers a parser may need and the
receipt time before anything else happens, and recognises repeats race-free
through unique indexes rather than check-then-insert. The insert comes first
(`ON CONFLICT DO NOTHING`, in SQLite and PostgreSQL alike) and the earlier
event is looked for only when it did nothing, so a new event costs one
statement:

- the same `Idempotency-Key` header from the same source: (source, idempotency_key);
- the same body from the same source within the duplicate window:
  (source, dedup_sha256), where `dedup_sha256` is set only on the latest
  event of a body and cleared once the window has passed;
- the same vendor event id is recognised after parsing (`pipeline`), by the
  unique (source, vendor_event_id).

The new event is committed already claimed by the caller, so the request that
stored it processes it (or hands it to a thread or an RQ job with the claim's
token) and a concurrent recovery sweep leaves it alone until the claim is
older than `QUALIFIER_CLAIM_TIMEOUT_SECONDS`: then its process is presumed dead.

Public ids are ULIDs (time-ordered, so listing by id follows arrival) written
here in a dozen lines rather than adding a ULID package for one function.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from . import db, models

# Headers never stored: credentials of the caller (a URL token too), and the webhook layer's
# pseudo-headers, which carry the URL called, query string and all.
UNSTORED_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "proxy-authorization",
        "x-api-key",
        "x-qualifier-token",
        "x-qualifier-method",
        "x-qualifier-url",
    }
)
MAX_STORED_HEADERS = 64
MAX_HEADER_VALUE = 4096
MAX_IDEMPOTENCY_KEY = 200

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_RAW = models.RawEvent.__table__
_WINDOW = {"window_start": models.UTCDateTime()}
# The webhook path's statements (`db.prepared`: the write lock is held while they run).
FIND_BY_BODY = db.prepared(
    "SELECT id, inquiry_id, duplicate_of, idempotency_key FROM raw_events"
    " WHERE source = :source AND dedup_sha256 = :dedup_sha256 AND received_at >= :window_start LIMIT 1",
    _RAW,
    **_WINDOW,
)
FIND_BY_KEY_OR_BODY = db.prepared(
    "SELECT id, inquiry_id, duplicate_of, idempotency_key FROM raw_events"
    " WHERE source = :source AND (idempotency_key = :idempotency_key"
    " OR (dedup_sha256 = :dedup_sha256 AND received_at >= :window_start))",
    _RAW,
    **_WINDOW,
)
INSERT_EVENT = db.prepared(
    "INSERT INTO raw_events (inquiry_id, source, body, headers, received_at, idempotency_key, body_sha256,"
    " dedup_sha256, status, attempts, claim_token, claimed_at) VALUES (:inquiry_id, :source, :body,"
    " :headers, :received_at, :idempotency_key, :body_sha256, :dedup_sha256, 'received', 0,"
    " :claim_token, :claimed_at) ON CONFLICT DO NOTHING RETURNING id",
    _RAW,
)


def new_inquiry_id(now: datetime) -> str:
    """`inq_` + a ULID: 48 bits of milliseconds then 80 random bits, so ids sort by arrival."""
    value = (int(now.timestamp() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "inq_" + "".join(reversed(chars))


@dataclass(frozen=True, slots=True)
class Stored:
    raw_event_id: int
    inquiry_id: str  # the public id to acknowledge (the original's, for a duplicate)
    duplicate: bool


def stored_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers worth keeping with the body (adapters read vendor headers on replay)."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in UNSTORED_HEADERS or len(kept) >= MAX_STORED_HEADERS:
            continue
        kept[name] = value[:MAX_HEADER_VALUE]
    return kept


def store_raw_event(
    session: Session,
    *,
    source: str,
    body: bytes,
    headers: Mapping[str, str],
    idempotency_key: str | None,
    now: datetime,
    dedup_window: timedelta,
    claim_token: str,
    commit: bool = True,
) -> Stored:
    """Commit the event (claimed by `claim_token`), or find the earlier event it repeats.

    With `commit=False` the event is only inserted (its unique keys are checked)
    and the caller's transaction stays open: the webhook stores the inquiry
    parsed from it in the same commit (`pipeline.take_in`). The caller must
    commit before acknowledging. The row is written with a prepared statement,
    not an ORM object: `session.get(models.RawEvent, stored.raw_event_id)`
    loads it when needed.
    """
    digest = hashlib.sha256(body).hexdigest()
    window_start = now - dedup_window
    values = {
        "source": source,
        "body": body,
        "headers": stored_headers(headers),
        "received_at": now,
        "idempotency_key": idempotency_key,
        "body_sha256": digest,
        "dedup_sha256": digest if dedup_window > timedelta(0) else None,
        "claim_token": claim_token,
        "claimed_at": now,
    }
    for _attempt in range(3):
        values["inquiry_id"] = new_inquiry_id(now)
        event_id = session.execute(INSERT_EVENT, values).scalar_one_or_none()
        if event_id is not None:
            if commit:
                session.commit()
            return Stored(event_id, values["inquiry_id"], duplicate=False)
        # A unique key is taken (the insert did nothing): this repeats an earlier event, or an
        # identical body older than the window still holds the key. A concurrent request
        # with the same key is waited for by the database and then seen here, committed.
        original = _find_repeat(session, source, idempotency_key, digest, window_start)
        if original is not None:
            return original
        session.rollback()
        _expire_dedup_key(session, source, digest, window_start)
    raise RuntimeError(f"the {source!r} event could not be stored: its unique keys stayed taken")


def _expire_dedup_key(session: Session, source: str, digest: str, window_start: datetime) -> None:
    """An identical body older than the duplicate window is no longer a duplicate: free its key."""
    session.execute(
        update(models.RawEvent)
        .where(
            models.RawEvent.source == source,
            models.RawEvent.dedup_sha256 == digest,
            models.RawEvent.received_at < window_start,
        )
        .values(dedup_sha256=None)
    )
    session.commit()


def _find_repeat(
    session: Session, source: str, idempotency_key: str | None, digest: str, window_start: datetime
) -> Stored | None:
    """The event this one repeats: same Idempotency-Key, else same body within the window (one query)."""
    values = {"source": source, "dedup_sha256": digest, "window_start": window_start}
    if idempotency_key is None:
        rows = session.execute(FIND_BY_BODY, values).all()
    else:
        rows = session.execute(FIND_BY_KEY_OR_BODY, {**values, "idempotency_key": idempotency_key}).all()
    if not rows:
        return None
    # A key match wins over a body match (they differ only when a client reuses a key for another body).
    found = next((row for row in rows if row.idempotency_key == idempotency_key), rows[0])
    session.rollback()  # ends the read transaction; nothing of ours to keep
    return Stored(found.id, found.duplicate_of or found.inquiry_id, duplicate=True)
