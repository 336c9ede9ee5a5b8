"""The one path from a stored raw event to a qualified, briefed inquiry.

HTTP intake, the CLI and workers all call these functions:

- `qualify_inquiry(inquiry, received_at, policy)`: pure (no database, no
  Flask): builds the analysis `Context` from the inquiry (reference time,
  currency and date order from its country), then `intents.analyze`,
  `handoff.decide` and `handoff.predicted`. `qualifier qualify` uses it too.
- `process_event(session, raw_event_id, policy, now=...)`: both halves of
  processing, under a claim so that exactly one process does it:
  `accept_event` parses the raw body once and stores the inquiry (a chat
  delivery joins its conversation, `conversations.py`); `qualify_event`
  analyses, briefs, and stores the qualification, the brief and the
  notifications to send in one transaction.
- `take_in(...)`: the webhook's intake: the raw body and what `accept_event`
  would make of it stored in one commit (cheap: the web request runs it, so a
  bad body still gets its 4xx).
- `process_pending(session, policy, settings, now=...)`: crash recovery and
  retries: claim events that were acknowledged but never processed (their
  process died) or failed and are due again, and process each.
- `replay_event_ids(...)` and `replay_event(...)`: `qualifier replay`.

Claims: an event is claimed by writing a random token and the time into it
(`FOR UPDATE SKIP LOCKED` selects candidates on PostgreSQL; on SQLite the
conditional UPDATE alone is atomic). The final write of a run succeeds only
while the token is still its own, so a run that outlived its claim (and was
taken over) rolls back instead of storing a second result. A failed run is
retried after `RETRY_DELAYS`, up to `QUALIFIER_MAX_ATTEMPTS` attempts, then
stays `failed` with its error until replayed.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import inspect
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
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

from . import conversations, db, delivery, intake, models
from .config import Settings

log = logging.getLogger(__name__)

COUNTRIES_FILE = Path(__file__).with_name("countries.tsv")

# Seconds before the first, second, third... retry of a failed event.
RETRY_DELAYS = (30, 300, 1800)

# The webhook path's writes (`db.prepared`: SQLite's write lock is held while they run).
_RAW = models.RawEvent.__table__
_INQUIRIES = models.Inquiry.__table__
_CONTACTS = models.Contact.__table__
INSERT_INQUIRY = db.prepared(
    "INSERT INTO inquiries (id, raw_event_id, contact_id, source, channel, normalized, received_at, status,"
    " conversation_id) VALUES (:id, :raw_event_id, :contact_id, :source, :channel, :normalized,"
    " :received_at, 'received', :conversation_id)",
    _INQUIRIES,
)
# Created on first sight; a name or company the contact lacks is filled in. Returns the id either way.
UPSERT_CONTACT = db.prepared(
    "INSERT INTO contacts (email, email_key, name, company, domain, created_at, updated_at)"
    " VALUES (:email, :email_key, :name, :company, :domain, :created_at, :updated_at)"
    " ON CONFLICT (email_key) DO UPDATE SET name = COALESCE(NULLIF(contacts.name, ''), excluded.name),"
    " company = COALESCE(NULLIF(contacts.company, ''), excluded.company) RETURNING id",
    _CONTACTS,
)
FIND_BY_VENDOR_EVENT_ID = db.prepared(
    "SELECT id, inquiry_id, duplicate_of FROM raw_events WHERE source = :source AND vendor_event_id = :vendor_event_id",
    _RAW,
)
SET_VENDOR_EVENT_ID = db.prepared(
    "UPDATE raw_events SET vendor_event_id = :vendor_event_id WHERE id = :id", _RAW
)
INSERT_QUALIFICATION = db.prepared(
    "INSERT INTO qualifications (inquiry_id, predicted, route, redirect_to, score, analyzer_version, created_at)"
    " VALUES (:inquiry_id, :predicted, :route, :redirect_to, :score, :analyzer_version, :created_at)",
    models.Qualification.__table__,
)
UPSERT_BRIEF = db.prepared(
    "INSERT INTO briefs (inquiry_id, markdown, html, slack, text, created_at)"
    " VALUES (:inquiry_id, :markdown, :html, :slack, :text, :created_at)"
    " ON CONFLICT (inquiry_id) DO UPDATE SET markdown = excluded.markdown, html = excluded.html,"
    " slack = excluded.slack, text = excluded.text, created_at = excluded.created_at",
    models.Brief.__table__,
)
MARK_PROCESSED = db.prepared(
    "UPDATE inquiries SET status = 'processed', route = :route, score = :score, error = NULL,"
    " processed_at = :processed_at WHERE id = :id",
    _INQUIRIES,
)
CONTACT_STAGE = db.prepared("SELECT email, email_key, stage FROM contacts WHERE id = :id", _CONTACTS)
_BEHAVIOUR = models.BehaviourEvent.__table__
BEHAVIOUR = db.prepared(
    "SELECT type, at, properties FROM behaviour_events WHERE email_key = :email_key", _BEHAVIOUR
).columns(_BEHAVIOUR.c.type, _BEHAVIOUR.c.at, _BEHAVIOUR.c.properties)
INSERT_STAGE = db.prepared(
    "INSERT INTO contact_stages (contact_id, stage, previous, reason, inquiry_id, at)"
    " VALUES (:contact_id, :stage, :previous, :reason, :inquiry_id, :at)",
    models.ContactStage.__table__,
)
SET_STAGE = db.prepared(
    "UPDATE contacts SET stage = :stage, updated_at = :updated_at WHERE id = :id", _CONTACTS
)
EVENT_CLAIM = db.prepared("SELECT claim_token, received_at FROM raw_events WHERE id = :id", _RAW).columns(
    _RAW.c.claim_token, _RAW.c.received_at
)
EARLIER_INQUIRIES = db.prepared(
    "SELECT id, received_at, route, status, normalized FROM inquiries"
    " WHERE contact_id = :contact_id AND id != :id AND received_at <= :received_at"
    " ORDER BY received_at DESC LIMIT :limit",
    _INQUIRIES,
    limit=Integer(),
).columns(
    _INQUIRIES.c.id,
    _INQUIRIES.c.received_at,
    _INQUIRIES.c.route,
    _INQUIRIES.c.status,
    _INQUIRIES.c.normalized,
)
CLAIM = db.prepared(
    "UPDATE raw_events SET claim_token = :claim_token, claimed_at = :claimed_at"
    " WHERE id = :id AND status IN ('received', 'failed') AND (claim_token IS NULL OR claimed_at < :stale_before)",
    _RAW,
    stale_before=models.UTCDateTime(),
)
RENEW_CLAIM = db.prepared(
    "UPDATE raw_events SET claimed_at = :claimed_at WHERE id = :id AND claim_token = :claim_token", _RAW
)
RELEASE_PROCESSED = db.prepared(
    "UPDATE raw_events SET status = 'processed', processed_at = :processed_at, error = NULL,"
    " attempts = attempts + 1, next_attempt_at = NULL, claim_token = NULL, claimed_at = NULL"
    " WHERE id = :id AND claim_token = :claim_token",
    _RAW,
)


@dataclass(frozen=True, slots=True)
class _Event:
    """What storing an inquiry needs of its raw event: the ORM row (`row`) when it was loaded,
    else the few values the webhook's own insert knows (`take_in`)."""

    id: int
    inquiry_id: str
    source: str
    received_at: datetime
    vendor_event_id: str | None = None
    row: models.RawEvent | None = None

    @classmethod
    def of(cls, raw: models.RawEvent) -> _Event:
        return cls(raw.id, raw.inquiry_id, raw.source, raw.received_at, raw.vendor_event_id, raw)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one processing run did with an event."""

    # accepted (parsed, to qualify) | unchanged | processed | failed | rejected | ignored | duplicate | skipped
    status: str
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
    # What is loaded now lives as long as the process: keep it out of the garbage collector's
    # full passes (and, before a fork, out of the pages those passes would copy).
    gc.collect()
    gc.freeze()


# Claims ------------------------------------------------------------------------------------


def new_claim_token() -> str:
    return secrets.token_hex(16)


def claim(session: Session, raw_event_id: int, token: str, now: datetime, stale_before: datetime) -> bool:
    """Take the event for this run unless someone holds a fresh claim on it."""
    result = session.execute(
        CLAIM, {"id": raw_event_id, "claim_token": token, "claimed_at": now, "stale_before": stale_before}
    )
    session.commit()
    return result.rowcount == 1


def claim_is_ageing(settings: Settings, held_seconds: float) -> bool:
    """Whether a claim held this long should be renewed before the work starts: past half of
    `QUALIFIER_CLAIM_TIMEOUT_SECONDS`, after which the sweep would soon take the event over."""
    return held_seconds >= settings.claim_timeout_seconds / 2


def renew_claim(session: Session, raw_event_id: int, token: str, now: datetime) -> bool:
    """Restart the clock of a claim this run holds (work queued a while ago is starting now)."""
    result = session.execute(RENEW_CLAIM, {"id": raw_event_id, "claim_token": token, "claimed_at": now})
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
    renew: bool = False,
    deliver: bool = True,
    inquiry_id: str | None = None,
) -> Outcome:
    """Parse (once), qualify and brief one raw event, under a claim: `accept_event`, then `qualify_event`.

    `token` is a claim the caller already holds (intake claims the event in the
    same commit that stores it); without one the event is claimed here, unless
    another process holds a claim younger than `settings.claim_timeout_seconds`.
    `renew` restarts the clock of the caller's claim first (work that waited in
    a queue). `inquiry_id`: the inquiry the webhook stored with the event, in
    the commit that took the claim (`take_in`); `accept_event` is then
    skipped. `deliver=False` leaves sending the notifications to the caller
    (their `Delivery` rows are committed with the qualification either way).
    """
    settings = settings or Settings()
    started = time.perf_counter()
    if token is None:
        token = new_claim_token()
        stale_before = now - timedelta(seconds=settings.claim_timeout_seconds)
        if not claim(session, raw_event_id, token, now, stale_before):
            return _skipped(session, raw_event_id)
    elif renew and not renew_claim(session, raw_event_id, token, now):
        return _skipped(session, raw_event_id)
    if inquiry_id is None:
        accepted = accept_event(session, raw_event_id, policy, settings, now=now, token=token)
        if accepted.status != "accepted":
            return accepted
        inquiry_id = accepted.inquiry_id
    return qualify_event(
        session,
        raw_event_id,
        inquiry_id,
        policy,
        settings,
        now=now,
        token=token,
        deliver=deliver,
        started=started,
    )


def accept_event(
    session: Session,
    raw_event_id: int,
    policy: Policy,
    settings: Settings | None = None,
    *,
    now: datetime,
    token: str,
) -> Outcome:
    """The intake half, cheap enough for the request: parse the body once and store the inquiry.

    Outcomes: `accepted` (`inquiry_id` is the inquiry to qualify: a new one, or
    the conversation a chat delivery joined), `unchanged` (a chat delivery that
    added nothing; done), `rejected` (the sender's mistake, 4xx), `ignored`
    (not an inquiry, 202), `duplicate` (a vendor event id seen before),
    `failed` (a bug or an outage: retried) or `skipped` (the claim is gone).
    """
    settings = settings or Settings()
    # Read afresh: the claim was written by a plain UPDATE, which a row loaded earlier does not see.
    raw = session.get(models.RawEvent, raw_event_id, populate_existing=True)
    if raw is None or raw.claim_token != token:
        return _skipped(session, raw_event_id)
    if raw.duplicate_of is not None:  # a chat delivery merged into its conversation before a crash
        session.commit()
        return Outcome("accepted", raw.duplicate_of)
    if session.get(models.Inquiry, raw.inquiry_id) is not None:  # parsed before (a crash, a retry, a replay)
        session.commit()
        return Outcome("accepted", raw.inquiry_id)
    try:
        return _parse(session, raw, token, now, policy)
    except Exception as exc:  # noqa: BLE001 - a bug or an outage: recorded on the event and retried
        log.exception("parsing raw event %s failed", raw_event_id)
        session.rollback()
        return _fail(session, raw_event_id, token, now, exc, settings.max_attempts, time.perf_counter())


def take_in(
    session: Session,
    *,
    source: str,
    body: bytes,
    headers: Mapping[str, str],
    idempotency_key: str | None,
    now: datetime,
    token: str,
    policy: Policy,
    settings: Settings,
) -> tuple[intake.Stored, Outcome | None]:
    """The webhook's intake: the raw event and the inquiry parsed from it, stored in one commit.

    The body is parsed first, in memory; then one transaction stores the raw
    event (claimed by `token`) with its outcome: the inquiry and contact, the
    conversation it joins, or the reason it was refused. Nothing is
    acknowledged before that commit, so nothing acknowledged is lost, and a
    request costs one transaction instead of two. When parsing crashed (a
    bug) or storing the parsed inquiry failed (a race on a vendor event id),
    the body is committed on its own first and `accept_event` takes over, so
    the failure is recorded on a stored event and retried.

    Returns the stored event and the outcome of accepting it (None for a
    repeat of an earlier delivery: `stored.duplicate`).
    """
    field_map = policy.field_maps.get(source)
    parsed: NormalizedInquiry | forms.FormError | None
    try:
        parsed = parse_body(source, body, Headers(list(intake.stored_headers(headers).items())), field_map)
    except forms.FormError as exc:
        parsed = exc
    except Exception:  # noqa: BLE001 - a bug in an adapter: store the body first, then record it
        parsed = None

    def store(commit: bool) -> intake.Stored:
        return intake.store_raw_event(
            session,
            source=source,
            body=body,
            headers=headers,
            idempotency_key=idempotency_key,
            now=now,
            dedup_window=timedelta(hours=settings.dedup_window_hours),
            claim_token=token,
            commit=commit,
        )

    if parsed is not None:
        stored = store(commit=False)
        if stored.duplicate:
            return stored, None
        raw = _Event(stored.raw_event_id, stored.inquiry_id, source, received_at=now)  # as just inserted
        try:
            if isinstance(parsed, forms.FormError):
                return stored, _refuse(session, raw, token, parsed)
            return stored, _store_inquiry(session, raw, token, now, parsed, fresh=True)
        except Exception as exc:  # noqa: BLE001 - store the body alone, then the two-step path below
            session.rollback()
            if not isinstance(exc, IntegrityError):
                log.warning("storing %s in one step failed (%s); storing the body first", raw.inquiry_id, exc)
    stored = store(commit=True)
    if stored.duplicate:
        return stored, None
    return stored, accept_event(session, stored.raw_event_id, policy, settings, now=now, token=token)


def qualify_event(
    session: Session,
    raw_event_id: int,
    inquiry_id: str,
    policy: Policy,
    settings: Settings | None = None,
    *,
    now: datetime,
    token: str,
    deliver: bool = True,
    started: float | None = None,
) -> Outcome:
    """The analysis half: qualify the accepted inquiry, brief it, plan its notifications, release the event.

    One transaction stores the qualification, the brief, the `Delivery` rows
    and the event's `processed` state, and only while the claim is still ours.
    A conversation that another delivery changed while this run analysed it is
    left to that delivery's run (its analysis saw more), so the newest
    qualification is always of the whole conversation so far.
    """
    settings = settings or Settings()
    started = time.perf_counter() if started is None else started
    db.read_only(session)  # the reads below take no write lock (SQLite)
    raw = session.execute(EVENT_CLAIM, {"id": raw_event_id}).first()
    inquiry = session.get(models.Inquiry, inquiry_id)
    if raw is None or raw.claim_token != token or inquiry is None:
        return _skipped(session, raw_event_id)
    reference = max(raw.received_at, inquiry.received_at)
    route = None
    try:
        snapshot = inquiry.normalized
        normalized = NormalizedInquiry.from_json(snapshot)
        history = _history(session, inquiry)
        # End the read transaction before analysing: on SQLite it holds the write lock.
        session.commit()
        signals, decision, predicted = qualify_inquiry(normalized, reference, policy)
        assignment = delivery.assign_lead(session, inquiry, normalized, decision, policy, now=now)
        session.commit()
        predicted = {**predicted, "assignment": delivery.assignment_json(assignment)}
        formats = render_brief(
            normalized,
            signals,
            decision,
            received_at=reference,
            policy=policy,
            history=history,
            assignee=assignment,
        )
        finished = now + timedelta(seconds=time.perf_counter() - started)
        if inquiry.channel == "chat":  # a conversation may have grown meanwhile (conversations.py)
            session.refresh(inquiry, with_for_update=True)
        if inquiry.normalized == snapshot:
            _store_qualification(session, inquiry, decision, predicted, formats, signals, policy, finished)
            delivery.plan_rows(session, inquiry, policy, now=now)
            route = decision.route
        else:
            route = inquiry.route  # superseded: a later delivery of the conversation is qualified instead
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the event and retried
        session.rollback()
        log.warning("processing of %s failed: %s: %s", inquiry_id, type(exc).__name__, exc)
        return _fail(session, raw_event_id, token, now, exc, settings.max_attempts, started, inquiry_id)

    released = session.execute(
        RELEASE_PROCESSED, {"id": raw_event_id, "claim_token": token, "processed_at": finished}
    )
    if released.rowcount != 1:  # the claim was taken over: that run stores its own result
        return _skipped(session, raw_event_id)
    session.commit()
    if deliver and delivery.wants_notifying(policy, route):
        delivery.dispatch(session, inquiry_id, policy, now=now)  # Slack, email, CRM webhook; never raises
    return Outcome("processed", inquiry_id, route=route, seconds=time.perf_counter() - started)


def parse_body(
    source: str, body: bytes, headers: Mapping[str, str], field_map: Mapping[str, str] | None = None
) -> NormalizedInquiry:
    """The adapter's `parse`, given the policy's field map of the source (`[sources.<name>.fields]`)."""
    adapter = forms.get_adapter(source)
    if field_map and accepts_keyword(adapter.parse, "extra"):
        return adapter.parse(body, headers, extra=dict(field_map))
    return adapter.parse(body, headers)


@lru_cache(maxsize=128)
def accepts_keyword(function: Callable[..., Any], name: str) -> bool:
    """Whether `function` takes the keyword `name` (adapters registered by tests may not)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _parse(session: Session, raw: models.RawEvent, token: str, now: datetime, policy: Policy) -> Outcome:
    """Store the normalized inquiry of a raw event with its contact, or say why not."""
    try:
        normalized = parse_body(
            raw.source, raw.body, Headers(list(raw.headers.items())), policy.field_maps.get(raw.source)
        )
    except forms.FormError as exc:
        return _refuse(session, _Event.of(raw), token, exc)
    return _store_inquiry(session, _Event.of(raw), token, now, normalized)


def _refuse(session: Session, raw: _Event, token: str, error: forms.FormError) -> Outcome:
    """A body that is not an inquiry (`ignored`) or cannot be read (`rejected`): kept, released."""
    if isinstance(error, forms.NotAnInquiry):
        # A genuine delivery with nothing to qualify (a ping): kept, acknowledged, not an inquiry.
        _release(session, raw.id, token, status="ignored", error=error.message, error_status=error.status)
        return Outcome("ignored", raw.inquiry_id, error=error.message, error_status=error.status)
    # The sender's mistake: keep the body, free its keys so a corrected resend is accepted.
    _release(
        session,
        raw.id,
        token,
        status="rejected",
        error=error.message,
        error_status=error.status,
        idempotency_key=None,
        dedup_sha256=None,
    )
    return Outcome("rejected", raw.inquiry_id, error=error.message, error_status=error.status)


def _store_inquiry(
    session: Session,
    raw: _Event,
    token: str,
    now: datetime,
    normalized: NormalizedInquiry,
    *,
    fresh: bool = False,
) -> Outcome:
    """Store a parsed raw event's inquiry and contact, join its conversation, or mark it a duplicate.

    `fresh`: the raw event is not committed yet (`take_in`), so a failed commit
    is the caller's to handle: the IntegrityError is raised again.
    """
    adapter = forms.get_adapter(raw.source)
    event_id = normalized.vendor.event_id
    if event_id:
        original = _by_vendor_event_id(session, raw.source, event_id)
        if original is not None and original.id != raw.id:
            return _duplicate(session, raw, token, original)

    assembles = conversations.assembles(adapter, normalized)
    if assembles:
        conversation_id = normalized.vendor.conversation_id or ""
        conversations.lock(session, raw.source, conversation_id)
        held = conversations.find(session, raw.source, conversation_id, raw.received_at)
        if held is not None:
            row = raw.row or session.get(models.RawEvent, raw.id)
            assert row is not None  # noqa: S101 - inserted in this transaction or loaded by the caller
            return _join_conversation(session, row, token, held, normalized, now)

    session.execute(
        INSERT_INQUIRY,
        {
            "id": raw.inquiry_id,
            "raw_event_id": raw.id,
            "contact_id": _contact_id_for(session, normalized, now),
            "source": raw.source,
            "channel": normalized.channel,
            "normalized": normalized.to_json(),
            "received_at": raw.received_at,
            "conversation_id": conversations.key_of(normalized) if assembles else None,
        },
    )
    if event_id and raw.vendor_event_id != event_id[:200]:
        session.execute(SET_VENDOR_EVENT_ID, {"id": raw.id, "vendor_event_id": event_id[:200]})
        if raw.row is not None:
            set_committed_value(raw.row, "vendor_event_id", event_id[:200])
    try:
        session.commit()
    except IntegrityError:
        # Another delivery with the same vendor event id won the race, or another run of this event.
        session.rollback()
        if fresh:
            raise
        if session.get(models.Inquiry, raw.inquiry_id) is not None:
            return Outcome("accepted", raw.inquiry_id)
        original = _by_vendor_event_id(session, raw.source, event_id) if event_id else None
        if original is None:
            raise
        return _duplicate(session, raw, token, original)
    return Outcome("accepted", raw.inquiry_id)


def _join_conversation(
    session: Session,
    raw: models.RawEvent,
    token: str,
    held: models.Inquiry,
    normalized: NormalizedInquiry,
    now: datetime,
) -> Outcome:
    """Fold a chat delivery into its conversation's inquiry (`conversations.merge`)."""
    merged = conversations.merge(NormalizedInquiry.from_json(held.normalized), normalized).to_json()
    event_id = normalized.vendor.event_id
    raw.vendor_event_id = event_id[:200] if event_id else None
    if merged == held.normalized:
        # Nothing new (a retry with another id, a typing event): done, nothing to analyse again.
        if not _release(
            session,
            raw.id,
            token,
            status="processed",
            duplicate_of=held.id,
            vendor_event_id=raw.vendor_event_id,
            processed_at=now,
            attempts=models.RawEvent.attempts + 1,
        ):
            return _skipped(session, raw.id)
        return Outcome("unchanged", held.id, route=held.route)
    held.normalized = merged
    if held.contact_id is None:
        held.contact_id = _contact_id_for(session, NormalizedInquiry.from_json(merged), now)
    raw.duplicate_of = held.id  # where this delivery's content went
    session.commit()
    return Outcome("accepted", held.id)


def _by_vendor_event_id(session: Session, source: str, event_id: str) -> Any:
    """The earlier event with this vendor event id: a row of (id, inquiry_id, duplicate_of), or None."""
    return session.execute(
        FIND_BY_VENDOR_EVENT_ID, {"source": source, "vendor_event_id": event_id[:200]}
    ).first()


def _duplicate(session: Session, raw: _Event, token: str, original: Any) -> Outcome:
    original_id = original.duplicate_of or original.inquiry_id
    _release(session, raw.id, token, status="duplicate", duplicate_of=original_id)
    return Outcome("duplicate", raw.inquiry_id, duplicate_of=original_id)


def _contact_id_for(session: Session, normalized: NormalizedInquiry, now: datetime) -> int | None:
    """The id of the contact of the inquiry's email (created on first sight, race-free), or None without one."""
    email = (normalized.contact.email or "").strip()
    if not email or "@" not in email or len(email) > 320:
        return None
    key = email.casefold()
    return session.execute(
        UPSERT_CONTACT,
        {
            "email": email,
            "email_key": key,
            "name": normalized.contact.name,
            "company": normalized.contact.company,
            "domain": key.rsplit("@", 1)[1],
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()


def _history(session: Session, inquiry: models.Inquiry, limit: int = 5) -> tuple[EarlierInquiry, ...]:
    """The contact's earlier inquiries, newest first, for the brief."""
    if inquiry.contact_id is None:
        return ()
    earlier = session.execute(
        EARLIER_INQUIRIES,
        {
            "contact_id": inquiry.contact_id,
            "id": inquiry.id,
            "received_at": inquiry.received_at,
            "limit": limit,
        },
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
    """Add the qualification, replace the brief, mark the inquiry processed, advance the contact.

    Prepared statements rather than ORM objects (`db.prepared`): they run while
    SQLite's write lock is held. The inquiry object is brought up to date
    without another write.
    """
    session.execute(
        INSERT_QUALIFICATION,
        {
            "inquiry_id": inquiry.id,
            "predicted": predicted,
            "route": decision.route,
            "redirect_to": decision.redirect_to,
            "score": decision.score,
            "analyzer_version": signals.analyzer_version or "unknown",
            "created_at": now,
        },
    )
    session.execute(
        UPSERT_BRIEF,
        {
            "inquiry_id": inquiry.id,
            "markdown": formats["markdown"],
            "html": formats["html"],
            "slack": formats["slack"],
            "text": formats["text"],
            "created_at": now,
        },
    )
    session.execute(
        MARK_PROCESSED,
        {"id": inquiry.id, "route": decision.route, "score": decision.score, "processed_at": now},
    )
    changed = {"status": "processed", "route": decision.route, "score": decision.score}
    for name, value in {**changed, "error": None, "processed_at": now}.items():
        set_committed_value(inquiry, name, value)
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
    contact = session.execute(CONTACT_STAGE, {"id": contact_id}).first()
    if contact is None:
        return
    rows = session.execute(BEHAVIOUR, {"email_key": contact.email_key})
    events = [Event(email=contact.email, type=e.type, at=e.at, properties=e.properties) for e in rows]
    transition = next_stage(
        contact.stage,
        decided=stage_for_route(decision.route, signals.intent.label),
        engagement=engagement_score(events, policy, now=inquiry.received_at),
        mql_threshold=policy.mql_threshold,
    )
    if transition is None:
        return
    session.execute(
        INSERT_STAGE,
        {
            "contact_id": contact_id,
            "stage": transition.stage,
            "previous": transition.previous,
            "reason": transition.reason[:200],
            "inquiry_id": inquiry.id,
            "at": now,
        },
    )
    session.execute(SET_STAGE, {"id": contact_id, "stage": transition.stage, "updated_at": now})


def _fail(
    session: Session,
    raw_event_id: int,
    token: str,
    now: datetime,
    exc: Exception,
    max_attempts: int,
    started: float,
    inquiry_id: str | None = None,
) -> Outcome:
    """Record a failed run on the event (and its inquiry); due again after a backoff, until the last attempt."""
    raw = session.get(models.RawEvent, raw_event_id)
    attempts = (raw.attempts if raw else 0) + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retry_at = None
    if attempts < max_attempts:
        retry_at = now + timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])
    target = inquiry_id or (raw.inquiry_id if raw else None)
    if target is not None:
        inquiry = session.get(models.Inquiry, target)
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
    return Outcome("failed", target or "", error=error, seconds=time.perf_counter() - started)


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
    session: Session,
    policy: Policy,
    settings: Settings,
    *,
    now: datetime,
    limit: int = 100,
    clock: Callable[[], datetime] | None = None,
) -> list[Outcome]:
    """Process every event left behind by a dead process or due for a retry; each exactly once.

    With `clock`, each event of a batch is processed (and its claim renewed)
    at the time its turn comes rather than at `now`, the time of the batch;
    `clock` may wait before answering (a web process lets webhooks go first).
    """
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
            at = clock() if clock is not None else now
            outcomes.append(
                process_event(session, raw_event_id, policy, settings, now=at, token=token, renew=at != now)
            )
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


def resubmit(
    session: Session,
    inquiry_id: str,
    body: bytes,
    headers: Mapping[str, str],
    policy: Policy,
    settings: Settings,
    *,
    now: datetime,
) -> Outcome:
    """Replace a stored inquiry's content with a newer version of the same submission, and qualify it again.

    The product's own chat uses it when a conversation handed over on going
    idle goes on (`chat.submit_idle`): the inquiry keeps its id, its raw
    event holds the newest body, and a new qualification is added; notifications
    go only to targets the lead has not had yet.
    """
    inquiry = session.get(models.Inquiry, inquiry_id)
    if inquiry is None or inquiry.raw_event_id is None:
        raise LookupError(f"no inquiry {inquiry_id} to bring up to date")
    raw = session.get(models.RawEvent, inquiry.raw_event_id)
    if raw is None:
        raise LookupError(f"inquiry {inquiry_id} has no stored event")
    normalized = parse_body(
        raw.source, body, Headers(list(headers.items())), policy.field_maps.get(raw.source)
    )
    raw.body, raw.body_sha256, raw.dedup_sha256 = body, hashlib.sha256(body).hexdigest(), None
    inquiry.normalized = normalized.to_json()
    if inquiry.contact_id is None:
        inquiry.contact_id = _contact_id_for(session, normalized, now)
    session.commit()
    return replay_event(session, raw.id, policy, settings, now=now)


# Replay ------------------------------------------------------------------------------------

# Events a replay never touches: their sender was refused, or they repeat or feed another event.
NOT_REPLAYED = ("rejected", "duplicate", "ignored")


def replay_event_ids(
    session: Session,
    *,
    inquiry_id: str | None = None,
    failed: bool = False,
    since: datetime | None = None,
) -> list[int]:
    """The raw events `qualifier replay` processes again, oldest first; LookupError for an unknown id.

    One event per inquiry: a conversation is replayed through its first
    delivery (its inquiry holds the whole transcript), so the others are left out.
    """
    query = select(models.RawEvent.id).where(
        models.RawEvent.status.not_in(NOT_REPLAYED), models.RawEvent.duplicate_of.is_(None)
    )
    if inquiry_id is not None:
        query = query.where(models.RawEvent.inquiry_id == inquiry_id)
    if failed:
        query = query.where(models.RawEvent.status == "failed")
    if since is not None:
        query = query.where(models.RawEvent.received_at >= since)
    ids = list(session.scalars(query.order_by(models.RawEvent.id)))
    if inquiry_id is not None and not ids:
        raise LookupError(f"no inquiry {inquiry_id} to replay (unknown, rejected, ignored or a duplicate)")
    session.commit()
    return ids


def replay_event(
    session: Session, raw_event_id: int, policy: Policy, settings: Settings, *, now: datetime
) -> Outcome:
    """Process one stored event again, whatever its state: a new qualification of the same inquiry.

    The event's attempts start again from zero, so a replay that fails is
    retried with the usual backoff. An event some process is working on right
    now is skipped. Notifications go only to targets the lead has not had yet.
    """
    token = new_claim_token()
    stale_before = now - timedelta(seconds=settings.claim_timeout_seconds)
    result = session.execute(
        update(models.RawEvent)
        .where(
            models.RawEvent.id == raw_event_id,
            models.RawEvent.status.not_in(NOT_REPLAYED),
            or_(models.RawEvent.claim_token.is_(None), models.RawEvent.claimed_at < stale_before),
        )
        .values(claim_token=token, claimed_at=now, attempts=0, next_attempt_at=None)
    )
    session.commit()
    if result.rowcount != 1:
        return _skipped(session, raw_event_id)
    return process_event(session, raw_event_id, policy, settings, now=now, token=token)
