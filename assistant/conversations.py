"""Chat conversations that arrive in pieces: one inquiry per (source, conversation id).

Chat vendors (Intercom, Chatwoot, Crisp, LiveChat, Zendesk, Freshchat,
tawk.to: the adapters whose `channel` is "chat") send a webhook per message,
per status change and when the conversation closes; each delivery parses to an
`Inquiry` holding only the turns it carries. The pipeline gathers them: the
first delivery of a conversation creates its inquiry, and every later one is
merged into that inquiry (`merge`) and the inquiry is qualified again. So a
conversation keeps one inquiry id, and every analysis of it is one more
`Qualification` row. The generic source is not assembled: its chat payload is
the whole transcript.

When to qualify: on every delivery that changes the conversation (a new turn,
a new contact detail, closing), not only when it closes. A buyer who asks for
a demo in the first message reaches an SDR at once instead of when the visitor
leaves, and a conversation that is never closed (many widgets never send
"closed") is still qualified. Deliveries that add nothing (a vendor's retry,
a typing event) change nothing and are not analysed again. Notifications go
once per target (`delivery.plan`), so re-qualifying does not repeat them; a
conversation that becomes an SQL later notifies the SQL targets then.

Merging (`merge`): turns are combined in time order (turns without a time
keep their place after the turns before them); a turn identical to one
already held (same role and text, and same time when both have one) is a
repeat and kept once. Contact details and answered fields take the newest
non-empty value. `_closed` follows the latest delivery: a new turn after
"closed" reopens the conversation. A conversation quiet for longer than
`WINDOW` starts a new inquiry.

Concurrency: two deliveries of one conversation may be processed at once
(several web workers or RQ workers). The lookup and the merge run in one
transaction holding a per-conversation lock: a transaction-scoped advisory
lock on PostgreSQL; on SQLite every transaction already holds the database's
write lock (`db.py`). Written by hand: the merge is a few rules over our own
`Inquiry` type, and no library models chat transcripts this way.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from forms.chat import CLOSED_FIELD, EVENT_FIELD
from forms.types import Adapter, Contact, Turn
from forms.types import Inquiry as NormalizedInquiry

from . import models

# A conversation with no delivery for this long is over: a new delivery starts a new inquiry.
WINDOW = timedelta(days=7)
# Conversation ids are kept (and compared) up to this length (`Inquiry.conversation_id`).
MAX_ID = 200


def key_of(inquiry: NormalizedInquiry) -> str | None:
    """The value of `Inquiry.conversation_id` for a chat delivery that is assembled, else None."""
    conversation_id = inquiry.vendor.conversation_id
    return conversation_id[:MAX_ID] if inquiry.channel == "chat" and conversation_id else None


def assembles(adapter: Adapter, inquiry: NormalizedInquiry) -> bool:
    """Whether this delivery is a piece of a conversation to gather with the others."""
    return adapter.channel == "chat" and inquiry.channel == "chat" and bool(inquiry.vendor.conversation_id)


def lock(session: Session, source: str, conversation_id: str) -> None:
    """Hold the conversation's lock until the transaction ends (PostgreSQL; SQLite needs none)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{source}\x00{conversation_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def find(session: Session, source: str, conversation_id: str, now: datetime) -> models.Inquiry | None:
    """The inquiry this conversation already has, if it was active within `WINDOW`."""
    return session.scalars(
        select(models.Inquiry)
        .where(
            models.Inquiry.source == source,
            models.Inquiry.conversation_id == conversation_id[:MAX_ID],
            models.Inquiry.received_at >= now - WINDOW,
            models.Inquiry.channel == "chat",
        )
        .order_by(models.Inquiry.received_at.desc())
        .limit(1)
    ).first()


def merge(held: NormalizedInquiry, new: NormalizedInquiry) -> NormalizedInquiry:
    """The conversation so far (`held`) with one more delivery (`new`) folded in."""
    added = [t for t in new.transcript if not any(_same_turn(t, h) for h in held.transcript)]
    transcript = _in_time_order([*held.transcript, *added])
    fields = {**held.fields, **{k: v for k, v in new.fields.items() if v}}
    if new.fields.get(CLOSED_FIELD) != "yes" and (added or not held.fields.get(CLOSED_FIELD)):
        fields.pop(CLOSED_FIELD, None)  # a new turn after "closed" reopens the conversation
    if new.fields.get(EVENT_FIELD):
        fields[EVENT_FIELD] = new.fields[EVENT_FIELD]
    contact = Contact(
        **{
            name: getattr(new.contact, name) or getattr(held.contact, name)
            for name in Contact.__dataclass_fields__
        }
    )
    vendor = dataclasses.replace(
        held.vendor,
        form_id=held.vendor.form_id or new.vendor.form_id,
        submission_id=held.vendor.submission_id or new.vendor.submission_id,
    )
    return dataclasses.replace(
        held,
        contact=contact,
        message=next((t.text for t in transcript if t.role == "visitor"), held.message or new.message),
        transcript=tuple(transcript),
        fields=fields,
        page_url=held.page_url or new.page_url,
        submitted_at=(transcript[-1].at if transcript and transcript[-1].at else None)
        or new.submitted_at
        or held.submitted_at,
        website=new.website or held.website,
        country=new.country or held.country,
        company_size=new.company_size or held.company_size,
        vendor=vendor,
    )


def _same_turn(a: Turn, b: Turn) -> bool:
    if a.role != b.role or " ".join(a.text.split()) != " ".join(b.text.split()):
        return False
    return a.at is None or b.at is None or _instant(a.at) == _instant(b.at)


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _in_time_order(turns: list[Turn]) -> list[Turn]:
    """Stable sort by time; a turn without a time sorts with the turn before it."""
    keys = []
    previous: datetime | None = None
    for index, turn in enumerate(turns):
        moment = _instant(turn.at) or previous
        previous = moment
        keys.append((moment is not None, moment.timestamp() if moment else 0.0, index))
    order = sorted(range(len(turns)), key=lambda i: keys[i])
    return [turns[i] for i in order]
