"""Funnel analytics: what happens to inquiries after they arrive, as numbers, SVG charts and CSV.

`load_facts(session, since, until)` is the one query: one `LeadFacts` per
inquiry received in the window (its route, intent, the SDR team's decision,
when the SDR was first notified and first made contact). Everything else is a
pure function of those facts, so it is tested without a database:

- `funnel`: inquiries -> leads -> MQL -> SQL -> accepted by an SDR ->
  opportunity, each with its count and its rate from the step before. A step
  counts every inquiry that reached it, by the qualifier's route or by an SDR
  (rerouting to SQL, or accepting, makes a lead sales-qualified); a later
  rejection does not undo it, the acceptance rate shows that. A lead is what
  the lifecycle calls one (`handoff.lifecycle.stage_for_route`): a buying
  inquiry routed to nurture or better; junk and redirects are not leads.
- `by_source`, `by_week` (weeks start on Monday in the SLA's time zone).
- `speed_to_lead`: p50 and p90 of received -> SDR notified (the first
  notification sent) and received -> first contact, over leads that have one.
- `acceptance`: of the qualifier's SQLs that an SDR decided, the share
  accepted: SQL precision in production; overall and per SDR.
- `junk`: discarded inquiries by intent and by intent flag; `rejections`: the
  SDRs' rejection reasons.

Charts are SVG written here (`bar_chart`, `column_chart`): a few rectangles
and labels, every label escaped with markupsafe, so the page needs no
JavaScript and no chart library (Chart.js and Vega would need script on the
page, which the dashboard's Content-Security-Policy forbids). CSV export
neutralises spreadsheet formulas: a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'` (OWASP's CSV injection
advice); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from handoff.lifecycle import stage_for_route

from . import models

STEPS = ("inquiries", "leads", "mql", "sql", "accepted", "opportunity")
STEP_LABELS = {
    "inquiries": "Inquiries",
    "leads": "Leads",
    "mql": "MQL",
    "sql": "SQL",
    "accepted": "Accepted by SDR",
    "opportunity": "Opportunity",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHART_COLOURS = ("#3b6ea5", "#6a9f58", "#d08c2f", "#8a5fa8", "#c4534b", "#4f9a9a")


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What analytics needs to know about one inquiry."""

    inquiry_id: str
    source: str
    received_at: datetime
    route: str | None  # the qualifier's route (None: not processed)
    intent: str | None
    flags: tuple[str, ...] = ()
    final_route: str | None = None  # after the SDR team's reroute or rejection
    sdr_id: str | None = None  # assigned SDR, after any reassignment
    decision: str | None = None  # accepted | rejected | rerouted
    reject_reason: str | None = None
    notified_at: datetime | None = None  # first notification sent
    contacted_at: datetime | None = None  # first contact by an SDR
    opportunity_at: datetime | None = None
    name: str | None = None
    company: str | None = None
    email: str | None = None

    @property
    def reached(self) -> int:
        """How far along STEPS the inquiry got (0: an inquiry only)."""
        if self.opportunity_at is not None and self.decision == "accepted":
            return 5
        if self.decision == "accepted":
            return 4
        if "sql" in (self.route, self.final_route):
            return 3
        if "mql" in (self.route, self.final_route):
            return 2
        if self.route is not None and self.intent and stage_for_route(self.route, self.intent) == "lead":
            return 1
        return 0


# --------------------------------------------------------------------------- the query


def load_facts(session: Session, since: datetime | None, until: datetime) -> list[LeadFacts]:
    """Facts about every inquiry received in [since, until), oldest first."""
    latest = (
        select(models.Qualification.inquiry_id, func.max(models.Qualification.id).label("qid"))
        .group_by(models.Qualification.inquiry_id)
        .subquery()
    )
    qualification = aliased(models.Qualification)
    notified = (
        select(models.Delivery.inquiry_id, func.min(models.Delivery.sent_at).label("sent_at"))
        .where(models.Delivery.status == "sent")
        .group_by(models.Delivery.inquiry_id)
        .subquery()
    )
    inquiry = models.Inquiry
    query = (
        select(
            inquiry.id,
            inquiry.source,
            inquiry.received_at,
            inquiry.route,
            qualification.predicted["intent"].as_string(),
            qualification.predicted["intent_flags"],
            qualification.predicted[("assignment", "sdr")].as_string(),
            models.LeadState,
            notified.c.sent_at,
            inquiry.normalized[("contact", "name")].as_string(),
            inquiry.normalized[("contact", "company")].as_string(),
            inquiry.normalized[("contact", "email")].as_string(),
        )
        .outerjoin(latest, latest.c.inquiry_id == inquiry.id)
        .outerjoin(qualification, qualification.id == latest.c.qid)
        .outerjoin(models.LeadState, models.LeadState.inquiry_id == inquiry.id)
        .outerjoin(notified, notified.c.inquiry_id == inquiry.id)
        .where(inquiry.received_at < until)
        .order_by(inquiry.received_at, inquiry.id)
    )
    reasons_query = select(models.LeadEvent.inquiry_id, models.LeadEvent.reason).where(
        models.LeadEvent.kind == "reject"
    )
    if since is not None:
        query = query.where(inquiry.received_at >= since)
        reasons_query = reasons_query.join(inquiry, inquiry.id == models.LeadEvent.inquiry_id).where(
            inquiry.received_at >= since
        )
    reasons: dict[str, str | None] = {}
    for inquiry_id, reason in session.execute(
        reasons_query.order_by(models.LeadEvent.at, models.LeadEvent.id)
    ):
        reasons[inquiry_id] = reason  # the latest rejection's
    facts = []
    for row in session.execute(query):
        (iid, source, received_at, route, intent, flags, sdr, state, sent_at, name, company, email) = row
        decided = state is not None and state.decision is not None
        facts.append(
            LeadFacts(
                inquiry_id=iid,
                source=source,
                received_at=received_at,
                route=route,
                intent=intent,
                flags=tuple(str(f) for f in flags) if isinstance(flags, list) else (),
                final_route=(state.route if state is not None and state.route else route),
                sdr_id=(state.sdr_id if state is not None and state.sdr_id else sdr),
                decision=state.decision if state is not None else None,
                reject_reason=reasons.get(iid) if decided and state.decision == "rejected" else None,
                notified_at=_utc(sent_at),
                contacted_at=state.contacted_at if state is not None else None,
                opportunity_at=state.opportunity_at if state is not None else None,
                name=name,
                company=company,
                email=email,
            )
        )
    return facts


def _utc(value: datetime | None) -> datetime | None:
    """A timestamp from an aggregate (SQLite gives text or naive values for MIN of a column)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=ZoneInfo("UTC")) if value.tzinfo is None else value


# --------------------------------------------------------------------------- pure aggregates


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    label: str
    count: int
    rate: float | None  # from the step before (None for the first, or when that was 0)
    of_inquiries: float | None


@dataclass(frozen=True, slots=True)
class Funnel:
    steps: tuple[Step, ...]

    def count(self, name: str) -> int:
        return next(s.count for s in self.steps if s.name == name)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def funnel(facts: Iterable[LeadFacts]) -> Funnel:
    counts = [0] * len(STEPS)
    for fact in facts:
        for i in range(fact.reached + 1):
            counts[i] += 1
    steps = []
    for i, name in enumerate(STEPS):
        rate = _ratio(counts[i], counts[i - 1]) if i else None
        steps.append(Step(name, STEP_LABELS[name], counts[i], rate, _ratio(counts[i], counts[0])))
    return Funnel(tuple(steps))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def group(facts: Iterable[LeadFacts], key: Callable[[LeadFacts], str]) -> dict[str, list[LeadFacts]]:
    groups: dict[str, list[LeadFacts]] = defaultdict(list)
    for fact in facts:
        groups[key(fact)].append(fact)
    return dict(groups)


def by_source(facts: Sequence[LeadFacts]) -> list[tuple[str, Funnel]]:
    """Each source's funnel, the busiest source first."""
    groups = group(facts, lambda f: f.source)
    return sorted(
        ((s, funnel(g)) for s, g in groups.items()), key=lambda item: (-item[1].count("inquiries"), item[0])
    )


def week_start(moment: datetime, zone: str) -> date:
    local = moment.astimezone(ZoneInfo(zone)).date()
    return local - timedelta(days=local.weekday())


def by_week(
    facts: Sequence[LeadFacts], zone: str, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[date, Funnel]]:
    """Each week's funnel, oldest first, with empty weeks in the window shown as zeros."""
    groups: dict[date, list[LeadFacts]] = defaultdict(list)
    for fact in facts:
        groups[week_start(fact.received_at, zone)].append(fact)
    if not groups and since is None:
        return []
    first = week_start(since, zone) if since is not None else min(groups)
    last = week_start(until, zone) if until is not None else max(groups)
    if groups:
        first, last = min(first, min(groups)), max(last, max(groups))
    weeks = []
    day = first
    while day <= last:
        weeks.append((day, funnel(groups.get(day, []))))
        day += timedelta(days=7)
    return weeks


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The pct-th percentile with linear interpolation between ranks (numpy's default); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Speed:
    """Seconds from receipt to an event, over the leads that have it."""

    count: int
    p50: float | None
    p90: float | None


def _speed(values: list[float]) -> Speed:
    return Speed(len(values), percentile(values, 50), percentile(values, 90))


def speed_to_lead(facts: Iterable[LeadFacts]) -> dict[str, Speed]:
    """{"notified": received -> first notification sent, "contacted": received -> first contact}."""
    notified, contacted = [], []
    for fact in facts:
        if fact.notified_at is not None:
            notified.append(max(0.0, (fact.notified_at - fact.received_at).total_seconds()))
        if fact.contacted_at is not None:
            contacted.append(max(0.0, (fact.contacted_at - fact.received_at).total_seconds()))
    return {"notified": _speed(notified), "contacted": _speed(contacted)}


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What SDRs decided about the qualifier's SQLs."""

    sqls: int
    accepted: int
    rejected: int
    rerouted: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected + self.rerouted

    @property
    def pending(self) -> int:
        return self.sqls - self.decided

    @property
    def rate(self) -> float | None:
        return _ratio(self.accepted, self.decided)


def acceptance(facts: Iterable[LeadFacts]) -> Acceptance:
    counts: Counter[str] = Counter()
    sqls = 0
    for fact in facts:
        if fact.route != "sql":
            continue
        sqls += 1
        if fact.decision:
            counts[fact.decision] += 1
    return Acceptance(sqls, counts["accepted"], counts["rejected"], counts["rerouted"])


def acceptance_by_sdr(facts: Sequence[LeadFacts]) -> list[tuple[str, Acceptance]]:
    sqls = [f for f in facts if f.route == "sql"]
    groups = group(sqls, lambda f: f.sdr_id or "")
    return sorted(
        ((sdr, acceptance(g)) for sdr, g in groups.items()), key=lambda item: (-item[1].sqls, item[0])
    )


@dataclass(frozen=True, slots=True)
class Junk:
    total: int
    by_intent: tuple[tuple[str, int], ...]
    by_flag: tuple[tuple[str, int], ...]


def junk(facts: Iterable[LeadFacts]) -> Junk:
    """Discarded inquiries by the qualifier's intent and by intent flag, most frequent first."""
    intents: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    for fact in facts:
        if fact.route != "discard":
            continue
        intents[fact.intent or "unknown"] += 1
        flags.update(set(fact.flags))
    ordered = lambda c: tuple(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
    return Junk(sum(intents.values()), ordered(intents), ordered(flags))


def rejections(facts: Iterable[LeadFacts]) -> tuple[tuple[str, int], ...]:
    reasons = Counter(f.reject_reason or "unknown" for f in facts if f.decision == "rejected")
    return tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True, slots=True)
class Report:
    since: datetime | None
    until: datetime
    zone: str
    total: Funnel
    sources: list[tuple[str, Funnel]]
    weeks: list[tuple[date, Funnel]]
    speed: dict[str, Speed]
    speed_by_source: list[tuple[str, dict[str, Speed]]]
    acceptance: Acceptance
    acceptance_by_sdr: list[tuple[str, Acceptance]]
    junk: Junk
    rejections: tuple[tuple[str, int], ...]
    facts: list[LeadFacts] = field(default_factory=list)


def report(facts: list[LeadFacts], *, since: datetime | None, until: datetime, zone: str) -> Report:
    sources = group(facts, lambda f: f.source)
    return Report(
        since=since,
        until=until,
        zone=zone,
        total=funnel(facts),
        sources=by_source(facts),
        weeks=by_week(facts, zone, since, until - timedelta(microseconds=1)),
        speed=speed_to_lead(facts),
        speed_by_source=sorted((s, speed_to_lead(g)) for s, g in sources.items()),
        acceptance=acceptance(facts),
        acceptance_by_sdr=acceptance_by_sdr(facts),
        junk=junk(facts),
        rejections=rejections(facts),
        facts=facts,
    )


# --------------------------------------------------------------------------- formatting


def duration(seconds: float | None) -> str:
    """'0.4 s', '45 s', '12 min', '3 h 05 min', '2 d 4 h'; an em dash for none."""
    if seconds is None:
        return "—"
    if seconds < 9.95:
        return f"{max(0.0, seconds):.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


# --------------------------------------------------------------------------- SVG charts


def bar_chart(
    items: Sequence[tuple[str, float, str]], *, title: str, width: int = 640, colour: str = CHART_COLOURS[0]
) -> Markup:
    """Horizontal bars: (label, value, text shown after the bar) per row."""
    row, label_width, pad = 30, 150, 8
    height = max(1, len(items)) * row + 2 * pad
    top = max((value for _, value, _ in items), default=0) or 1
    bar_space = width - label_width - 120
    parts = [_svg_open(width, height, title)]
    if not items:
        parts.append(f'<text x="{pad}" y="{pad + 18}" class="chart-empty">No data in this period.</text>')
    for i, (label, value, note) in enumerate(items):
        y = pad + i * row
        length = bar_space * value / top
        parts.append(
            f'<text x="{label_width - pad}" y="{y + 19}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" rx="2" fill="{colour}">'
            f"<title>{escape(label)}: {escape(note)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 19}" class="chart-value">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped; numbers are formatted here


def column_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 720,
    height: int = 240,
) -> Markup:
    """Grouped vertical bars: one group per category (a week), one bar per series, and a legend."""
    left, right, top_pad, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max((v for _, values in series for v in values), default=0) or 1
    parts = [_svg_open(width, height, title)]
    for i, (name, _) in enumerate(series):  # legend
        x = left + i * 120
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{CHART_COLOURS[i % len(CHART_COLOURS)]}"/>'
            f'<text x="{x + 16}" y="16" class="chart-label">{escape(name)}</text>'
        )
    for tick in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="chart-axis">{_tick(peak * tick)}</text>'
        )
    if not categories:
        parts.append(
            f'<text x="{left + 8}" y="{top_pad + 20}" class="chart-empty">No data in this period.</text>'
        )
    group_w = plot_w / max(1, len(categories))
    bar_w = max(1.0, (group_w - 6) / max(1, len(series)))
    label_every = max(1, len(categories) // 12)
    for c, category in enumerate(categories):
        x0 = left + c * group_w + 3
        for s, (name, values) in enumerate(series):
            value = values[c]
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{CHART_COLOURS[s % len(CHART_COLOURS)]}"><title>{escape(category)} · {escape(name)}: '
                f"{_tick(value)}</title></rect>"
            )
        if c % label_every == 0:
            parts.append(
                f'<text x="{x0 + (group_w - 6) / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'class="chart-axis">{escape(category)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped; numbers are formatted here


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>"
    )


def _tick(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


def funnel_chart(f: Funnel) -> Markup:
    items = [
        (
            step.label,
            step.count,
            f"{step.count}" + (f" · {percent(step.rate)}" if step.rate is not None else ""),
        )
        for step in f.steps
    ]
    return bar_chart(items, title="Funnel: count and rate from the step before")


def weekly_chart(weeks: Sequence[tuple[date, Funnel]]) -> Markup:
    categories = [week.strftime("%d %b") for week, _ in weeks]
    series = [
        (STEP_LABELS[name], [f.count(name) for _, f in weeks])
        for name in ("inquiries", "leads", "sql", "accepted")
    ]
    return column_chart(categories, series, title="Inquiries, leads, SQLs and accepted leads per week")


def junk_chart(j: Junk) -> Markup:
    return bar_chart(
        [(intent, count, str(count)) for intent, count in j.by_intent],
        title="Discarded inquiries by class",
        colour=CHART_COLOURS[4],
    )


# --------------------------------------------------------------------------- CSV


def csv_cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that could start a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


FUNNEL_HEADER = (
    "group",
    "key",
    *STEPS,
    *(f"{name}_rate" for name in STEPS[1:]),
    "notified_p50_seconds",
    "notified_p90_seconds",
    "contacted_p50_seconds",
    "contacted_p90_seconds",
)


def funnel_csv(r: Report) -> str:
    """The funnel in total, per source and per week, with speed-to-lead, one row each."""
    speeds = dict(r.speed_by_source)
    weeks_facts = group(r.facts, lambda f: week_start(f.received_at, r.zone).isoformat())

    def row(kind: str, key: str, f: Funnel, speed: Mapping[str, Speed]) -> list[Any]:
        return [
            kind,
            key,
            *(f.count(name) for name in STEPS),
            *(_rounded(f.step(name).rate, 4) for name in STEPS[1:]),
            _rounded(speed["notified"].p50, 1),
            _rounded(speed["notified"].p90, 1),
            _rounded(speed["contacted"].p50, 1),
            _rounded(speed["contacted"].p90, 1),
        ]

    rows = [row("total", "all", r.total, r.speed)]
    rows += [row("source", source, f, speeds[source]) for source, f in r.sources]
    rows += [
        row("week", week.isoformat(), f, speed_to_lead(weeks_facts.get(week.isoformat(), [])))
        for week, f in r.weeks
    ]
    return to_csv(FUNNEL_HEADER, rows)


LEADS_HEADER = (
    "inquiry_id",
    "received_at",
    "source",
    "name",
    "company",
    "email",
    "intent",
    "route",
    "final_route",
    "sdr",
    "decision",
    "reject_reason",
    "notified_at",
    "contacted_at",
    "seconds_to_contact",
    "opportunity_at",
)


def leads_csv(facts: Iterable[LeadFacts]) -> str:
    """One row per inquiry, for a spreadsheet (names and companies are visitor text: neutralised)."""
    rows = []
    for f in facts:
        to_contact = (f.contacted_at - f.received_at).total_seconds() if f.contacted_at else None
        rows.append(
            [
                f.inquiry_id,
                f.received_at,
                f.source,
                f.name,
                f.company,
                f.email,
                f.intent,
                f.route,
                f.final_route,
                f.sdr_id,
                f.decision,
                f.reject_reason,
                f.notified_at,
                f.contacted_at,
                _rounded(to_contact, 1),
                f.opportunity_at,
            ]
        )
    return to_csv(LEADS_HEADER, rows)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
