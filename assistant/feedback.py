"""The SDR's decisions on leads, and their export as a labelled corpus (the feedback loop).

What an SDR does to a lead in the dashboard is recorded here, once, as a
`LeadEvent` (the lead's history) and folded into its `LeadState` (where it
stands now): accept, reject as not qualified (a reason is required), reroute,
mark contacted (the time is speed-to-lead), add a note, assign or reassign,
mark an opportunity, and correct the qualification's slots. Each action is one
function that validates its input, raises `ActionError` with a message for
the SDR when it cannot be done, and commits.

`export(session, out)` (`qualifier export-feedback`) writes every decided lead
as a corpus line in SCHEMA.md's format, so the qualifier can be measured on
the team's own traffic with `qualifier evaluate`:

- `payload` is the generic webhook's body: the raw body itself for the
  `generic` source, otherwise rebuilt from the normalized inquiry (form
  fields, or the chat transcript and visitor); `received_at` is when it came in.
- `expected.route` is the SDR's decision: accepted -> `sql`; rejected -> the
  route the SDR chose, else `nurture`; rerouted -> the route chosen (the
  latest decision counts). A lead rejected as a duplicate is not exported:
  that says nothing about its qualification.
- the slots and intent are the stored qualification's, with the SDR's
  corrections applied in order; a rejection reason that names a class (spam,
  vendor pitch, job seeker, support, partnership, student) sets the intent
  unless a correction says otherwise. SCHEMA.md's "Which slots an intent
  carries" is then applied, so the labels stay consistent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.fields import pick
from forms.types import Inquiry as NormalizedInquiry
from handoff.lifecycle import next_stage
from handoff.policy import AUTHORITY_ROLES, BUDGET_STATUSES, INTENTS, URGENCIES
from handoff.roster import Roster
from handoff.types import TEAMS

from . import corpus, models

SLOTS = ("need", "budget", "timeframe", "authority")
PERIODS = ("one_time", "monthly", "annual")
MAX_TEXT = 5000

# code -> label shown to the SDR. Order is the form's order.
REJECT_REASONS: dict[str, str] = {
    "no_need": "No concrete need or project",
    "no_budget": "No budget",
    "no_timeline": "No timeline, only researching",
    "no_authority": "No say in buying, nobody else involved",
    "bad_fit": "Not a fit for what we sell",
    "student": "Student or researcher",
    "job_seeker": "Job seeker",
    "support": "Existing customer with a support question",
    "partnership": "Partnership or reseller proposal",
    "vendor_pitch": "Vendor trying to sell to us",
    "spam": "Spam, a test or gibberish",
    "competitor": "Competitor",
    "unreachable": "Contact details fake or unreachable",
    "duplicate": "Duplicate of another lead",
    "other": "Other (say why)",
}
# Rejection reasons that say what the inquiry was (the exported intent).
REASON_INTENTS = {
    "student": "research",
    "job_seeker": "job_seeker",
    "support": "support",
    "partnership": "partnership",
    "vendor_pitch": "vendor_pitch",
    "spam": "spam",
    "competitor": "other",
}
NOT_EXPORTED_REASONS = frozenset({"duplicate"})
CONTACT_CHANNELS = ("phone", "email", "meeting", "chat", "other")
# Where a rejected lead may go (nurture when none is chosen) and where a lead may be rerouted.
REJECT_ROUTES = ("nurture", "discard", *(f"redirect:{team}" for team in TEAMS))
REROUTE_ROUTES = ("sql", "mql", "nurture", "discard", *(f"redirect:{team}" for team in TEAMS))


class ActionError(ValueError):
    """The action cannot be done as asked; the message is for the SDR."""


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead as the SDR team sees it: the qualifier's view with the team's changes applied."""

    inquiry: models.Inquiry
    predicted: Mapping[str, Any]
    state: models.LeadState | None

    @property
    def route(self) -> str | None:
        return (self.state.route if self.state and self.state.route else None) or self.inquiry.route

    @property
    def redirect_to(self) -> str | None:
        if self.state and self.state.route:
            return self.state.redirect_to
        return self.predicted.get("redirect_to")

    @property
    def qualified_sdr_id(self) -> str | None:
        """The SDR the qualifier assigned (before any reassignment)."""
        assignment = self.predicted.get("assignment") or {}
        return assignment.get("sdr") if isinstance(assignment, Mapping) else None

    @property
    def sdr_id(self) -> str | None:
        return (self.state.sdr_id if self.state and self.state.sdr_id else None) or self.qualified_sdr_id

    @property
    def queue(self) -> str | None:
        assignment = self.predicted.get("assignment") or {}
        return assignment.get("queue") if isinstance(assignment, Mapping) else None

    @property
    def decision(self) -> str | None:
        return self.state.decision if self.state else None

    @property
    def contacted_at(self) -> datetime | None:
        return self.state.contacted_at if self.state else None


def load_lead(session: Session, inquiry_id: str) -> Lead | None:
    inquiry = session.get(models.Inquiry, inquiry_id)
    if inquiry is None:
        return None
    return Lead(inquiry, latest_predicted(session, inquiry_id), session.get(models.LeadState, inquiry_id))


def latest_predicted(session: Session, inquiry_id: str) -> dict[str, Any]:
    predicted = session.scalars(
        select(models.Qualification.predicted)
        .where(models.Qualification.inquiry_id == inquiry_id)
        .order_by(models.Qualification.id.desc())
        .limit(1)
    ).first()
    return dict(predicted or {})


def events_of(session: Session, inquiry_id: str) -> list[models.LeadEvent]:
    return list(
        session.scalars(
            select(models.LeadEvent)
            .where(models.LeadEvent.inquiry_id == inquiry_id)
            .order_by(models.LeadEvent.at, models.LeadEvent.id)
        )
    )


# --------------------------------------------------------------------------- actions


def accept(session: Session, lead: Lead, user: models.User, *, now: datetime, note: str = "") -> None:
    """The SDR takes the lead as sales-qualified (it becomes `sql`, whatever the qualifier said)."""
    if lead.decision == "accepted":
        raise ActionError("this lead is accepted already")
    state = _state(session, lead, now)
    state.decision, state.decided_at, state.route, state.redirect_to = "accepted", now, "sql", None
    _event(session, lead, user, "accept", now, route="sql", text=_optional_text(note, "note"))
    session.commit()


def reject(
    session: Session,
    lead: Lead,
    user: models.User,
    *,
    reason: str,
    details: str = "",
    route: str = "",
    now: datetime,
) -> None:
    """Not qualified: why (required), and where it goes instead (nurture unless chosen)."""
    if reason not in REJECT_REASONS:
        raise ActionError("choose why the lead is not qualified")
    text = _optional_text(details, "details")
    if reason == "other" and not text:
        raise ActionError("say why the lead is not qualified")
    new_route, team = _route_choice(route or "nurture", REJECT_ROUTES)
    state = _state(session, lead, now)
    state.decision, state.decided_at, state.route, state.redirect_to = "rejected", now, new_route, team
    _event(session, lead, user, "reject", now, route=new_route, redirect_to=team, reason=reason, text=text)
    session.commit()


def reroute(
    session: Session, lead: Lead, user: models.User, *, route: str, note: str = "", now: datetime
) -> None:
    """Send the lead to another route or team (the SDR's decision about where it belongs)."""
    if not route:
        raise ActionError("choose the route or team to send the lead to")
    new_route, team = _route_choice(route, REROUTE_ROUTES)
    if new_route == lead.route and team == (lead.redirect_to if new_route == "redirect" else None):
        raise ActionError(f"the lead is routed to {describe_route(new_route, team)} already")
    state = _state(session, lead, now)
    state.decision, state.decided_at, state.route, state.redirect_to = "rerouted", now, new_route, team
    _event(
        session,
        lead,
        user,
        "reroute",
        now,
        route=new_route,
        redirect_to=team,
        text=_optional_text(note, "note"),
    )
    session.commit()


def mark_contacted(
    session: Session, lead: Lead, user: models.User, *, via: str = "", note: str = "", now: datetime
) -> None:
    """Record a contact with the lead; the first one's time is the lead's speed-to-lead."""
    if via and via not in CONTACT_CHANNELS:
        raise ActionError(f"contacted by {', '.join(CONTACT_CHANNELS)}")
    state = _state(session, lead, now)
    if state.contacted_at is None:
        state.contacted_at = now
    _event(
        session,
        lead,
        user,
        "contacted",
        now,
        text=_optional_text(note, "note"),
        data={"via": via} if via else {},
    )
    session.commit()


def add_note(session: Session, lead: Lead, user: models.User, *, text: str, now: datetime) -> None:
    note = _optional_text(text, "note")
    if not note:
        raise ActionError("the note is empty")
    _state(session, lead, now)
    _event(session, lead, user, "note", now, text=note)
    session.commit()


def assign(
    session: Session,
    lead: Lead,
    user: models.User,
    *,
    sdr_id: str,
    roster: Roster,
    note: str = "",
    now: datetime,
) -> None:
    """Give the lead to an SDR on the roster; the previous assignee is kept in the history."""
    sdr = roster.sdr(sdr_id) if sdr_id else None
    if sdr is None:
        raise ActionError("choose an SDR from the roster")
    if sdr.id == lead.sdr_id:
        raise ActionError(f"the lead is assigned to {sdr.name} already")
    state = _state(session, lead, now)
    previous = lead.sdr_id
    state.sdr_id = sdr.id
    _event(
        session,
        lead,
        user,
        "assign",
        now,
        sdr_id=sdr.id,
        previous_sdr_id=previous,
        text=_optional_text(note, "note"),
    )
    session.commit()


def mark_opportunity(
    session: Session, lead: Lead, user: models.User, *, note: str = "", now: datetime
) -> None:
    """The accepted lead became a sales opportunity; its contact moves up the lifecycle."""
    if lead.decision != "accepted":
        raise ActionError("accept the lead before marking it an opportunity")
    state = _state(session, lead, now)
    if state.opportunity_at is not None:
        raise ActionError("this lead is an opportunity already")
    state.opportunity_at = now
    _event(session, lead, user, "opportunity", now, text=_optional_text(note, "note"))
    contact = session.get(models.Contact, lead.inquiry.contact_id) if lead.inquiry.contact_id else None
    if contact is not None:
        move = next_stage(contact.stage, decided="opportunity")
        if move is not None:
            session.add(
                models.ContactStage(
                    contact_id=contact.id,
                    stage=move.stage,
                    previous=move.previous,
                    inquiry_id=lead.inquiry.id,
                    reason="an SDR marked the lead an opportunity",
                    at=now,
                )
            )
            contact.stage, contact.updated_at = move.stage, now
    session.commit()


def correct(
    session: Session, lead: Lead, user: models.User, *, form: Mapping[str, str], now: datetime
) -> list[str]:
    """Store the SDR's corrections of intent and slots (from the lead page's form); returns what changed."""
    current = labels(lead.predicted, events_of(session, lead.inquiry.id))
    proposed = labels_from_form(form, NormalizedInquiry.from_json(lead.inquiry.normalized))
    changed = {key: value for key, value in proposed.items() if current.get(key) != value}
    if not changed:
        raise ActionError("nothing changed: the qualification already says this")
    _state(session, lead, now)
    _event(session, lead, user, "correct", now, data=changed)
    session.commit()
    return sorted(changed)


def _state(session: Session, lead: Lead, now: datetime) -> models.LeadState:
    state = lead.state or session.get(models.LeadState, lead.inquiry.id)
    if state is None:
        state = models.LeadState(inquiry_id=lead.inquiry.id, updated_at=now)
        session.add(state)
    state.updated_at = now
    return state


def _event(session: Session, lead: Lead, user: models.User, kind: str, now: datetime, **values: Any) -> None:
    values.setdefault("data", {})
    session.add(models.LeadEvent(inquiry_id=lead.inquiry.id, user_id=user.id, kind=kind, at=now, **values))


def _optional_text(value: str | None, what: str) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ActionError(f"the {what} is too long: at most {MAX_TEXT} characters")
    return text or None


def _route_choice(value: str, allowed: Iterable[str]) -> tuple[str, str | None]:
    if value not in allowed:
        raise ActionError(f"choose one of the listed routes, not {value[:40]!r}")
    route, _, team = value.partition(":")
    return route, team or None


def describe_route(route: str | None, team: str | None) -> str:
    if route is None:
        return "not routed yet"
    return f"redirect to {team}" if route == "redirect" and team else route


# --------------------------------------------------------------------------- labels


def labels(predicted: Mapping[str, Any], events: Iterable[models.LeadEvent]) -> dict[str, Any]:
    """Intent and slots in SCHEMA.md's `expected` shape: the qualification, then the SDR's word on it."""
    current: dict[str, Any] = {"intent": predicted.get("intent") or "other"}
    for slot in SLOTS:
        current[slot] = _slot_label(slot, predicted.get(slot))
    for event in events:
        if event.kind == "reject" and event.reason in REASON_INTENTS:
            current["intent"] = REASON_INTENTS[event.reason]
        elif event.kind == "correct":
            current.update({k: v for k, v in (event.data or {}).items() if k in ("intent", *SLOTS)})
    return current


def _slot_label(slot: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or value.get("present") is not True:
        return {"present": False}
    keys = {
        "need": ("evidence",),
        "budget": ("min", "max", "currency", "period", "status"),
        "timeframe": ("urgency", "by"),
        "authority": ("role", "title", "needs_approval"),
    }[slot]
    label = {"present": True, **{key: value.get(key) for key in keys}}
    if slot == "need" and not isinstance(label["evidence"], str):
        texts = corpus.evidence_strings(label["evidence"])
        label["evidence"] = texts[0] if texts else None
    return label


def labels_from_form(form: Mapping[str, str], inquiry: NormalizedInquiry) -> dict[str, Any]:
    """The lead page's correction form as labels; ActionError names the first bad field."""
    intent = form.get("intent", "")
    if intent not in INTENTS:
        raise ActionError("choose the intent")
    out: dict[str, Any] = {"intent": intent}

    if form.get("need_present") == "yes":
        evidence = " ".join((form.get("need_evidence") or "").split())
        if not evidence:
            raise ActionError("need: quote the words that show it")
        if len(evidence) > 500:
            raise ActionError("need: quote at most 500 characters")
        if not corpus.said_by_visitor(evidence, [corpus.comparable(t) for t in _visitor_texts(inquiry)]):
            raise ActionError("need: the quote must be words the person wrote")
        out["need"] = {"present": True, "evidence": evidence}
    else:
        out["need"] = {"present": False}

    status = form.get("budget_status", "")
    if status:
        if status not in BUDGET_STATUSES:
            raise ActionError("budget: choose a status")
        low, high = _number(form.get("budget_min"), "minimum"), _number(form.get("budget_max"), "maximum")
        if low is not None and high is not None and low > high:
            raise ActionError("budget: the minimum is above the maximum")
        currency = (form.get("budget_currency") or "").strip().upper() or None
        if currency is not None and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise ActionError("budget: the currency is a three-letter code such as USD")
        period = form.get("budget_period") or None
        if period is not None and period not in PERIODS:
            raise ActionError("budget: choose a period")
        out["budget"] = {
            "present": True,
            "min": low,
            "max": high,
            "currency": currency,
            "period": period,
            "status": status,
        }
    else:
        out["budget"] = {"present": False}

    urgency = form.get("timeframe_urgency", "")
    if urgency:
        if urgency not in URGENCIES:
            raise ActionError("timeframe: choose an urgency")
        by = (form.get("timeframe_by") or "").strip() or None
        if by is not None:
            try:
                by = date.fromisoformat(by).isoformat()
            except ValueError:
                raise ActionError("timeframe: the date is YYYY-MM-DD") from None
        out["timeframe"] = {"present": True, "urgency": urgency, "by": by}
    else:
        out["timeframe"] = {"present": False}

    role = form.get("authority_role", "")
    if role:
        if role not in AUTHORITY_ROLES:
            raise ActionError("authority: choose a role")
        title = " ".join((form.get("authority_title") or "").split())[:200] or None
        approval = form.get("authority_needs_approval") in ("yes", "on", "true")
        out["authority"] = {"present": True, "role": role, "title": title, "needs_approval": approval}
    else:
        out["authority"] = {"present": False}
    return out


def _number(value: str | None, what: str) -> float | int | None:
    text = (value or "").strip().replace(",", "").replace("_", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ActionError(f"budget: the {what} is a number such as 25000") from None
    if number < 0 or number != number or number in (float("inf"), float("-inf")):
        raise ActionError(f"budget: the {what} is a number such as 25000")
    return int(number) if number.is_integer() else number


def _visitor_texts(inquiry: NormalizedInquiry) -> list[str]:
    if inquiry.channel == "chat":
        return [turn.text for turn in inquiry.transcript if turn.role == "visitor"]
    return [value for value in inquiry.fields.values() if isinstance(value, str)]


# --------------------------------------------------------------------------- export


def expected(
    predicted: Mapping[str, Any], lead: Lead, events: Iterable[models.LeadEvent]
) -> dict[str, Any] | None:
    """The corpus label of a decided lead (None when its decision says nothing about qualification)."""
    events = list(events)
    decision = lead.decision
    last_reject = next((e for e in reversed(events) if e.kind == "reject"), None)
    if decision is None or (
        decision == "rejected" and last_reject and last_reject.reason in NOT_EXPORTED_REASONS
    ):
        return None
    label = labels(predicted, events)
    if decision == "accepted":
        route, team = "sql", None
    else:
        route = lead.state.route if lead.state and lead.state.route else "nurture"
        team = lead.state.redirect_to if lead.state and route == "redirect" else None
    intent = label["intent"]
    for slot in SLOTS:
        if not _carries(intent, slot):
            label[slot] = {"present": False}
    return {**label, "route": route, "redirect_to": team}


def _carries(intent: str, slot: str) -> bool:
    """SCHEMA.md's "Which slots an intent carries"."""
    if slot in ("budget", "timeframe"):
        return intent == "buying"
    if slot == "need":
        return intent in ("buying", "support")
    return intent != "spam"


def corpus_payload(inquiry: models.Inquiry, raw: models.RawEvent | None) -> dict[str, Any]:
    """The generic webhook body of an inquiry: its own body when it came in that way, else rebuilt."""
    if inquiry.source == "generic" and raw is not None:
        try:
            doc = json.loads(raw.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        if isinstance(doc, dict):
            return doc
    normalized = NormalizedInquiry.from_json(inquiry.normalized)
    contact = normalized.contact
    if normalized.channel == "chat":
        visitor = {
            key: value
            for key, value in (
                ("name", contact.name),
                ("email", contact.email),
                ("company", contact.company),
                ("title", contact.title),
                ("phone", contact.phone),
            )
            if value
        }
        return {
            "conversation_id": normalized.vendor.conversation_id or inquiry.id,
            "visitor": visitor,
            "page_url": normalized.page_url,
            "transcript": [{"role": t.role, "text": t.text, "at": t.at} for t in normalized.transcript],
        }
    fields = dict(normalized.fields)
    for key, name, value in (
        ("name", "name", contact.name),
        ("email", "email", contact.email),
        ("company", "company", contact.company),
        ("job_title", "title", contact.title),
        ("phone", "phone", contact.phone),
        ("country", "country", normalized.country),
        ("company_size", "company_size", normalized.company_size),
        ("website", "website", normalized.website),
    ):
        # Details the vendor sent outside the answered fields, or under a label only its adapter knows.
        names = ("name", "first_name", "last_name") if name == "name" else (name,)
        if value and key not in fields and all(pick(fields, n) is None for n in names):
            fields[key] = value
    return {
        "form_id": normalized.vendor.form_id,
        "page_url": normalized.page_url,
        "submitted_at": normalized.submitted_at,
        "fields": fields,
    }


def corpus_line(session: Session, lead: Lead) -> dict[str, Any] | None:
    events = events_of(session, lead.inquiry.id)
    label = expected(lead.predicted, lead, events)
    if label is None:
        return None
    inquiry = lead.inquiry
    raw = session.get(models.RawEvent, inquiry.raw_event_id) if inquiry.raw_event_id else None
    decided = next((e for e in reversed(events) if e.kind in ("accept", "reject", "reroute")), None)
    line: dict[str, Any] = {
        "id": inquiry.id,
        "received_at": inquiry.received_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "channel": inquiry.channel,
        "payload": corpus_payload(inquiry, raw),
        "expected": label,
        "tags": ["sdr-feedback", f"sdr-{lead.decision}", f"source-{inquiry.source}"],
        "feedback": {
            "decision": lead.decision,
            "decided_at": lead.state.decided_at.isoformat() if lead.state and lead.state.decided_at else None,
            "reason": decided.reason if decided else None,
            "qualified_route": inquiry.route,
        },
    }
    if lead.predicted.get("lang"):
        line["lang"] = lead.predicted["lang"]
    return line


def export(session: Session, out: TextIO, *, since: datetime | None = None) -> int:
    """Write every decided lead (oldest decision first) as a corpus line; returns how many."""
    query = (
        select(models.LeadState.inquiry_id)
        .where(models.LeadState.decision.is_not(None))
        .order_by(models.LeadState.decided_at, models.LeadState.inquiry_id)
    )
    if since is not None:
        query = query.where(models.LeadState.decided_at >= since)
    written = 0
    for inquiry_id in list(session.scalars(query)):
        lead = load_lead(session, inquiry_id)
        if lead is None or lead.inquiry.normalized is None:
            continue
        line = corpus_line(session, lead)
        if line is not None:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written
