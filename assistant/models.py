"""What the service stores, as SQLAlchemy 2 typed models.

The raw event is the source of truth: the body exactly as received, stored and
committed before the sender gets its 2xx, so any inquiry can be parsed and
qualified again. Everything else is derived from it: the normalized inquiry,
its qualifications (one per analysis run), its brief, its deliveries. Contacts
gather inquiries by email (case-insensitively: `email_key` is the lower-cased
address) and keep their lifecycle stage with its history. Behaviour events
feed lead scoring.

The schema is created by the Alembic migrations in `assistant/migrations/`
(`qualifier init-db`); a test checks that they match these models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Raw event statuses. `received` waits for processing; `rejected` could not be
# parsed (the sender got a 4xx); `duplicate` repeated an earlier event's vendor id;
# `ignored` was a genuine delivery that is no inquiry (a ping). A chat delivery merged
# into its conversation's inquiry names that inquiry in `duplicate_of` (conversations.py).
RAW_STATUSES = ("received", "processed", "failed", "rejected", "duplicate", "ignored")
# Inquiry statuses, as the API shows them.
INQUIRY_STATUSES = ("received", "processed", "failed")

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER keys


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class RawEvent(Base):
    __tablename__ = "raw_events"
    __table_args__ = (
        UniqueConstraint("source", "idempotency_key", name="uq_raw_events_idempotency_key"),
        UniqueConstraint("source", "vendor_event_id", name="uq_raw_events_vendor_event_id"),
        # Set only while the event is inside the duplicate window (cleared when a later
        # identical body arrives after it), so identical bodies are caught race-free.
        UniqueConstraint("source", "dedup_sha256", name="uq_raw_events_dedup_sha256"),
        Index("ix_raw_events_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The public id of the inquiry this event becomes, given at intake and acknowledged.
    inquiry_id: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)
    dedup_sha256: Mapped[str | None] = mapped_column(String(64))
    vendor_event_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # HTTP status of the client mistake when `rejected` (400, 422).
    error_status: Mapped[int | None] = mapped_column(Integer)
    # Public id of the original when this event was a `duplicate`.
    duplicate_of: Mapped[str | None] = mapped_column(String(40))
    # Crash recovery: whoever processes the event holds the claim; a stale claim is abandoned.
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased email
    name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    # Lifecycle stage (handoff.lifecycle); None until the first inquiry is qualified.
    stage: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    stages: Mapped[list[ContactStage]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContactStage.id",
    )


class ContactStage(Base):
    """One change of a contact's lifecycle stage, and the inquiry that caused it."""

    __tablename__ = "contact_stages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str | None] = mapped_column(String(20))
    inquiry_id: Mapped[str | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]

    contact: Mapped[Contact] = relationship(back_populates="stages")


class Inquiry(Base):
    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_received", "received_at", "id"),
        Index("ix_inquiries_conversation", "source", "conversation_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "inq_<ulid>"
    raw_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_events.id", ondelete="SET NULL"), unique=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    normalized: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="received")
    # The latest qualification's route and score, kept here for listing and filtering.
    route: Mapped[str | None] = mapped_column(String(20), index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    # A chat conversation's id at its vendor (`conversations.py`), for finding it in one lookup.
    conversation_id: Mapped[str | None] = mapped_column(String(200))

    qualifications: Mapped[list[Qualification]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Qualification.id"
    )
    brief: Mapped[Brief | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    deliveries: Mapped[list[Delivery]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Qualification(Base):
    """One analysis of an inquiry: the `predicted` object of SCHEMA.md and the route it chose."""

    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    predicted: Mapped[dict[str, Any]]
    route: Mapped[str] = mapped_column(String(20))
    redirect_to: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    analyzer_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class Brief(Base):
    """The SDR's briefing note in every format it is sent in (the latest analysis)."""

    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), unique=True)
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    slack: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Delivery(Base):
    """A notification to send (Slack, email, CRM webhook), with its retry state."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # slack | email | webhook
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class BehaviourEvent(Base):
    """Something a contact did (opened an email, visited pricing...), for engagement scoring."""

    __tablename__ = "behaviour_events"
    __table_args__ = (Index("ix_behaviour_events_email_at", "email_key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(320))  # lower-cased email
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class ChatSession(Base):
    """One conversation in the product's own chat widget, with the dialogue's state."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "chat_<random>"
    site: Mapped[str] = mapped_column(String(100))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[dict[str, Any]]  # handoff.dialogue.DialogueState.to_json()
    route: Mapped[str | None] = mapped_column(String(20))
    # The inquiry the finished conversation became (submitted through intake).
    inquiry_id: Mapped[str | None] = mapped_column(String(40))
    # Set while the inquiry holds the conversation as it was when the visitor went quiet
    # (`chat.submit_idle`); cleared when the finished conversation replaces it.
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatTurn(Base):
    __tablename__ = "chat_turns"
    __table_args__ = (UniqueConstraint("session_id", "index", name="uq_chat_turns_session_index"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))  # visitor | bot | agent
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Booking(Base):
    """A meeting booked from the chat; (sdr_id, start) is unique so a slot is never given twice."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("sdr_id", "start", name="uq_bookings_sdr_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sdr_id: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime]
    end: Mapped[datetime]
    session_id: Mapped[str | None] = mapped_column(ForeignKey("chat_sessions.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]


# The SDR dashboard (assistant/dashboard.py, assistant/auth.py, assistant/feedback.py) ---------------

USER_ROLES = ("sdr", "admin")
# What an SDR can do to a lead; each is one LeadEvent (assignment history included).
LEAD_EVENT_KINDS = (
    "accept",
    "reject",
    "reroute",
    "contacted",
    "note",
    "assign",
    "opportunity",
    "correct",
)


class User(Base):
    """Someone who signs in to the dashboard: an SDR or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased email
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # sdr | admin
    # The roster id (`[[sdrs]] id` of the policy) whose leads are this user's; None: not on the roster.
    sdr_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(300))  # werkzeug scrypt hash
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]


class SignInAttempt(Base):
    """One sign-in attempt, kept for throttling (by email and by address) and the audit trail."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email_key", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))  # the client's IP address
    succeeded: Mapped[bool]
    at: Mapped[datetime]


class LeadState(Base):
    """Where a lead stands with the SDR team: one row per inquiry an SDR has touched.

    The qualifier's own route and assignment stay on the inquiry and its
    qualification; a value here overrides them (None: as the qualifier decided).
    """

    __tablename__ = "lead_states"

    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True)
    route: Mapped[str | None] = mapped_column(String(20))  # rerouted or rejected to
    redirect_to: Mapped[str | None] = mapped_column(String(20))
    sdr_id: Mapped[str | None] = mapped_column(String(64), index=True)  # (re)assigned to
    decision: Mapped[str | None] = mapped_column(String(10))  # accepted | rejected | rerouted
    decided_at: Mapped[datetime | None]
    contacted_at: Mapped[datetime | None]
    opportunity_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class LeadEvent(Base):
    """One thing an SDR did to a lead: the lead's history and the feedback loop's labels."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_inquiry_at", "inquiry_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # one of LEAD_EVENT_KINDS
    route: Mapped[str | None] = mapped_column(String(20))  # reject, reroute: where it goes now
    redirect_to: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))  # reject: a REJECT_REASONS code
    text: Mapped[str | None] = mapped_column(Text)  # a note, a rejection's details
    sdr_id: Mapped[str | None] = mapped_column(String(64))  # assign: to whom
    previous_sdr_id: Mapped[str | None] = mapped_column(String(64))  # assign: from whom
    # correct: the slots the SDR corrected ({"intent": ..., "budget": {...}}); contacted: {"via": ...}
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]

    user: Mapped[User | None] = relationship()
