"""The SDR dashboard: sign in, work the queue, read a lead, act on it, see the funnel.

Server-rendered pages (Jinja2 templates in `templates/pages/dashboard/`) under
`/dashboard`; every page works without JavaScript: filters are GET forms,
actions are POST forms that redirect back (post/redirect/get) with a message.

- `GET  /dashboard/` -> the queue; `GET|POST /dashboard/sign-in`, `POST /dashboard/sign-out`
- `GET  /dashboard/queue?scope=mine|all|unassigned&route=sql|mql|...&status=open|contacted|rejected|all`
- `GET  /dashboard/leads/<id>`: the brief, what they wrote with the evidence
  highlighted, the history, the notifications, and the actions:
  `POST /dashboard/leads/<id>/<action>` for accept, reject, reroute,
  contacted, note, assign, opportunity, correct (`feedback` does the work)
- `GET  /dashboard/analytics?days=N`, `GET /dashboard/analytics.csv?table=funnel|leads&days=N`

The queue holds the leads of the routes SDRs work (`[assignment] routes`),
open ones first: SQL before MQL, then the higher score, then the longer wait.
Its SLA colours come from the brief's response deadline
(`handoff.brief.response_deadline`): green while more than a third of the
time allowed is left, amber after that, red once it has passed; a contacted
lead shows whether the deadline was met.

Who may do what: every signed-in user reads every lead and the analytics. An
SDR works the leads assigned to them and unassigned ones (taking or handing
one over is an assignment); an admin works any lead and downloads the per-lead
CSV (it holds contact details). Users come from `qualifier create-user`.

Visitor text is only ever printed through Jinja's autoescape; the stored brief
HTML is trusted because `handoff.brief` escaped every value when it rendered
it. Highlighting builds (text, slots) segments here and lets the template
escape each piece. Pages send a Content-Security-Policy with no script at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound, TooManyRequests

from forms.types import Inquiry as NormalizedInquiry
from handoff.brief import response_deadline
from handoff.policy import AUTHORITY_ROLES, BUDGET_STATUSES, INTENTS, URGENCIES
from handoff.roster import Roster, Sdr
from handoff.types import ROUTES

from . import analytics, auth, db, delivery, feedback, models

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    static_folder="static/dashboard",
    static_url_path="/static",
)

QUEUE_LIMIT = 200
AMBER_FRACTION = 1 / 3  # amber once less than this share of the time allowed is left
SCOPES = {"mine": "Mine", "all": "Everyone's", "unassigned": "Unassigned"}
STATUSES = {"open": "Open", "contacted": "Contacted", "rejected": "Rejected", "all": "All"}
PERIODS = {7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days", 365: "Last 12 months", 0: "All time"}
HIGHLIGHT_SLOTS = ("need", "budget", "timeframe", "authority", "contact_request")
SLOT_LABELS = {
    "need": "Need",
    "budget": "Budget",
    "timeframe": "Timeframe",
    "authority": "Authority",
    "contact_request": "Asked for contact",
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
PUBLIC_ENDPOINTS = frozenset({"dashboard.sign_in", "dashboard.static"})


def init_app(app: Flask) -> None:
    """Session and cookie settings (`auth`), then the blueprint."""
    auth.init_app(app)
    app.register_blueprint(bp)


def _runtime() -> Any:
    return current_app.extensions["qualifier"]


def _roster() -> Roster:
    return _runtime().policy.roster


def _now() -> datetime:
    return g.now


# --------------------------------------------------------------------------- request plumbing


@bp.before_request
def _before() -> Response | None:
    g.now = datetime.now(UTC)
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST" and (problem := auth.check_csrf()):
            raise BadRequest(f"The form could not be accepted: {problem}. Reload the page and try again.")
        return None
    user = auth.current_user()
    if user is None:
        if request.method == "GET":
            return redirect(url_for("dashboard.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("dashboard.sign_in"))
    if request.method == "POST" and (problem := auth.check_csrf()):
        raise BadRequest(f"The form could not be accepted: {problem}. Reload the page and try again.")
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "csrf_token": auth.csrf_token,
        "user": auth.current_user() if request.endpoint not in PUBLIC_ENDPOINTS else None,
        "when": _when,
        "when_text": _when_text,
        "ago": _ago,
        "duration": analytics.duration,
        "percent": analytics.percent,
        "route_label": feedback.describe_route,
        "sdr_name": _sdr_name,
    }


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException) -> tuple[str, int, dict[str, str]]:
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(PAGE_HEADERS)
    status = exc.code or 500
    return (
        render_template("pages/dashboard/error.html", status=status, title=exc.name, message=exc.description),
        status,
        headers,
    )


def _zone() -> str:
    user = auth.current_user()
    sdr = _roster().sdr(user.sdr_id) if user is not None and user.sdr_id else None
    return sdr.timezone if sdr else _runtime().policy.sla.timezone


def _when(moment: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(_zone())).strftime(fmt)


def _when_text(text: str | None) -> str:
    """A vendor's ISO 8601 time shown like ours; anything else as it came."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return text
    return _when(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "%d %b %H:%M:%S")


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return analytics.duration((_now() - moment).total_seconds())


def _sdr_name(sdr_id: str | None) -> str:
    if not sdr_id:
        return "nobody"
    sdr = _roster().sdr(sdr_id)
    return sdr.name if sdr else sdr_id


# --------------------------------------------------------------------------- sign-in


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if request.method == "GET":
        if auth.current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("pages/dashboard/sign_in.html", next=request.args.get("next", ""), email="")
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    nxt = request.form.get("next", "")
    result = auth.authenticate(db.get_session(), email, password, request.remote_addr or "unknown", _now())
    if isinstance(result, auth.Throttled):
        minutes = max(1, round(result.retry_after / 60))
        raise _TooMany(
            f"Too many failed sign-ins {'for this account' if result.why == 'email' else 'from your network'}. "
            f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
            result.retry_after,
        )
    if result is None:
        flash("Wrong email or password.", "error")
        page = render_template("pages/dashboard/sign_in.html", next=nxt, email=email)
        return page, 401
    auth.sign_in(result)
    return redirect(_safe_next(nxt))


class _TooMany(TooManyRequests):
    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description, retry_after=retry_after)


def _safe_next(value: str | None) -> str:
    """Only a path inside the dashboard: never an open redirect to another site."""
    default = url_for("dashboard.queue")
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/dashboard/") or "\\" in value:
        return default
    return value


@bp.post("/sign-out")
def sign_out() -> Response:
    auth.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("dashboard.sign_in"))


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True, slots=True)
class SlaState:
    colour: str  # green | amber | red | met | missed | none
    text: str
    deadline: datetime | None


def sla_state(
    received_at: datetime, deadline: datetime | None, contacted_at: datetime | None, now: datetime
) -> SlaState:
    """The SLA colour of a lead: green, amber (under a third of the time left), red (overdue), or met/missed."""
    if deadline is None:
        return SlaState("none", "no deadline", None)
    if contacted_at is not None:
        took = analytics.duration((contacted_at - received_at).total_seconds())
        if contacted_at <= deadline:
            return SlaState("met", f"contacted in {took}", deadline)
        return SlaState(
            "missed",
            f"contacted in {took}, {analytics.duration((contacted_at - deadline).total_seconds())} late",
            deadline,
        )
    left = (deadline - now).total_seconds()
    if left <= 0:
        return SlaState("red", f"overdue by {analytics.duration(-left)}", deadline)
    allowed = max(1.0, (deadline - received_at).total_seconds())
    colour = "amber" if left < allowed * AMBER_FRACTION else "green"
    return SlaState(colour, f"due in {analytics.duration(left)}", deadline)


def lead_deadline(route: str | None, received_at: datetime, sdr: Sdr | None) -> datetime | None:
    if route not in ("sql", "mql"):
        return None
    return response_deadline(route, received_at, _runtime().policy.sla, sdr)[0]


@dataclass(frozen=True, slots=True)
class QueueRow:
    lead: feedback.Lead
    name: str
    company: str | None
    title: str | None
    excerpt: str
    sla: SlaState
    waiting: str


@dataclass(frozen=True, slots=True)
class QueueFilters:
    scope: str = "all"
    route: str = ""
    status: str = "open"


def queue_query(roster: Roster, filters: QueueFilters, sdr_id: str | None) -> Any:
    """The queue as one SELECT of (Inquiry, latest predicted, LeadState), in working order."""
    latest = (
        select(models.Qualification.inquiry_id, func.max(models.Qualification.id).label("qid"))
        .group_by(models.Qualification.inquiry_id)
        .subquery()
    )
    qualification = aliased(models.Qualification)
    state = models.LeadState
    route = func.coalesce(state.route, models.Inquiry.route)
    assignee = func.coalesce(state.sdr_id, qualification.predicted[("assignment", "sdr")].as_string())
    worked = tuple(roster.routes)
    query = (
        select(models.Inquiry, qualification.predicted, state)
        .join(latest, latest.c.inquiry_id == models.Inquiry.id)
        .join(qualification, qualification.id == latest.c.qid)
        .outerjoin(state, state.inquiry_id == models.Inquiry.id)
        .where(models.Inquiry.status == "processed")
    )
    if filters.status == "open":
        query = query.where(
            route.in_(worked),
            state.contacted_at.is_(None),
            or_(state.decision.is_(None), state.decision != "rejected"),
        )
    elif filters.status == "contacted":
        query = query.where(state.contacted_at.is_not(None))
    elif filters.status == "rejected":
        query = query.where(state.decision == "rejected")
    else:
        query = query.where(
            or_(route.in_(worked), models.Inquiry.route.in_(worked), state.inquiry_id.is_not(None))
        )
    if filters.route:
        query = query.where(route == filters.route)
    if filters.scope == "mine":
        query = query.where(assignee == sdr_id) if sdr_id else query.where(false())
    elif filters.scope == "unassigned":
        query = query.where(assignee.is_(None))
    order = case((route == "sql", 0), (route == "mql", 1), else_=2)
    return query.order_by(order, models.Inquiry.score.desc(), models.Inquiry.received_at, models.Inquiry.id)


def queue_rows(filters: QueueFilters, sdr_id: str | None) -> tuple[list[QueueRow], int]:
    session = db.get_session()
    query = queue_query(_roster(), filters, sdr_id)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = []
    for inquiry, predicted, state in session.execute(query.limit(QUEUE_LIMIT)):
        lead = feedback.Lead(inquiry, predicted or {}, state)
        contact = (inquiry.normalized or {}).get("contact") or {}
        name = contact.get("name") or contact.get("email") or "Unknown visitor"
        sdr = _roster().sdr(lead.sdr_id) if lead.sdr_id else None
        deadline = lead_deadline(lead.route, inquiry.received_at, sdr)
        end = lead.contacted_at or _now()
        rows.append(
            QueueRow(
                lead=lead,
                name=name,
                company=contact.get("company"),
                title=contact.get("title"),
                excerpt=_excerpt((inquiry.normalized or {}).get("message") or ""),
                sla=sla_state(inquiry.received_at, deadline, lead.contacted_at, _now()),
                waiting=analytics.duration((end - inquiry.received_at).total_seconds()),
            )
        )
    return rows, total


def _excerpt(text: str, length: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


@bp.get("/")
def index() -> Response:
    return redirect(url_for("dashboard.queue"))


@bp.get("/queue")
def queue() -> str:
    user = auth.current_user()
    assert user is not None
    default_scope = "mine" if user.sdr_id else "all"
    filters = QueueFilters(
        scope=_choice(request.args.get("scope"), SCOPES, default_scope),
        route=_choice(request.args.get("route"), ROUTES, ""),
        status=_choice(request.args.get("status"), STATUSES, "open"),
    )
    rows, total = queue_rows(filters, user.sdr_id)
    return render_template(
        "pages/dashboard/queue.html",
        rows=rows,
        total=total,
        limit=QUEUE_LIMIT,
        filters=filters,
        scopes=SCOPES,
        statuses=STATUSES,
        routes=ROUTES,
        has_sdr=user.sdr_id is not None,
    )


def _choice(value: str | None, allowed: Any, default: Any) -> Any:
    return value if value in allowed else default


# --------------------------------------------------------------------------- the lead page


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    slots: tuple[str, ...] = ()  # the slots whose evidence covers this text


@dataclass(frozen=True, slots=True)
class Passage:
    """One field or chat turn of what the person sent, cut into highlighted segments."""

    label: str
    role: str  # field | visitor | bot | agent
    at: str | None
    segments: tuple[Segment, ...]


def highlight(text: str, spans: Sequence[tuple[int, int, str]]) -> tuple[Segment, ...]:
    """Cut `text` at the span boundaries; each piece names the slots whose spans cover it.

    Spans outside the text or empty are ignored; overlapping spans give pieces with several slots.
    """
    valid = [(s, e, slot) for s, e, slot in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in valid), *(e for _, e, _ in valid)})
    segments: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        slots = tuple(
            sorted({slot for s, e, slot in valid if s <= start and end <= e}, key=HIGHLIGHT_SLOTS.index)
        )
        if segments and segments[-1].slots == slots:
            segments[-1] = Segment(segments[-1].text + text[start:end], slots)
        else:
            segments.append(Segment(text[start:end], slots))
    return tuple(segments)


def evidence_spans(predicted: Mapping[str, Any]) -> dict[str, list[tuple[int, int, str, str]]]:
    """source ("field:message", "turn:2") -> [(start, end, slot, text)] from the stored qualification."""
    spans: dict[str, list[tuple[int, int, str, str]]] = {}
    for slot in HIGHLIGHT_SLOTS:
        value = predicted.get(slot)
        if not isinstance(value, Mapping) or value.get("present") is not True:
            continue
        for span in value.get("spans") or ():
            if not isinstance(span, Mapping):
                continue
            source, start, end = span.get("source"), span.get("start"), span.get("end")
            if isinstance(source, str) and isinstance(start, int) and isinstance(end, int):
                spans.setdefault(source, []).append((start, end, slot, str(span.get("text") or "")))
    return spans


def passages(normalized: NormalizedInquiry, predicted: Mapping[str, Any]) -> list[Passage]:
    """What the person sent (form fields or chat turns), with each slot's evidence marked."""
    spans = evidence_spans(predicted)

    def marks(source: str, text: str) -> tuple[Segment, ...]:
        # A span is trusted only where it still points at its own words.
        found = [(s, e, slot) for s, e, slot, words in spans.get(source, ()) if text[s:e] == words]
        return highlight(text, found)

    if normalized.channel == "chat":
        return [
            Passage(turn.role.capitalize(), turn.role, turn.at, marks(f"turn:{i}", turn.text))
            for i, turn in enumerate(normalized.transcript)
        ]
    return [
        Passage(label, "field", None, marks(f"field:{label}", value))
        for label, value in normalized.fields.items()
    ]


def _lead_or_404(inquiry_id: str) -> feedback.Lead:
    lead = feedback.load_lead(db.get_session(), inquiry_id)
    if lead is None or lead.inquiry.status != "processed":
        raise NotFound("There is no processed lead with this id; it may have been erased.")
    return lead


def can_work(user: models.User, lead: feedback.Lead) -> bool:
    """Admins work every lead; an SDR their own leads and unassigned ones."""
    return (
        user.role == "admin"
        or lead.sdr_id is None
        or (user.sdr_id is not None and lead.sdr_id == user.sdr_id)
    )


@bp.get("/leads/<inquiry_id>")
def lead(inquiry_id: str) -> str:
    user = auth.current_user()
    assert user is not None
    session = db.get_session()
    found = _lead_or_404(inquiry_id)
    normalized = NormalizedInquiry.from_json(found.inquiry.normalized)
    events = feedback.events_of(session, inquiry_id)
    roster = _roster()
    sdr = roster.sdr(found.sdr_id) if found.sdr_id else None
    deadline = lead_deadline(found.route, found.inquiry.received_at, sdr)
    brief = found.inquiry.brief
    spans = evidence_spans(found.predicted)
    return render_template(
        "pages/dashboard/lead.html",
        lead=found,
        contact=normalized.contact,
        normalized=normalized,
        # Rendered by handoff.brief with autoescape: every visitor value in it is escaped already.
        brief_html=Markup(brief.html) if brief else None,  # noqa: S704
        passages=passages(normalized, found.predicted),
        slot_labels=SLOT_LABELS,
        highlighted=[
            slot for slot in HIGHLIGHT_SLOTS if any(s[2] == slot for v in spans.values() for s in v)
        ],
        sla=sla_state(found.inquiry.received_at, deadline, found.contacted_at, _now()),
        events=events,
        deliveries=delivery.delivery_log(session, inquiry_id),
        labels=feedback.labels(found.predicted, events),
        can_work=can_work(user, found),
        roster=roster.sdrs,
        reject_reasons=feedback.REJECT_REASONS,
        reject_routes=feedback.REJECT_ROUTES,
        reroute_routes=feedback.REROUTE_ROUTES,
        contact_channels=feedback.CONTACT_CHANNELS,
        intents=INTENTS,
        budget_statuses=BUDGET_STATUSES,
        urgencies=URGENCIES,
        authority_roles=AUTHORITY_ROLES,
        periods=feedback.PERIODS,
        route_option=_route_option,
    )


def _route_option(value: str) -> str:
    route, _, team = value.partition(":")
    return feedback.describe_route(route, team or None)


ACTIONS = ("accept", "reject", "reroute", "contacted", "note", "assign", "opportunity", "correct")
DONE = {
    "accept": "Accepted: the lead is yours to work as an SQL.",
    "reject": "Rejected: the lead left the queue.",
    "reroute": "Rerouted.",
    "contacted": "Contact recorded.",
    "note": "Note added.",
    "assign": "Assigned.",
    "opportunity": "Marked as an opportunity.",
    "correct": "Corrections saved.",
}


@bp.post("/leads/<inquiry_id>/<action>")
def act(inquiry_id: str, action: str) -> Response:
    if action not in ACTIONS:
        raise NotFound("No such action.")
    user = auth.current_user()
    assert user is not None
    session = db.get_session()
    found = _lead_or_404(inquiry_id)
    form = request.form
    now = _now()
    if action == "assign":
        _check_assign(user, found, form.get("sdr_id", ""))
    elif not can_work(user, found):
        raise Forbidden(
            f"This lead is assigned to {_sdr_name(found.sdr_id)}; only they or an admin can work it."
        )
    try:
        if action == "accept":
            feedback.accept(session, found, user, now=now, note=form.get("note", ""))
        elif action == "reject":
            feedback.reject(
                session,
                found,
                user,
                reason=form.get("reason", ""),
                details=form.get("details", ""),
                route=form.get("route", ""),
                now=now,
            )
        elif action == "reroute":
            feedback.reroute(
                session, found, user, route=form.get("route", ""), note=form.get("note", ""), now=now
            )
        elif action == "contacted":
            feedback.mark_contacted(
                session, found, user, via=form.get("via", ""), note=form.get("note", ""), now=now
            )
        elif action == "note":
            feedback.add_note(session, found, user, text=form.get("text", ""), now=now)
        elif action == "assign":
            feedback.assign(
                session,
                found,
                user,
                sdr_id=form.get("sdr_id", ""),
                roster=_roster(),
                note=form.get("note", ""),
                now=now,
            )
        elif action == "opportunity":
            feedback.mark_opportunity(session, found, user, note=form.get("note", ""), now=now)
        else:
            changed = feedback.correct(session, found, user, form=form, now=now)
            flash(f"Corrections saved: {', '.join(changed)}.", "success")
            return redirect(url_for("dashboard.lead", inquiry_id=inquiry_id) + "#history")
    except feedback.ActionError as exc:
        session.rollback()
        flash(f"Not done: {exc}.", "error")
        return redirect(url_for("dashboard.lead", inquiry_id=inquiry_id) + f"#{action}")
    flash(DONE[action], "success")
    rerouted_away = action == "reroute" and form.get("route", "").partition(":")[0] not in _roster().routes
    if action in ("reject", "contacted") or rerouted_away:
        return redirect(url_for("dashboard.queue"))
    return redirect(url_for("dashboard.lead", inquiry_id=inquiry_id))


def _check_assign(user: models.User, lead: feedback.Lead, sdr_id: str) -> None:
    """Admins assign anything; an SDR takes an unassigned lead or hands over their own."""
    if user.role == "admin":
        return
    if lead.sdr_id is None and sdr_id == user.sdr_id:
        return
    if user.sdr_id is not None and lead.sdr_id == user.sdr_id:
        return
    raise Forbidden("Only an admin can reassign another SDR's lead; you can take unassigned leads.")


# --------------------------------------------------------------------------- analytics


def _window() -> tuple[int, datetime | None, datetime]:
    days = request.args.get("days", "30")
    days_value = int(days) if days.isdigit() and int(days) in PERIODS else 30
    until = _now()
    since = until - timedelta(days=days_value) if days_value else None
    return days_value, since, until


def _report() -> tuple[int, analytics.Report]:
    days, since, until = _window()
    facts = analytics.load_facts(db.get_session(), since, until)
    return days, analytics.report(facts, since=since, until=until, zone=_runtime().policy.sla.timezone)


@bp.get("/analytics")
def analytics_page() -> str:
    days, report = _report()
    return render_template(
        "pages/dashboard/analytics.html",
        report=report,
        days=days,
        periods=PERIODS,
        funnel_chart=analytics.funnel_chart(report.total),
        weekly_chart=analytics.weekly_chart(report.weeks),
        junk_chart=analytics.junk_chart(report.junk),
        steps=analytics.STEPS,
        step_labels=analytics.STEP_LABELS,
        reject_reasons=feedback.REJECT_REASONS,
    )


@bp.get("/analytics.csv")
def analytics_csv() -> Response:
    table = request.args.get("table", "funnel")
    if table not in ("funnel", "leads"):
        raise BadRequest("table must be funnel or leads.")
    user = auth.current_user()
    assert user is not None
    if table == "leads" and user.role != "admin":
        raise Forbidden("Only admins can download the per-lead CSV: it holds contact details.")
    days, report = _report()
    body = analytics.funnel_csv(report) if table == "funnel" else analytics.leads_csv(report.facts)
    stamp = _now().strftime("%Y%m%d")
    name = f"qualifier-{table}-{days or 'all'}d-{stamp}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
