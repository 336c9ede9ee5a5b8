"""A person's data: export it, erase it, and purge what is older than the retention period.

- `GET /api/contacts/<email>/export` (bearer token): everything held about the
  person as one JSON document: the contact and its stage history; every
  inquiry with its qualifications, brief, deliveries and the SDRs' actions;
  the raw events as received; chat sessions with their turns; bookings;
  behaviour events. 404 when nothing is held.
- `DELETE /api/contacts/<email>` (bearer token): erases all of it in one
  transaction and answers how many rows of each kind went. Afterwards the
  export and each of their inquiries answer 404.
- `qualifier purge [--days N]` (`purge`): retention. Raw bodies and chat
  transcripts older than N days (`[retention] days` in the policy,
  `QUALIFIER_RETENTION_DAYS`, default 365) are deleted; their inquiries stay
  for analytics, anonymised: route, score, intent and the slots' values are
  kept, the contact, what the person wrote, the evidence quotes and the brief
  are not. Contacts with nothing left are deleted.

What belongs to a person: emails match case-insensitively (`casefold`, as
contacts are keyed). Found are the contact's inquiries; every raw event whose
body contains the address (also URL-encoded, as form posts carry it), and
the inquiry it became; chat sessions in which the person typed the address,
that booked a meeting for it, or that became one of their inquiries; and
behaviour events for the address. Log lines need no erasure: `logs.py`
redacts addresses before anything is written. Copies already delivered to
Slack, mailboxes or a CRM are outside this service (docs/production.md).

Finding raw events: the database searches every stored body for the
address as typed and URL-encoded, case-insensitively (`ILIKE` over the body
as text), and each hit is confirmed in Python. An address with non-ASCII
characters is looked for by reading every body (bounded by the retention
period); an erasure request is rare enough to afford that.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify
from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from intents.llm import redact

from . import db, models
from .api import require_token
from .errors import ClientError

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings

bp = Blueprint("privacy", __name__, url_prefix="/api")

DEFAULT_RETENTION_DAYS = 365
MAX_EMAIL_LENGTH = 320
BATCH = 500
# Keys of a stored `predicted` object that quote or describe the person; dropped when anonymising.
PERSONAL_KEYS = frozenset(
    {"evidence", "spans", "text", "quote", "title", "contact", "email", "name", "phone"}
)


class RetentionError(ValueError):
    """The policy's `[retention]` table is wrong; the message names the key."""


# --------------------------------------------------------------------------- HTTP


def init_app(app: Flask) -> None:
    runtime = app.extensions["qualifier"]
    try:
        retention_days(runtime.settings, runtime.policy.raw)  # a bad [retention] stops start-up
    except RetentionError as exc:
        from .policy import PolicyFileError, policy_path

        raise PolicyFileError(f"{policy_path(runtime.settings.policy_file) or 'policy'}: {exc}") from None
    app.register_blueprint(bp)


@bp.get("/contacts/<email>/export")
@require_token
def export_contact(email: str) -> Response:
    session = db.get_session()
    document = export_person(session, _email_key(email), datetime.now(UTC))
    if document is None:
        raise ClientError(404, "nothing is held about this email address")
    return jsonify(document)


@bp.delete("/contacts/<email>")
@require_token
def erase_contact(email: str) -> Response:
    session = db.get_session()
    erased = erase_person(session, _email_key(email))
    if erased is None:
        raise ClientError(404, "nothing is held about this email address")
    return jsonify(erased)


def _email_key(email: str) -> str:
    email = email.strip()
    if "@" not in email or len(email) > MAX_EMAIL_LENGTH or not email.isprintable():
        raise ClientError(400, f"not an email address (at most {MAX_EMAIL_LENGTH} characters with an @)")
    return email.casefold()


# --------------------------------------------------------------------------- finding a person


@dataclass
class Holdings:
    """The ids of every row held about one email address."""

    email_key: str
    contact: models.Contact | None = None
    inquiry_ids: set[str] = field(default_factory=set)
    raw_event_ids: set[int] = field(default_factory=set)
    chat_session_ids: set[str] = field(default_factory=set)
    booking_ids: set[int] = field(default_factory=set)
    behaviour_event_ids: set[int] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (
            self.contact
            or self.inquiry_ids
            or self.raw_event_ids
            or self.chat_session_ids
            or self.booking_ids
            or self.behaviour_event_ids
        )


def find_person(session: Session, email_key: str) -> Holdings:
    found = Holdings(email_key)
    found.contact = session.scalars(
        select(models.Contact).where(models.Contact.email_key == email_key)
    ).first()
    if found.contact is not None:
        found.inquiry_ids.update(
            session.scalars(select(models.Inquiry.id).where(models.Inquiry.contact_id == found.contact.id))
        )
    # Raw events whose body names the address, and the inquiries they became.
    needles = _needles(email_key)
    query = select(models.RawEvent.id, models.RawEvent.inquiry_id, models.RawEvent.body)
    if all(needle.isascii() for needle in needles):  # the database narrows it down; Python confirms
        body_text = _body_as_text(session)
        query = query.where(or_(*(body_text.ilike(f"%{_like_escaped(n)}%", escape="\\") for n in needles)))
    rows = session.execute(query.execution_options(yield_per=BATCH))
    named_inquiries = set()
    for raw_id, inquiry_id, body in rows:
        text = bytes(body).decode("utf-8", errors="replace").casefold()
        if any(needle in text for needle in needles):
            found.raw_event_ids.add(raw_id)
            named_inquiries.add(inquiry_id)
    found.inquiry_ids.update(_existing_inquiries(session, named_inquiries))
    # Chat sessions: the address typed in a turn, a booking for it, or an inquiry of theirs.
    turns = session.scalars(
        select(models.ChatTurn.session_id)
        .where(models.ChatTurn.text.ilike(f"%{_like_escaped(email_key)}%", escape="\\"))
        .distinct()
    )
    found.chat_session_ids.update(turns)
    bookings = session.execute(
        select(models.Booking.id, models.Booking.session_id).where(
            models.Booking.email.ilike(_like_escaped(email_key), escape="\\")
        )
    ).all()
    found.booking_ids.update(b.id for b in bookings)
    found.chat_session_ids.update(b.session_id for b in bookings if b.session_id)
    for ids in _chunks(sorted(found.inquiry_ids)):
        found.chat_session_ids.update(
            session.scalars(select(models.ChatSession.id).where(models.ChatSession.inquiry_id.in_(ids)))
        )
    for ids in _chunks(sorted(found.chat_session_ids)):
        chat_inquiries = session.scalars(
            select(models.ChatSession.inquiry_id).where(
                models.ChatSession.id.in_(ids), models.ChatSession.inquiry_id.is_not(None)
            )
        )
        found.inquiry_ids.update(_existing_inquiries(session, set(chat_inquiries)))
        found.booking_ids.update(
            session.scalars(select(models.Booking.id).where(models.Booking.session_id.in_(ids)))
        )
    # Raw events of every inquiry found (and repeats of them).
    for ids in _chunks(sorted(found.inquiry_ids)):
        found.raw_event_ids.update(
            session.scalars(
                select(models.RawEvent.id).where(
                    or_(models.RawEvent.inquiry_id.in_(ids), models.RawEvent.duplicate_of.in_(ids))
                )
            )
        )
        found.raw_event_ids.update(
            session.scalars(
                select(models.Inquiry.raw_event_id).where(
                    models.Inquiry.id.in_(ids), models.Inquiry.raw_event_id.is_not(None)
                )
            )
        )
    found.behaviour_event_ids.update(
        session.scalars(select(models.BehaviourEvent.id).where(models.BehaviourEvent.email_key == email_key))
    )
    return found


def _needles(email_key: str) -> tuple[str, ...]:
    """The address as it can appear in a body: as typed, or URL-encoded as form posts carry it."""
    return tuple(sorted({email_key, quote(email_key, safe="").casefold()}))


def _body_as_text(session: Session) -> Any:
    """The raw body as text a case-insensitive LIKE can search, whatever bytes it holds."""
    if session.get_bind().dialect.name == "postgresql":
        return func.encode(
            models.RawEvent.body, "escape"
        )  # bytes >= 0x80 become an octal escape; ASCII stays
    return cast(models.RawEvent.body, Text)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _existing_inquiries(session: Session, ids: set[str]) -> set[str]:
    existing: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        existing.update(session.scalars(select(models.Inquiry.id).where(models.Inquiry.id.in_(chunk))))
    return existing


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------- export


def export_person(session: Session, email_key: str, now: datetime) -> dict[str, Any] | None:
    """Everything held about the address, or None when nothing is."""
    found = find_person(session, email_key)
    if found.empty:
        return None
    contact = found.contact
    document: dict[str, Any] = {
        "email": email_key,
        "exported_at": _iso(now),
        "contact": _contact_json(session, contact) if contact else None,
        "inquiries": [],
        "raw_events": [],
        "chat_sessions": [],
        "bookings": [],
        "behaviour_events": [],
    }
    for ids in _chunks(sorted(found.inquiry_ids)):
        for inquiry in session.scalars(select(models.Inquiry).where(models.Inquiry.id.in_(ids))):
            document["inquiries"].append(_inquiry_json(session, inquiry))
    for ids in _chunks(sorted(found.raw_event_ids)):
        for raw in session.scalars(select(models.RawEvent).where(models.RawEvent.id.in_(ids))):
            document["raw_events"].append(_raw_json(raw))
    for ids in _chunks(sorted(found.chat_session_ids)):
        for chat in session.scalars(select(models.ChatSession).where(models.ChatSession.id.in_(ids))):
            document["chat_sessions"].append(_chat_json(session, chat))
    for ids in _chunks(sorted(found.booking_ids)):
        for booking in session.scalars(select(models.Booking).where(models.Booking.id.in_(ids))):
            document["bookings"].append(
                {
                    "id": booking.id,
                    "sdr_id": booking.sdr_id,
                    "start": _iso(booking.start),
                    "end": _iso(booking.end),
                    "session_id": booking.session_id,
                    "email": booking.email,
                    "created_at": _iso(booking.created_at),
                }
            )
    for ids in _chunks(sorted(found.behaviour_event_ids)):
        for event in session.scalars(select(models.BehaviourEvent).where(models.BehaviourEvent.id.in_(ids))):
            document["behaviour_events"].append(
                {
                    "type": event.type,
                    "at": _iso(event.at),
                    "properties": event.properties,
                    "created_at": _iso(event.created_at),
                }
            )
    for key in ("inquiries", "raw_events", "chat_sessions", "bookings", "behaviour_events"):
        document[key].sort(key=_sort_key)
    session.rollback()
    return document


def _sort_key(item: Mapping[str, Any]) -> tuple[str, str]:
    when = item.get("received_at") or item.get("created_at") or item.get("at") or item.get("start") or ""
    return str(when), str(item.get("id", ""))


def _contact_json(session: Session, contact: models.Contact) -> dict[str, Any]:
    return {
        "email": contact.email,
        "name": contact.name,
        "company": contact.company,
        "domain": contact.domain,
        "stage": contact.stage,
        "created_at": _iso(contact.created_at),
        "updated_at": _iso(contact.updated_at),
        "stages": [
            {
                "stage": s.stage,
                "previous": s.previous,
                "inquiry_id": s.inquiry_id,
                "reason": s.reason,
                "at": _iso(s.at),
            }
            for s in contact.stages
        ],
    }


def _inquiry_json(session: Session, inquiry: models.Inquiry) -> dict[str, Any]:
    brief = inquiry.brief
    state = session.get(models.LeadState, inquiry.id)
    events = session.scalars(
        select(models.LeadEvent)
        .where(models.LeadEvent.inquiry_id == inquiry.id)
        .order_by(models.LeadEvent.id)
    )
    return {
        "id": inquiry.id,
        "status": inquiry.status,
        "source": inquiry.source,
        "channel": inquiry.channel,
        "received_at": _iso(inquiry.received_at),
        "processed_at": _iso(inquiry.processed_at),
        "route": inquiry.route,
        "score": inquiry.score,
        "error": inquiry.error,
        "inquiry": inquiry.normalized,
        "qualifications": [
            {
                "created_at": _iso(q.created_at),
                "route": q.route,
                "redirect_to": q.redirect_to,
                "score": q.score,
                "analyzer_version": q.analyzer_version,
                "predicted": q.predicted,
            }
            for q in inquiry.qualifications
        ],
        "brief": (
            {
                "markdown": brief.markdown,
                "html": brief.html,
                "slack": brief.slack,
                "text": brief.text,
                "created_at": _iso(brief.created_at),
            }
            if brief
            else None
        ),
        "deliveries": [
            {
                "channel": d.channel,
                "target": d.target,
                "status": d.status,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in sorted(inquiry.deliveries, key=lambda d: d.id)
        ],
        "lead": {
            "route": state.route if state else None,
            "decision": state.decision if state else None,
            "sdr_id": state.sdr_id if state else None,
            "contacted_at": _iso(state.contacted_at) if state else None,
            "events": [
                {
                    "kind": e.kind,
                    "at": _iso(e.at),
                    "route": e.route,
                    "reason": e.reason,
                    "text": e.text,
                    "data": e.data,
                }
                for e in events
            ],
        },
    }


def _raw_json(raw: models.RawEvent) -> dict[str, Any]:
    body = bytes(raw.body)
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {
        "id": raw.id,
        "inquiry_id": raw.inquiry_id,
        "source": raw.source,
        "received_at": _iso(raw.received_at),
        "status": raw.status,
        "headers": raw.headers,
        "body": text,
        "body_base64": None if text is not None else base64.b64encode(body).decode("ascii"),
    }


def _chat_json(session: Session, chat: models.ChatSession) -> dict[str, Any]:
    turns = session.scalars(
        select(models.ChatTurn).where(models.ChatTurn.session_id == chat.id).order_by(models.ChatTurn.index)
    )
    return {
        "id": chat.id,
        "site": chat.site,
        "page_url": chat.page_url,
        "created_at": _iso(chat.created_at),
        "updated_at": _iso(chat.updated_at),
        "route": chat.route,
        "inquiry_id": chat.inquiry_id,
        "state": chat.state,
        "turns": [{"index": t.index, "role": t.role, "text": t.text, "at": _iso(t.at)} for t in turns],
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


# --------------------------------------------------------------------------- erasure


def erase_person(session: Session, email_key: str) -> dict[str, Any] | None:
    """Delete every row held about the address (one transaction); None when nothing is held."""
    found = find_person(session, email_key)
    if found.empty:
        session.rollback()
        return None
    inquiry_ids = sorted(found.inquiry_ids)
    chat_ids = sorted(found.chat_session_ids)
    counts: dict[str, int] = {}

    def remove(name: str, table: Any, column: Any, ids: Sequence[Any]) -> None:
        total = 0
        for chunk in _chunks(ids):
            total += session.execute(delete(table).where(column.in_(chunk))).rowcount or 0
        counts[name] = counts.get(name, 0) + total

    remove("lead_events", models.LeadEvent, models.LeadEvent.inquiry_id, inquiry_ids)
    remove("lead_states", models.LeadState, models.LeadState.inquiry_id, inquiry_ids)
    remove("deliveries", models.Delivery, models.Delivery.inquiry_id, inquiry_ids)
    remove("briefs", models.Brief, models.Brief.inquiry_id, inquiry_ids)
    remove("qualifications", models.Qualification, models.Qualification.inquiry_id, inquiry_ids)
    for chunk in _chunks(inquiry_ids):  # another contact's history may cite one of these inquiries
        session.execute(
            update(models.ContactStage)
            .where(models.ContactStage.inquiry_id.in_(chunk))
            .values(inquiry_id=None)
        )
    contact_ids = [found.contact.id] if found.contact else []
    remove("stage_changes", models.ContactStage, models.ContactStage.contact_id, contact_ids)
    remove("inquiries", models.Inquiry, models.Inquiry.id, inquiry_ids)
    remove("raw_events", models.RawEvent, models.RawEvent.id, sorted(found.raw_event_ids))
    remove("bookings", models.Booking, models.Booking.id, sorted(found.booking_ids))
    remove("chat_turns", models.ChatTurn, models.ChatTurn.session_id, chat_ids)
    remove("chat_sessions", models.ChatSession, models.ChatSession.id, chat_ids)
    remove(
        "behaviour_events", models.BehaviourEvent, models.BehaviourEvent.id, sorted(found.behaviour_event_ids)
    )
    remove("contacts", models.Contact, models.Contact.id, contact_ids)
    session.commit()
    return {
        "email": email_key,
        "erased": counts,
        "inquiry_ids": inquiry_ids,
        "logs": "nothing to erase: log lines never hold email addresses, phone numbers or card numbers",
    }


# --------------------------------------------------------------------------- retention


def retention_days(settings: Settings, policy_raw: Mapping[str, Any]) -> int:
    """Days personal data is kept: QUALIFIER_RETENTION_DAYS, else [retention] days, else 365."""
    table = policy_raw.get("retention", {})
    if not isinstance(table, Mapping):
        raise RetentionError("retention: must be a table")
    unknown = sorted(set(table) - {"days"})
    if unknown:
        raise RetentionError(f"retention.{unknown[0]}: unknown key; known keys: days")
    days = table.get("days", DEFAULT_RETENTION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_500:
        raise RetentionError(f"retention.days: must be a whole number of days from 1 to 36500, got {days!r}")
    return settings.retention_days if settings.retention_days is not None else days


@dataclass(frozen=True, slots=True)
class PurgeReport:
    cutoff: datetime
    raw_events: int
    inquiries_anonymised: int
    briefs: int
    chat_transcripts: int
    chat_turns: int
    bookings: int
    behaviour_events: int
    contacts: int

    def lines(self) -> list[str]:
        return [
            f"Purged personal data received before {_iso(self.cutoff)}:",
            f"  raw events deleted: {self.raw_events}",
            f"  inquiries anonymised (route, score and slot values kept): {self.inquiries_anonymised}",
            f"  briefs deleted: {self.briefs}",
            f"  chat transcripts deleted: {self.chat_transcripts} ({self.chat_turns} turns)",
            f"  bookings anonymised: {self.bookings}",
            f"  behaviour events deleted: {self.behaviour_events}",
            f"  contacts deleted: {self.contacts}",
        ]


def purge(session: Session, now: datetime, days: int) -> PurgeReport:
    """Delete raw bodies and transcripts older than `days`; anonymise their inquiries (idempotent)."""
    cutoff = now - timedelta(days=days)
    anonymised = briefs = 0
    while True:  # batches, each committed, so a big first purge does not hold one long transaction
        batch = list(
            session.scalars(
                select(models.Inquiry)
                .where(
                    models.Inquiry.received_at < cutoff,
                    or_(
                        models.Inquiry.raw_event_id.is_not(None),
                        models.Inquiry.contact_id.is_not(None),
                        models.Inquiry.id.in_(select(models.Brief.inquiry_id)),
                    ),
                )
                .order_by(models.Inquiry.received_at)
                .limit(BATCH)
            )
        )
        if not batch:
            break
        ids = [inquiry.id for inquiry in batch]
        for inquiry in batch:
            inquiry.normalized = anonymise_normalized(inquiry.normalized)
            inquiry.raw_event_id = None
            inquiry.contact_id = None
            if inquiry.error:
                inquiry.error = redact(inquiry.error)
            for qualification in inquiry.qualifications:
                qualification.predicted = anonymise_predicted(qualification.predicted)
        session.flush()
        briefs += session.execute(delete(models.Brief).where(models.Brief.inquiry_id.in_(ids))).rowcount or 0
        session.execute(
            update(models.LeadEvent).where(models.LeadEvent.inquiry_id.in_(ids)).values(text=None)
        )
        anonymised += len(batch)
        session.commit()
    raw_events = (
        session.execute(
            delete(models.RawEvent).where(
                models.RawEvent.received_at < cutoff, models.RawEvent.status != "received"
            )
        ).rowcount
        or 0
    )
    old_chats = list(
        session.scalars(select(models.ChatSession.id).where(models.ChatSession.updated_at < cutoff))
    )
    turns = transcripts = 0
    for chunk in _chunks(old_chats):
        transcripts += len(
            set(
                session.scalars(
                    select(models.ChatTurn.session_id).where(models.ChatTurn.session_id.in_(chunk))
                )
            )
        )
        turns += (
            session.execute(delete(models.ChatTurn).where(models.ChatTurn.session_id.in_(chunk))).rowcount
            or 0
        )
        for chat in session.scalars(select(models.ChatSession).where(models.ChatSession.id.in_(chunk))):
            chat.state = {**(chat.state or {}), "email": None}
            chat.page_url = None
    bookings = (
        session.execute(
            update(models.Booking)
            .where(models.Booking.end < cutoff, models.Booking.email.is_not(None))
            .values(email=None)
        ).rowcount
        or 0
    )
    behaviour = (
        session.execute(delete(models.BehaviourEvent).where(models.BehaviourEvent.at < cutoff)).rowcount or 0
    )
    contacts = (
        session.execute(
            delete(models.Contact).where(
                models.Contact.updated_at < cutoff,
                models.Contact.id.not_in(
                    select(models.Inquiry.contact_id).where(models.Inquiry.contact_id.is_not(None))
                ),
                models.Contact.email_key.not_in(select(models.BehaviourEvent.email_key)),
            )
        ).rowcount
        or 0
    )
    session.commit()
    return PurgeReport(
        cutoff, raw_events, anonymised, briefs, transcripts, turns, bookings, behaviour, contacts
    )


def anonymise_normalized(normalized: Mapping[str, Any] | None) -> dict[str, Any]:
    """The normalized inquiry without the person: who, what they wrote, where from."""
    kept = dict(normalized or {})
    contact = kept.get("contact")
    if isinstance(contact, Mapping):
        kept["contact"] = {key: None for key in contact}
    for key in ("message", "page_url", "website"):
        if key in kept:
            kept[key] = None
    if "transcript" in kept:
        kept["transcript"] = []
    if "fields" in kept:
        kept["fields"] = {}
    vendor = kept.get("vendor")
    if isinstance(vendor, Mapping):
        kept["vendor"] = {key: (value if key == "form_id" else None) for key, value in vendor.items()}
    return kept


def anonymise_predicted(predicted: Any) -> Any:
    """A stored prediction with quotes, evidence and identifying values removed; enums and numbers kept."""
    if isinstance(predicted, Mapping):
        return {
            key: anonymise_predicted(value) for key, value in predicted.items() if key not in PERSONAL_KEYS
        }
    if isinstance(predicted, list):
        return [anonymise_predicted(value) for value in predicted]
    if isinstance(predicted, str):
        return redact(predicted)
    return predicted
