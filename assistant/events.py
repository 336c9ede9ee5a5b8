"""Behaviour events: `POST /api/events` (bearer token) and `qualifier import-events FILE.csv`.

An event is `{"email", "type", "at", "properties"}` (DESIGN.md's types, points
in the policy); the API takes one event or a list of them, the CSV file the
columns email, type, at (a `properties` column, JSON, is optional). Both go
through `handoff.score.parse_event` and `record_events`, so they accept and
refuse the same things. A batch is all or nothing: one bad event and nothing
is stored, and the error names the event and the field.

After storing, each known contact's engagement is summed over all their events
and, when it reaches the policy's MQL threshold, the contact is promoted
(`handoff.lifecycle.next_stage`: never demoted), with the reason in its stage
history. Events for people who have not written yet are kept; their first
inquiry counts them. An event repeated exactly (same person, type and time) is
stored once, so a retried delivery never counts twice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.lifecycle import next_stage
from handoff.policy import Policy
from handoff.score import Event, EventError, engagement_score, parse_event

from . import db, models
from .api import require_token
from .errors import ClientError

bp = Blueprint("events", __name__, url_prefix="/api")

MAX_EVENTS = 1000  # per request; import-events has no limit
CSV_COLUMNS = ("email", "type", "at")


@dataclass(frozen=True, slots=True)
class Engagement:
    """A person's engagement after a batch, and the stage move it caused."""

    email: str
    engagement: int
    stage: str | None  # None: no contact with this email yet
    promoted_from: str | None = None
    promoted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "engagement": self.engagement,
            "stage": self.stage,
            "promoted": self.promoted,
            "previous_stage": self.promoted_from if self.promoted else None,
        }


@bp.post("/events")
@require_token
def post_events() -> Response:
    """Store one event or a list of them; answer what each person's engagement now is."""
    if not request.is_json:
        raise ClientError(415, "send the events as JSON (Content-Type: application/json)")
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClientError(400, f"malformed JSON: {exc}") from None
    if isinstance(body, list):
        if not body:
            raise ClientError(422, "the list of events is empty")
        if len(body) > MAX_EVENTS:
            raise ClientError(413, f"at most {MAX_EVENTS} events per request, got {len(body)}")
        items, names = body, [f"events[{i}]" for i in range(len(body))]
    else:
        items, names = [body], ["event"]
    try:
        events = [parse_event(item, where=name) for item, name in zip(items, names, strict=True)]
    except EventError as exc:
        raise ClientError(422, str(exc)) from None
    runtime = current_app.extensions["qualifier"]
    stored, results = record_events(db.get_session(), events, runtime.policy, now=datetime.now(UTC))
    return _answer(len(events), stored, results)


def _answer(received: int, stored: int, results: Sequence[Engagement]) -> Response:
    response = jsonify(
        accepted=received,
        stored=stored,
        duplicates=received - stored,
        contacts=[r.to_json() for r in results],
    )
    response.status_code = 201
    return response


def record_events(
    session: Session, events: Sequence[Event], policy: Policy, *, now: datetime
) -> tuple[int, list[Engagement]]:
    """Store the events (exact repeats once), promote contacts, commit; (stored, engagements)."""
    keys = sorted({e.email.casefold() for e in events})
    existing = {
        (row.email_key, row.type, _utc(row.at))
        for row in session.scalars(
            select(models.BehaviourEvent).where(models.BehaviourEvent.email_key.in_(keys))
        )
    }
    stored = 0
    for event in events:
        key = (event.email.casefold(), event.type, event.at)
        if key in existing:
            continue
        existing.add(key)
        session.add(
            models.BehaviourEvent(
                email_key=key[0],
                type=event.type,
                at=event.at,
                properties=dict(event.properties),
                created_at=now,
            )
        )
        stored += 1
    session.flush()
    results = [_promote(session, key, policy, now) for key in keys]
    session.commit()
    return stored, results


def _promote(session: Session, email_key: str, policy: Policy, now: datetime) -> Engagement:
    rows = session.scalars(select(models.BehaviourEvent).where(models.BehaviourEvent.email_key == email_key))
    events = [Event(email=email_key, type=r.type, at=_utc(r.at), properties=r.properties or {}) for r in rows]
    score = engagement_score(events, policy, now)
    contact = session.scalars(select(models.Contact).where(models.Contact.email_key == email_key)).first()
    if contact is None:
        return Engagement(email_key, score, None)
    move = next_stage(contact.stage, engagement=score, mql_threshold=policy.mql_threshold)
    if move is None:
        return Engagement(contact.email, score, contact.stage)
    session.add(
        models.ContactStage(
            contact_id=contact.id,
            stage=move.stage,
            previous=move.previous,
            reason=move.reason[:200],
            inquiry_id=None,
            at=now,
        )
    )
    contact.stage, contact.updated_at = move.stage, now
    return Engagement(contact.email, score, move.stage, move.previous, promoted=True)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --------------------------------------------------------------------------- CSV import


class EventFileError(ValueError):
    """A CSV file cannot be imported; the message names the line and the column."""


def read_events_csv(text: str, source: str = "events.csv") -> list[Event]:
    """Events from CSV text with a header row naming at least email, type and at."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise EventFileError(
            f"{source}: the header must name the columns {', '.join(CSV_COLUMNS)}; missing {', '.join(missing)}"
        )
    unknown = [c for c in header if c not in (*CSV_COLUMNS, "properties")]
    if unknown:
        raise EventFileError(
            f"{source}: unknown column {unknown[0]!r}; columns are {', '.join(CSV_COLUMNS)} and optional properties"
        )
    events = []
    for row in reader:
        line = reader.line_num
        data: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(data.values()):
            continue
        properties = data.pop("properties", "")
        if properties:
            try:
                data["properties"] = json.loads(properties)
            except ValueError:
                raise EventFileError(f"{source}:{line}: properties must be a JSON object") from None
        try:
            events.append(parse_event(data, where=f"line {line}"))
        except EventError as exc:
            raise EventFileError(f"{source}:{exc}") from None
    return events


def import_events(
    session: Session, events: Iterable[Event], policy: Policy, now: datetime
) -> tuple[int, list[Engagement]]:
    """The CLI's entry: the same storage and promotion as the API, in batches."""
    batch: list[Event] = []
    stored = 0
    results: dict[str, Engagement] = {}
    for event in events:
        batch.append(event)
        if len(batch) >= MAX_EVENTS:
            count, found = record_events(session, batch, policy, now=now)
            stored += count
            results.update({r.email.casefold(): _merge(results.get(r.email.casefold()), r) for r in found})
            batch = []
    if batch:
        count, found = record_events(session, batch, policy, now=now)
        stored += count
        results.update({r.email.casefold(): _merge(results.get(r.email.casefold()), r) for r in found})
    return stored, list(results.values())


def _merge(earlier: Engagement | None, later: Engagement) -> Engagement:
    if earlier is not None and earlier.promoted and not later.promoted:
        return Engagement(later.email, later.engagement, later.stage, earlier.promoted_from, True)
    return later
