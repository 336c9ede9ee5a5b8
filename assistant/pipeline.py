"""The one path from a stored raw event to a qualified, briefed inquiry.

HTTP intake, the CLI and workers all call these functions:

- `qualify_inquiry(inquiry, received_at, policy)`: pure (no database, no
  Flask): builds the analysis `Context` from the inquiry (reference time,
  currency and date order from its country), then `intents.analyze`,
  `handoff.decide` and `handoff.predicted`. `qualifier qualify` uses it too.
- `process_event(session, raw_event_id, policy, now=...)`: parse the raw body
  (once), qualify, render the brief and store it all in one transaction, under
  a claim so that exactly one process does it.
- `process_pending(session, policy, settings, now=...)`: crash recovery and
  retries: claim events that were acknowledged but never processed (their
  process died) or failed and are due again, and process each.

Claims: an event is claimed by writing a random token and the time into it
(`FOR UPDATE SKIP LOCKED` selects candidates on PostgreSQL; on SQLite the
conditional UPDATE alone is atomic). The final write of a run succeeds only
while the token is still its own, so a run that outlived its claim (and was
taken over) rolls back instead of storing a second result.
"""

from __future__ import annotations

import csv
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

import forms
import handoff
import intents
from forms.types import Inquiry as NormalizedInquiry
from handoff.assign import Assignment
from handoff.brief import EarlierInquiry, build_brief, render
from handoff.geo import country_code
from handoff.lifecycle import next_stage, stage_for_route
from handoff.policy import Policy
from handoff.score import Event, engagement_score
from handoff.types import Decision
from intents.types import Signals

from . import delivery, models
from .config import Settings

COUNTRIES_FILE = Path(__file__).with_name("countries.tsv")

# Seconds before the first, second, third... retry of a failed event.
RETRY_DELAYS = (30, 300, 1800)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one processing run did with an event."""

    status: str  # processed | failed | rejected | duplicate | skipped
    inquiry_id: str
    route: str | None = None
    error: str | None = None
    error_status: int | None = None  # HTTP status of a client mistake (rejected)
    duplicate_of: str | None = None
    seconds: float = 0.0


# Pure qualification ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_table() -> dict[str, tuple[str, bool]]:
    """ISO country code -> (currency a bare amount means there, writes dates day-first)."""
    table: dict[str, tuple[str, bool]] = {}
    with COUNTRIES_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                table[row[0]] = (row[1], row[2] == "yes")
    return table


def analysis_context(inquiry: NormalizedInquiry, received_at: datetime) -> intents.Context:
    code = country_code(inquiry.country)
    currency, day_first = _country_table().get(code or "", (None, False))
    return intents.Context(now=received_at, currency_hint=currency, country=code, day_first=day_first)


def qualify_inquiry(
    inquiry: NormalizedInquiry, received_at: datetime, policy: Policy, second_opinion: Any = None
) -> tuple[Signals, Decision, dict[str, Any]]:
    """Signals, decision and the `predicted` object of one inquiry, as of `received_at`.

    `second_opinion`: the optional LLM's candidates (see `intents.analyze`).
    """
    ctx = analysis_context(inquiry, received_at)
    field_map = policy.field_maps.get(inquiry.source)
    signals = intents.analyze(
        inquiry, ctx, dict(field_map) if field_map else None, second_opinion=second_opinion
    )
    decision = handoff.decide(signals, inquiry, policy)
    return signals, decision, handoff.predicted(signals, decision)


def render_brief(
    inquiry: NormalizedInquiry,
    signals: Signals,
    decision: Decision,
    *,
    received_at: datetime,
    policy: Policy,
    history: tuple[EarlierInquiry, ...] = (),
    assignee: Assignment | None = None,
) -> dict[str, Any]:
    """The brief in its four formats: {"markdown", "html", "slack" (Block Kit object), "text"}.

    Its response deadline counts from `received_at`, so a replay gives the same brief.
    """
    brief = build_brief(
        inquiry, signals, decision, now=received_at, history=history, sla=policy.sla, assignee=assignee
    )
    return {
        "markdown": render(brief, "markdown"),
        "html": render(brief, "html"),
        "slack": json.loads(render(brief, "slack")),
        "text": render(brief, "text"),
    }


def warm_up(policy: Policy) -> None:
    """Load the analysis' models and tables once (seconds), so the first real inquiry is fast.

    `qualifier serve` calls it before gunicorn forks its workers, which inherit what it loaded.
    """
    sample = NormalizedInquiry(
        source="generic",
        channel="form",
        message="We would like a demo next week.",
        message_field="message",
        fields={"message": "We would like a demo next week.", "country": "United States"},
        country="United States",
    )
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    signals, decision, _predicted = qualify_inquiry(sample, now, policy)
    render_brief(sample, signals, decision, received_at=now, policy=policy)


# Claims ------------------------------------------------------------------------------------


def new_claim_token() -> str:
    return secrets.token_hex(16)


def claim(session: Session, raw_event_id: int, token: str, now: datetime, stale_before: datetime) -> bool:
    """Take the event for this run unless someone holds a fresh claim on it."""
    result = session.execute(
        update(models.RawEvent)
        .where(
            models.RawEvent.id == raw_event_id,
            models.RawEvent.status.in_(("received", "failed")),
            or_(models.RawEvent.claim_token.is_(None), models.RawEvent.claimed_at < stale_before),
        )
        .values(claim_token=token, claimed_at=now)
    )
    session.commit()
    return result.rowcount == 1


def _release(session: Session, raw_event_id: int, token: str, **values: Any) -> bool:
    """Write the run's final state if the claim is still ours (then commit), else roll back."""
    result = session.execute(
        update(models.RawEvent)
        .where(models.RawEvent.id == raw_event_id, models.RawEvent.claim_token == token)
        .values(claim_token=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    session.commit()
    return True


# Processing --------------------------------------------------------------------------------


def process_event(
    session: Session,
    raw_event_id: int,
    policy: Policy,
    settings: Settings | None = None,
    *,
    now: datetime,
    token: str | None = None,
) -> Outcome:
    """Parse (once), qualify and brief one raw event, under a claim.

    `token` is a claim the caller already holds (intake claims the event in the
    same commit that stores it); without one the event is claimed here, unless
    another process holds a claim younger than `settings.claim_timeout_seconds`.
    """
    settings = settings or Settings()
    started = time.perf_counter()
    if token is None:
        token = new_claim_token()
        stale_before = now - timedelta(seconds=settings.claim_timeout_seconds)
        if not claim(session, raw_event_id, token, now, stale_before):
            return _skipped(session, raw_event_id)
    raw = session.get(models.RawEvent, raw_event_id)
    if raw is None or raw.claim_token != token:
        return _skipped(session, raw_event_id)

    inquiry = session.get(models.Inquiry, raw.inquiry_id)
    if inquiry is None:
        parsed = _parse(session, raw, token, now)
        if isinstance(parsed, Outcome):
            return parsed
        inquiry = parsed

    try:
        normalized = NormalizedInquiry.from_json(inquiry.normalized)
        history = _history(session, inquiry)
        # End the read transaction before analysing: on SQLite it holds the write lock.
        session.commit()
        signals, decision, predicted = qualify_inquiry(normalized, raw.received_at, policy)
        assignment = delivery.assign_lead(session, inquiry, normalized, decision, policy, now=now)
        predicted = {**predicted, "assignment": delivery.assignment_json(assignment)}
        formats = render_brief(
            normalized,
            signals,
            decision,
            received_at=raw.received_at,
            policy=policy,
            history=history,
            assignee=assignment,
        )
        _store_qualification(session, inquiry, decision, predicted, formats, signals, policy, now)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the event and retried
        session.rollback()
        return _fail(session, raw_event_id, token, now, exc, settings.max_attempts, started)

    if not _release(
        session,
        raw_event_id,
        token,
        status="processed",
        processed_at=now,
        error=None,
        attempts=models.RawEvent.attempts + 1,
        next_attempt_at=None,
    ):
        return _skipped(session, raw_event_id)
    delivery.dispatch(session, inquiry.id, policy, now=now)  # Slack, email, CRM webhook; never raises
    return Outcome("processed", inquiry.id, route=decision.route, seconds=time.perf_counter() - started)


def _parse(session: Session, raw: models.RawEvent, token: str, now: datetime) -> models.Inquiry | Outcome:
    """The normalized inquiry of a raw event, stored with its contact; or why not."""
    try:
        normalized = forms.normalize(raw.source, raw.body, Headers(list(raw.headers.items())))
    except forms.FormError as exc:
        # The sender's mistake: keep the body, free its keys so a corrected resend is accepted.
        _release(
            session,
            raw.id,
            token,
            status="rejected",
            error=exc.message,
            error_status=exc.status,
            idempotency_key=None,
            dedup_sha256=None,
        )
        return Outcome("rejected", raw.inquiry_id, error=exc.message, error_status=exc.status)

    event_id = normalized.vendor.event_id
    if event_id:
        original = _by_vendor_event_id(session, raw.source, event_id)
        if original is not None and original.id != raw.id:
            return _duplicate(session, raw, token, original)

    contact = _contact_for(session, normalized, now)
    inquiry = models.Inquiry(
        id=raw.inquiry_id,
        raw_event_id=raw.id,
        contact_id=contact.id if contact else None,
        source=raw.source,
        channel=normalized.channel,
        normalized=normalized.to_json(),
        received_at=raw.received_at,
        status="received",
    )
    session.add(inquiry)
    raw.vendor_event_id = event_id[:200] if event_id else None
    try:
        session.commit()
    except IntegrityError:
        # Another delivery with the same vendor event id won the race.
        session.rollback()
        original = _by_vendor_event_id(session, raw.source, event_id) if event_id else None
        if original is None:
            raise
        return _duplicate(session, session.get(models.RawEvent, raw.id), token, original)
    return inquiry


def _by_vendor_event_id(session: Session, source: str, event_id: str) -> models.RawEvent | None:
    return session.scalars(
        select(models.RawEvent).where(
            models.RawEvent.source == source, models.RawEvent.vendor_event_id == event_id[:200]
        )
    ).first()


def _duplicate(session: Session, raw: models.RawEvent, token: str, original: models.RawEvent) -> Outcome:
    original_id = original.duplicate_of or original.inquiry_id
    _release(session, raw.id, token, status="duplicate", duplicate_of=original_id)
    return Outcome("duplicate", raw.inquiry_id, duplicate_of=original_id)


def _contact_for(session: Session, normalized: NormalizedInquiry, now: datetime) -> models.Contact | None:
    """The contact of the inquiry's email (created on first sight, race-free), or None without one."""
    email = (normalized.contact.email or "").strip()
    if not email or "@" not in email or len(email) > 320:
        return None
    key = email.casefold()
    domain = key.rsplit("@", 1)[1]
    values = dict(
        email=email,
        email_key=key,
        name=normalized.contact.name,
        company=normalized.contact.company,
        domain=domain,
        created_at=now,
        updated_at=now,
    )
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(models.Contact).values(**values).on_conflict_do_nothing(index_elements=["email_key"])
    )
    contact = session.scalars(select(models.Contact).where(models.Contact.email_key == key)).one()
    if normalized.contact.name and not contact.name:
        contact.name = normalized.contact.name
    if normalized.contact.company and not contact.company:
        contact.company = normalized.contact.company
    return contact


def _history(session: Session, inquiry: models.Inquiry, limit: int = 5) -> tuple[EarlierInquiry, ...]:
    """The contact's earlier inquiries, newest first, for the brief."""
    if inquiry.contact_id is None:
        return ()
    earlier = session.scalars(
        select(models.Inquiry)
        .where(
            models.Inquiry.contact_id == inquiry.contact_id,
            models.Inquiry.id != inquiry.id,
            models.Inquiry.received_at <= inquiry.received_at,
        )
        .order_by(models.Inquiry.received_at.desc())
        .limit(limit)
    )
    return tuple(
        EarlierInquiry(
            at=e.received_at,
            route=e.route or e.status,
            summary=_excerpt(e.normalized),
            match="contact",
            ref=e.id,
        )
        for e in earlier
    )


def _excerpt(normalized: dict[str, Any], length: int = 160) -> str:
    text = " ".join((normalized.get("message") or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _store_qualification(
    session: Session,
    inquiry: models.Inquiry,
    decision: Decision,
    predicted: dict[str, Any],
    formats: dict[str, Any],
    signals: Signals,
    policy: Policy,
    now: datetime,
) -> None:
    session.add(
        models.Qualification(
            inquiry_id=inquiry.id,
            predicted=predicted,
            route=decision.route,
            redirect_to=decision.redirect_to,
            score=decision.score,
            analyzer_version=signals.analyzer_version or "unknown",
            created_at=now,
        )
    )
    brief = session.scalars(select(models.Brief).where(models.Brief.inquiry_id == inquiry.id)).first()
    if brief is None:
        brief = models.Brief(inquiry_id=inquiry.id)
        session.add(brief)
    brief.markdown, brief.html, brief.slack, brief.text = (
        formats["markdown"],
        formats["html"],
        formats["slack"],
        formats["text"],
    )
    brief.created_at = now
    inquiry.status, inquiry.route, inquiry.score = "processed", decision.route, decision.score
    inquiry.error, inquiry.processed_at = None, now
    if inquiry.contact_id is not None:
        _advance_stage(session, inquiry.contact_id, decision, signals, inquiry, policy, now)


def _advance_stage(
    session: Session,
    contact_id: int,
    decision: Decision,
    signals: Signals,
    inquiry: models.Inquiry,
    policy: Policy,
    now: datetime,
) -> None:
    """Move the contact along the lifecycle (never back), recording why (`handoff.lifecycle`)."""
    contact = session.get(models.Contact, contact_id)
    if contact is None:
        return
    rows = session.scalars(
        select(models.BehaviourEvent).where(models.BehaviourEvent.email_key == contact.email_key)
    )
    events = [Event(email=contact.email, type=e.type, at=e.at, properties=e.properties) for e in rows]
    transition = next_stage(
        contact.stage,
        decided=stage_for_route(decision.route, signals.intent.label),
        engagement=engagement_score(events, policy, now=inquiry.received_at),
        mql_threshold=policy.mql_threshold,
    )
    if transition is None:
        return
    session.add(
        models.ContactStage(
            contact_id=contact.id,
            stage=transition.stage,
            previous=transition.previous,
            reason=transition.reason[:200],
            inquiry_id=inquiry.id,
            at=now,
        )
    )
    contact.stage, contact.updated_at = transition.stage, now


def _fail(
    session: Session,
    raw_event_id: int,
    token: str,
    now: datetime,
    exc: Exception,
    max_attempts: int,
    started: float,
) -> Outcome:
    raw = session.get(models.RawEvent, raw_event_id)
    attempts = (raw.attempts if raw else 0) + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retry_at = None
    if attempts < max_attempts:
        retry_at = now + timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])
    if raw is not None:
        inquiry = session.get(models.Inquiry, raw.inquiry_id)
        if inquiry is not None:
            inquiry.status, inquiry.error = "failed", error
    if not _release(
        session,
        raw_event_id,
        token,
        status="failed",
        error=error,
        attempts=attempts,
        next_attempt_at=retry_at,
    ):
        return _skipped(session, raw_event_id)
    return Outcome(
        "failed", raw.inquiry_id if raw else "", error=error, seconds=time.perf_counter() - started
    )


def _skipped(session: Session, raw_event_id: int) -> Outcome:
    session.rollback()
    raw = session.get(models.RawEvent, raw_event_id)
    return Outcome("skipped", raw.inquiry_id if raw else "")


# Recovery ----------------------------------------------------------------------------------


def due_event_ids(session: Session, settings: Settings, now: datetime, limit: int = 100) -> list[int]:
    """Events that should be processed now and nobody is working on (oldest first)."""
    stale_before = now - timedelta(seconds=settings.claim_timeout_seconds)
    query = (
        select(models.RawEvent.id)
        .where(
            or_(
                models.RawEvent.status == "received",
                (models.RawEvent.status == "failed")
                & (models.RawEvent.attempts < settings.max_attempts)
                & (models.RawEvent.next_attempt_at <= now),
            ),
            or_(models.RawEvent.claim_token.is_(None), models.RawEvent.claimed_at < stale_before),
        )
        .order_by(models.RawEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def process_pending(
    session: Session, policy: Policy, settings: Settings, *, now: datetime, limit: int = 100
) -> list[Outcome]:
    """Process every event left behind by a dead process or due for a retry; each exactly once."""
    delivery.send_due(session, policy, now=now)  # notifications due for a retry
    stale_before = now - timedelta(seconds=settings.claim_timeout_seconds)
    outcomes = []
    while True:
        ids = due_event_ids(session, settings, now, limit)
        # Claim the whole batch in the transaction that locked it (PostgreSQL), then work.
        token = new_claim_token()
        claimed = [i for i in ids if _claim_in_batch(session, i, token, now, stale_before)]
        session.commit()
        for raw_event_id in claimed:
            outcomes.append(process_event(session, raw_event_id, policy, settings, now=now, token=token))
        if len(ids) < limit or not claimed:
            return outcomes


def _claim_in_batch(
    session: Session, raw_event_id: int, token: str, now: datetime, stale_before: datetime
) -> bool:
    result = session.execute(
        update(models.RawEvent)
        .where(
            models.RawEvent.id == raw_event_id,
            or_(models.RawEvent.claim_token.is_(None), models.RawEvent.claimed_at < stale_before),
        )
        .values(claim_token=token, claimed_at=now)
    )
    return result.rowcount == 1
