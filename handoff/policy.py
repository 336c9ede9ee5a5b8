"""The routing and scoring policy as a frozen value (read from TOML by `assistant.policy`).

Defaults follow SCHEMA.md's decision list and DESIGN.md's lead-scoring table.
`Policy.from_mapping` validates a parsed TOML document and names the bad key:
unknown keys are errors, not silently ignored, so a typo cannot switch a rule
off. `KEYS` documents every routing and scoring key. Hand-written on the
standard library: the tables are small and a schema library (pydantic,
cerberus) would add a dependency for twenty checks and word its errors its way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .roster import Notify, Roster, Sla

DEFAULT_EVENT_POINTS: dict[str, int] = {
    "email_open": 1,
    "email_click": 5,
    "email_forward": 3,
    "unsubscribe": -5,
    "demo_request": 50,
    "pricing_page_visit": 20,
    "multi_page_visit": 10,
    "careers_page_visit": -5,
    "webinar_registered": 10,
    "webinar_attended": 2,
    "event_attended": 3,
    "sales_conversation_good": 10,
    "sales_conversation_great": 30,
    "white_paper": 10,
    "white_paper_product": 30,
    "interactive_content": 10,
}

DEFAULT_REDIRECTS: dict[str, str] = {
    "support": "support",
    "partnership": "partnerships",
    "job_seeker": "careers",
    "research": "general",  # students and academics
    "press": "press",  # research by a journalist or analyst
    "other": "general",
    "vendor_pitch": "general",
    "spam": "general",
    "buying": "general",
}

# What each non-buying intent does (SCHEMA.md); buying follows the decision list.
DEFAULT_INTENT_ROUTES: dict[str, str] = {
    "support": "redirect",
    "partnership": "redirect",
    "job_seeker": "redirect",
    "research": "redirect",
    "spam": "discard",
    "vendor_pitch": "discard",
    "other": "nurture",
}

# Fit points per qualifying signal (handoff.score.fit_score); the total is capped at 100.
DEFAULT_FIT_POINTS: dict[str, int] = {
    "need": 30,
    "contact_request": 20,
    "budget_approved": 20,
    "budget_stated": 15,
    "timeframe_immediate": 15,
    "timeframe_quarter": 10,
    "timeframe_year": 5,
    "authority_decision_maker": 15,
    "authority_influencer": 10,
}

ROUTES = ("sql", "mql", "nurture", "redirect", "discard")
LEAD_ROUTES = ("nurture", "mql", "sql")  # ordered: a cap or floor moves along this line
INTENTS = ("buying", "support", "partnership", "vendor_pitch", "job_seeker", "research", "spam", "other")
URGENCIES = ("immediate", "quarter", "year", "later", "none")
BUDGET_STATUSES = ("stated", "approved", "none", "unknown")
AUTHORITY_ROLES = ("decision_maker", "influencer", "end_user", "unknown")

# Every key this module reads, with what it does: the policy's documentation
# (qualifier.toml.example mirrors it; a test checks both name the same keys).
KEYS: dict[str, str] = {
    "routing.key_account_domains": "E-mail domains whose buying inquiries always go to sales as SQL.",
    "routing.blocked_domains": "E-mail domains whose inquiries are discarded, whatever they say.",
    "routing.customer_domains": "Existing customers' domains: their inquiries with support-like words go to support.",
    "routing.competitor_domains": "Competitors' domains: their inquiries are not leads (see competitor_route).",
    "routing.competitor_route": "Where a competitor's inquiry goes: nurture (default) or discard.",
    "routing.require_contact_request": "SQL needs an explicit request for contact (default true, SCHEMA.md rule 2).",
    "routing.sql_urgencies": "Timeframe urgencies that qualify a lead for SQL (default immediate, quarter).",
    "routing.sql_budget_statuses": "Budget statuses that qualify a lead for SQL (default stated, approved).",
    "routing.sql_authority_roles": "Authority roles that qualify a lead for SQL (default decision_maker, influencer).",
    "routing.intents": "Table intent -> route for intents other than buying (SCHEMA.md's defaults).",
    "routing.redirects": "Table intent -> team for redirects; 'press' names the team for journalists and analysts.",
    "routing.forms": "Per form id: a table with max_route and/or min_route (nurture, mql, sql) for buying inquiries.",
    "sources": "Per webhook source: fields (label -> canonical field name), max_route, min_route.",
    "scoring.mql_threshold": "Engagement points at which a lead becomes an MQL.",
    "scoring.events": "Table event type -> behaviour points (DESIGN.md's lead-scoring defaults).",
    "scoring.engagement_window_days": "Only events this recent count toward engagement (0, the default: all).",
    "scoring.fit": "Table signal -> fit points (need, contact_request, budget_approved, ...); total capped at 100.",
}
ROUTING_KEYS = tuple(k.split(".", 1)[1] for k in KEYS if k.startswith("routing."))
SCORING_KEYS = tuple(k.split(".", 1)[1] for k in KEYS if k.startswith("scoring."))
SOURCE_KEYS = ("fields", "max_route", "min_route")
RULE_KEYS = ("max_route", "min_route")


class PolicyError(ValueError):
    """A policy key is missing, unknown or of the wrong type; `key` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True, slots=True)
class RouteRule:
    """Bounds on a buying inquiry's route for one source or form (None: no bound)."""

    max_route: str | None = None
    min_route: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    mql_threshold: int = 40
    event_points: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_EVENT_POINTS))
    engagement_window_days: int = 0
    fit_points: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FIT_POINTS))
    key_account_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    customer_domains: tuple[str, ...] = ()
    competitor_domains: tuple[str, ...] = ()
    competitor_route: str = "nurture"
    require_contact_request: bool = True
    sql_urgencies: tuple[str, ...] = ("immediate", "quarter")
    sql_budget_statuses: tuple[str, ...] = ("stated", "approved")
    sql_authority_roles: tuple[str, ...] = ("decision_maker", "influencer")
    intent_routes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_INTENT_ROUTES))
    # intent -> team for redirects (research goes to press or general by audience)
    redirects: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REDIRECTS))
    # per-source field label -> canonical field name, for odd forms
    field_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # per webhook source, and per form id: bounds on a buying inquiry's route
    source_rules: Mapping[str, RouteRule] = field(default_factory=dict)
    form_rules: Mapping[str, RouteRule] = field(default_factory=dict)
    # [assignment], [[sdrs]], [[territories]], [regions], [account_owners] (handoff.roster)
    roster: Roster = field(default_factory=Roster)
    sla: Sla = field(default_factory=Sla)  # [sla]
    notify: Notify = field(default_factory=Notify)  # [notify], [[notify.targets]]
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> Policy:
        """A Policy from a parsed TOML document; PolicyError names the first bad key.

        Only the tables this module owns are checked key by key (`routing`,
        `scoring`, `sources`); the roster, SLA and notification tables are read
        by `handoff.roster`.
        """
        routing = _table(doc, "routing")
        scoring = _table(doc, "scoring")
        _known(routing, "routing", ROUTING_KEYS)
        _known(scoring, "scoring", SCORING_KEYS)
        points = dict(DEFAULT_EVENT_POINTS)
        for name, value in _table(scoring, "events", "scoring.events").items():
            if name not in DEFAULT_EVENT_POINTS:
                raise PolicyError(f"scoring.events.{name}", f"unknown event type; use one of {', '.join(DEFAULT_EVENT_POINTS)}")
            points[name] = _int(value, f"scoring.events.{name}")
        fit = dict(DEFAULT_FIT_POINTS)
        for name, value in _table(scoring, "fit", "scoring.fit").items():
            if name not in DEFAULT_FIT_POINTS:
                raise PolicyError(f"scoring.fit.{name}", f"unknown fit signal; use one of {', '.join(DEFAULT_FIT_POINTS)}")
            fit[name] = _int(value, f"scoring.fit.{name}")
        window = _int(scoring.get("engagement_window_days", 0), "scoring.engagement_window_days")
        if window < 0:
            raise PolicyError("scoring.engagement_window_days", "must be 0 (all events) or a number of days")

        sources = _table(doc, "sources")
        field_maps: dict[str, dict[str, str]] = {}
        source_rules: dict[str, RouteRule] = {}
        for source, table in sources.items():
            path = f"sources.{source}"
            if not isinstance(table, Mapping):
                raise PolicyError(path, "must be a table")
            _known(table, path, SOURCE_KEYS)
            fields = _table(table, "fields", f"{path}.fields")
            for label, name in fields.items():
                if not isinstance(name, str):
                    raise PolicyError(f"{path}.fields.{label}", "must be a canonical field name (text)")
            field_maps[str(source)] = {str(k): str(v) for k, v in fields.items()}
            rule = _rule(table, path)
            if rule != RouteRule():
                source_rules[str(source)] = rule
        form_rules = {}
        for form_id, table in _table(routing, "forms", "routing.forms").items():
            path = f"routing.forms.{form_id}"
            if not isinstance(table, Mapping):
                raise PolicyError(path, "must be a table with max_route and/or min_route")
            _known(table, path, RULE_KEYS)
            form_rules[str(form_id)] = _rule(table, path)

        intent_routes = dict(DEFAULT_INTENT_ROUTES)
        for intent, route in _table(routing, "intents", "routing.intents").items():
            key = f"routing.intents.{intent}"
            if intent not in DEFAULT_INTENT_ROUTES:
                raise PolicyError(key, f"unknown intent; use one of {', '.join(DEFAULT_INTENT_ROUTES)} (buying follows the decision list)")
            # Only routes that need no qualification: a rule cannot send spam to sales.
            intent_routes[intent] = _choice(route, key, ("redirect", "nurture", "discard"))
        redirects = dict(DEFAULT_REDIRECTS)
        for intent, team in _table(routing, "redirects", "routing.redirects").items():
            key = f"routing.redirects.{intent}"
            if intent not in DEFAULT_REDIRECTS:
                raise PolicyError(key, f"unknown intent; use one of {', '.join(DEFAULT_REDIRECTS)}")
            if not isinstance(team, str) or not team.strip():
                raise PolicyError(key, "must be a team name")
            redirects[intent] = team.strip()

        return cls(
            mql_threshold=_int(scoring.get("mql_threshold", 40), "scoring.mql_threshold"),
            event_points=points,
            engagement_window_days=window,
            fit_points=fit,
            key_account_domains=_domains(routing, "key_account_domains"),
            blocked_domains=_domains(routing, "blocked_domains"),
            customer_domains=_domains(routing, "customer_domains"),
            competitor_domains=_domains(routing, "competitor_domains"),
            competitor_route=_choice(routing.get("competitor_route", "nurture"), "routing.competitor_route", ("nurture", "discard")),
            require_contact_request=_bool(routing.get("require_contact_request", True), "routing.require_contact_request"),
            sql_urgencies=_subset(routing, "sql_urgencies", URGENCIES, ("immediate", "quarter")),
            sql_budget_statuses=_subset(routing, "sql_budget_statuses", BUDGET_STATUSES, ("stated", "approved")),
            sql_authority_roles=_subset(routing, "sql_authority_roles", AUTHORITY_ROLES, ("decision_maker", "influencer")),
            intent_routes=intent_routes,
            redirects=redirects,
            field_maps=field_maps,
            source_rules=source_rules,
            form_rules=form_rules,
            roster=Roster.from_mapping(doc),
            sla=Sla.from_mapping(doc),
            notify=Notify.from_mapping(doc),
            raw=dict(doc),
        )


def _table(doc: Mapping[str, Any], key: str, path: str | None = None) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(path or key, "must be a table")
    return value


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(key, f"must be an integer, got {value!r}")
    return value


def _domains(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"routing.{key}", "must be a list of domain names")
    return tuple(v.lower().strip() for v in value)


def _known(table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise PolicyError(f"{path}.{key}", f"unknown key; known keys: {', '.join(allowed)}")


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(key, f"must be true or false, got {value!r}")
    return value


def _choice(value: Any, key: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PolicyError(key, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _subset(table: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list):
        raise PolicyError(f"routing.{key}", f"must be a list drawn from {', '.join(allowed)}")
    for item in value:
        _choice(item, f"routing.{key}", allowed)
    return tuple(value)


def _rule(table: Mapping[str, Any], path: str) -> RouteRule:
    low = table.get("min_route")
    high = table.get("max_route")
    if low is not None:
        _choice(low, f"{path}.min_route", LEAD_ROUTES)
    if high is not None:
        _choice(high, f"{path}.max_route", LEAD_ROUTES)
    if low is not None and high is not None and LEAD_ROUTES.index(low) > LEAD_ROUTES.index(high):
        raise PolicyError(f"{path}.min_route", f"{low} is above max_route {high}")
    return RouteRule(max_route=high, min_route=low)
