"""Routing (handoff/route.py): SCHEMA.md's decision list, every override and rule of the policy.

Signals are built by hand here, so each row isolates one rule; the intent
tests cover how text becomes signals.
"""

from __future__ import annotations

from datetime import date

import pytest

from forms.types import Contact, Inquiry, VendorIds
from handoff import decide
from handoff.policy import Policy, RouteRule
from intents.text import Segment, TextView
from intents.types import (
    Authority,
    Budget,
    ContactRequest,
    Finding,
    IntentResult,
    Need,
    Signals,
    Timeframe,
)

MESSAGE = "We need pallet tracking for 14 warehouses. Please call me. Budget is 40k. By June. I'm the COO. Just researching. No rush."
SEGMENT = Segment(source="field:message", text=MESSAGE, kind="message", label="message")


def _evidence(words: str):
    start = MESSAGE.index(words)
    return (TextView.evidence(SEGMENT, start, start + len(words)),)


def signals(
    intent: str = "buying",
    *,
    need: bool = False,
    contact: bool = False,
    budget: str | None = None,
    urgency: str | None = None,
    by: date | None = date(2026, 6, 30),
    tf_words: str = "By June",
    earliest: date | None = None,
    kind: str = "date",
    role: str | None = None,
    audience: str | None = None,
    ignored: tuple = (),
    flags: tuple[str, ...] = (),
    intent_words: str | None = None,
) -> Signals:
    evidence = _evidence(intent_words) if intent_words else ()
    return Signals(
        intent=IntentResult(intent, 0.9, (f"test says {intent}",), evidence, audience=audience, flags=flags, ignored=ignored),
        need=Finding(Need("pallet tracking"), _evidence("pallet tracking for 14 warehouses"), 0.9, "t.need") if need else None,
        contact_request=Finding(ContactRequest("call"), _evidence("Please call me"), 0.9, "t.contact") if contact else None,
        budget=Finding(Budget(budget, 40_000, 40_000, "USD"), _evidence("Budget is 40k"), 0.9, "t.budget") if budget else None,
        timeframe=Finding(Timeframe(urgency, by, earliest, kind), _evidence(tf_words), 0.9, "t.tf") if urgency else None,
        authority=Finding(Authority(role, "COO"), _evidence("I'm the COO"), 0.9, "t.auth") if role else None,
    )


def inquiry(email: str | None = "pat@harlowbuilders.com", *, source: str = "generic", form_id: str | None = None,
            message: str = MESSAGE, submitted_at: str = "2026-03-10T14:05:00Z") -> Inquiry:
    return Inquiry(
        source=source,
        channel="form",
        contact=Contact(email=email),
        message=message,
        message_field="message",
        fields={"message": message},
        submitted_at=submitted_at,
        vendor=VendorIds(form_id=form_id),
    )


SQL_READY = {"need": True, "contact": True, "urgency": "quarter"}

DECISION_LIST = [
    # (id, signals kwargs, route, rule)
    ("no-need-nurture", {"contact": True, "urgency": "immediate", "role": "decision_maker"}, "nurture", "rule1.no_need"),
    ("researching-timeframe-nurture", {"need": True, "contact": True, "urgency": "none", "tf_words": "Just researching"}, "nurture", "rule1.researching"),
    ("researching-words-nurture", {"need": True, "contact": True, "role": "decision_maker", "flags": ("only_researching",), "intent_words": "Just researching"}, "nurture", "rule1.researching"),
    ("researching-words-yield-to-a-near-date", {"need": True, "contact": True, "urgency": "quarter", "flags": ("only_researching",), "intent_words": "Just researching"}, "sql", "rule2.sql"),
    ("no-rush-is-not-researching", {"need": True, "contact": True, "urgency": "none", "tf_words": "No rush", "role": "influencer"}, "sql", "rule2.sql"),
    ("later-deadline-nurture", {"need": True, "contact": True, "urgency": "later", "by": date(2027, 9, 30), "kind": "deadline"}, "nurture", "rule1.later"),
    ("later-next-year-said-in-march-nurture", {"need": True, "urgency": "later", "by": date(2027, 12, 31), "kind": "date"}, "nurture", "rule1.later"),
    ("not-until-nurture", {"need": True, "urgency": "later", "earliest": date(2027, 1, 1), "kind": "earliest"}, "nurture", "rule1.later"),
    ("later-but-may-start-this-year-mql", {"need": True, "urgency": "later", "earliest": date(2027, 1, 1), "kind": "date"}, "mql", "rule3.mql"),
    ("no-budget-no-timeframe-nurture", {"need": True, "contact": True, "budget": "none", "role": "decision_maker"}, "nurture", "rule1.no_budget"),
    ("no-budget-no-timeline-nurture", {"need": True, "contact": True, "budget": "none", "urgency": "none", "tf_words": "No rush"}, "nurture", "rule1.no_budget"),
    ("no-budget-with-timeframe-sql", {"need": True, "contact": True, "budget": "none", "urgency": "quarter"}, "sql", "rule2.sql"),
    ("sql-by-timeframe-immediate", {"need": True, "contact": True, "urgency": "immediate"}, "sql", "rule2.sql"),
    ("sql-by-timeframe-quarter", SQL_READY, "sql", "rule2.sql"),
    ("sql-by-budget-stated", {"need": True, "contact": True, "budget": "stated"}, "sql", "rule2.sql"),
    ("sql-by-budget-approved", {"need": True, "contact": True, "budget": "approved"}, "sql", "rule2.sql"),
    ("sql-by-decision-maker", {"need": True, "contact": True, "role": "decision_maker"}, "sql", "rule2.sql"),
    ("sql-by-influencer", {"need": True, "contact": True, "role": "influencer"}, "sql", "rule2.sql"),
    ("year-urgency-does-not-qualify", {"need": True, "contact": True, "urgency": "year"}, "mql", "rule3.mql"),
    ("unknown-budget-does-not-qualify", {"need": True, "contact": True, "budget": "unknown"}, "mql", "rule3.mql"),
    ("end-user-does-not-qualify", {"need": True, "contact": True, "role": "end_user"}, "mql", "rule3.mql"),
    ("no-contact-request-mql", {"need": True, "urgency": "immediate", "budget": "approved", "role": "decision_maker"}, "mql", "rule3.mql"),
    ("need-alone-mql", {"need": True}, "mql", "rule3.mql"),
]


@pytest.mark.parametrize(("kwargs", "route", "rule"), [pytest.param(k, r, rule, id=i) for i, k, r, rule in DECISION_LIST])
def test_decision_list(kwargs: dict, route: str, rule: str) -> None:
    decision = decide(signals(**kwargs), inquiry())
    assert (decision.route, decision.redirect_to, decision.rule) == (route, None, rule)
    assert decision.reasons[-1].code == rule


OTHER_INTENTS = [
    ("support", {}, "redirect", "support"),
    ("partnership", {}, "redirect", "partnerships"),
    ("job_seeker", {}, "redirect", "careers"),
    ("research", {}, "redirect", "general"),
    ("research", {"audience": "press"}, "redirect", "press"),
    ("vendor_pitch", {}, "discard", None),
    ("spam", {}, "discard", None),
    ("other", {}, "nurture", None),
]


@pytest.mark.parametrize(
    ("intent", "kwargs", "route", "team"),
    [pytest.param(i, k, r, t, id=f"{i}-{t or r}") for i, k, r, t in OTHER_INTENTS],
)
def test_other_intents(intent: str, kwargs: dict, route: str, team: str | None) -> None:
    # Even with every buying signal present, the intent decides.
    decision = decide(signals(intent, **SQL_READY, **kwargs), inquiry())
    assert (decision.route, decision.redirect_to) == (route, team)
    assert decision.score == 0


# --------------------------------------------------------------------------- overrides


def test_next_year_said_in_december_may_start_within_twelve_months() -> None:
    kwargs = {"need": True, "urgency": "later", "by": date(2027, 12, 31), "kind": "date"}
    assert decide(signals(**kwargs), inquiry(submitted_at="2026-12-03T10:00:00Z")).route == "mql"
    assert decide(signals(**kwargs), inquiry(submitted_at="2026-04-03T10:00:00Z")).route == "nurture"


def test_blocked_domain_is_discarded_whatever_it_says() -> None:
    policy = Policy(blocked_domains=("harlowbuilders.com",))
    decision = decide(signals(**SQL_READY), inquiry(), policy)
    assert (decision.route, decision.rule) == ("discard", "override.blocked_domain")
    assert "harlowbuilders.com" in decision.reasons[-1].text


def test_blocked_parent_domain_covers_subdomains() -> None:
    policy = Policy(blocked_domains=("harlowbuilders.com",))
    assert decide(signals(**SQL_READY), inquiry("a@eu.harlowbuilders.com"), policy).route == "discard"
    assert decide(signals(**SQL_READY), inquiry("a@notharlowbuilders.com"), policy).route == "sql"


@pytest.mark.parametrize(("setting", "route"), [pytest.param("nurture", "nurture", id="nurture"), pytest.param("discard", "discard", id="discard")])
def test_competitor_domain(setting: str, route: str) -> None:
    policy = Policy(competitor_domains=("harlowbuilders.com",), competitor_route=setting)
    decision = decide(signals(**SQL_READY), inquiry(), policy)
    assert (decision.route, decision.rule) == (route, "override.competitor")
    assert "competitor" in decision.reasons[-1].text


def test_competitor_job_seeker_still_goes_to_careers() -> None:
    policy = Policy(competitor_domains=("harlowbuilders.com",))
    assert decide(signals("job_seeker"), inquiry(), policy).redirect_to == "careers"


def test_customer_with_a_problem_goes_to_support_and_the_conflict_is_noted() -> None:
    policy = Policy(customer_domains=("harlowbuilders.com",))
    message = "We can't log in since this morning and need someone to call us."
    decision = decide(signals(**SQL_READY), inquiry(message=message), policy)
    assert (decision.route, decision.redirect_to, decision.rule) == ("redirect", "support", "override.customer_support")
    reason = decision.reasons[-1]
    assert "also reads like buying" in reason.text
    assert reason.evidence and reason.evidence[0].text in message


def test_customer_buying_more_stays_a_lead() -> None:
    policy = Policy(customer_domains=("harlowbuilders.com",))
    message = "We're existing customers and want to add 40 more seats for our Austin office. Please call me."
    decision = decide(signals(**SQL_READY), inquiry(message=message), policy)
    assert decision.route == "sql"


def test_customer_domain_without_support_words_follows_the_list() -> None:
    policy = Policy(customer_domains=("harlowbuilders.com",))
    assert decide(signals(**SQL_READY), inquiry(), policy).route == "sql"


def test_key_account_makes_a_buying_inquiry_sql() -> None:
    policy = Policy(key_account_domains=("harlowbuilders.com",))
    decision = decide(signals(), inquiry(), policy)
    assert (decision.route, decision.rule) == ("sql", "override.key_account")
    assert "nurture" in decision.reasons[-1].text  # what the list alone gave


@pytest.mark.parametrize("intent", ["spam", "vendor_pitch", "support"])
def test_key_account_does_not_promote_other_intents(intent: str) -> None:
    policy = Policy(key_account_domains=("harlowbuilders.com",))
    assert decide(signals(intent, **SQL_READY), inquiry(), policy).route != "sql"


def test_source_max_route_caps_sql() -> None:
    policy = Policy(source_rules={"typeform": RouteRule(max_route="mql")})
    decision = decide(signals(**SQL_READY), inquiry(source="typeform"), policy)
    assert (decision.route, decision.rule) == ("mql", "override.source_bound")
    assert "at most mql" in decision.reasons[-1].text
    assert decide(signals(**SQL_READY), inquiry(source="generic"), policy).route == "sql"


def test_form_min_route_raises_nurture() -> None:
    policy = Policy(form_rules={"contact-sales": RouteRule(min_route="mql")})
    decision = decide(signals(), inquiry(form_id="contact-sales"), policy)
    assert (decision.route, decision.rule) == ("mql", "override.form_bound")


def test_bounds_never_touch_redirects() -> None:
    policy = Policy(form_rules={"contact-sales": RouteRule(min_route="sql")})
    assert decide(signals("support"), inquiry(form_id="contact-sales"), policy).route == "redirect"


def test_key_account_beats_a_source_cap() -> None:
    policy = Policy(key_account_domains=("harlowbuilders.com",), source_rules={"generic": RouteRule(max_route="nurture")})
    assert decide(signals(**SQL_READY), inquiry(), policy).route == "sql"


def test_policy_can_drop_the_contact_request_requirement() -> None:
    kwargs = {"need": True, "urgency": "quarter"}
    assert decide(signals(**kwargs), inquiry()).route == "mql"
    assert decide(signals(**kwargs), inquiry(), Policy(require_contact_request=False)).route == "sql"


def test_policy_chooses_which_signals_qualify() -> None:
    kwargs = {"need": True, "contact": True, "role": "influencer"}
    policy = Policy(sql_authority_roles=("decision_maker",))
    assert decide(signals(**kwargs), inquiry(), policy).route == "mql"
    policy = Policy(sql_urgencies=("immediate", "quarter", "year"))
    assert decide(signals(need=True, contact=True, urgency="year"), inquiry(), policy).route == "sql"
    policy = Policy(sql_budget_statuses=("approved",))
    assert decide(signals(need=True, contact=True, budget="stated"), inquiry(), policy).route == "mql"


def test_policy_intent_routes_and_team_names() -> None:
    policy = Policy(
        intent_routes={**Policy().intent_routes, "other": "discard"},
        redirects={**Policy().redirects, "support": "customer-success"},
    )
    assert decide(signals("other"), inquiry(), policy).route == "discard"
    assert decide(signals("support"), inquiry(), policy).redirect_to == "customer-success"


# --------------------------------------------------------------------------- reasons, evidence, injection, score


def test_sql_reasons_cite_their_evidence() -> None:
    decision = decide(signals(**SQL_READY, budget="approved", role="decision_maker"), inquiry())
    codes = [r.code for r in decision.reasons]
    assert codes[0] == "intent.read.buying"
    for code, words in (("need.stated", "pallet tracking"), ("contact.call", "Please call me"),
                        ("budget.approved", "Budget is 40k"), ("timeframe.quarter", "By June"),
                        ("authority.decision_maker", "I'm the COO")):
        reason = next(r for r in decision.reasons if r.code == code)
        assert words in reason.text
        assert reason.evidence and all(MESSAGE[e.start : e.end] == e.text for e in reason.evidence)
    assert "asked for contact" in decision.reasons[-1].text


def test_findings_in_injected_text_never_count() -> None:
    ignored = _evidence("Please call me")
    decision = decide(signals(**SQL_READY, ignored=ignored), inquiry())
    assert decision.route == "mql"
    assert not any(r.code.startswith("contact.") for r in decision.reasons)


@pytest.mark.parametrize(
    ("kwargs", "score"),
    [
        pytest.param({}, 0, id="nothing"),
        pytest.param({"need": True}, 30, id="need"),
        pytest.param({**SQL_READY, "urgency": "immediate", "budget": "approved", "role": "decision_maker"}, 100, id="everything"),
        pytest.param({"need": True, "contact": True, "role": "end_user"}, 50, id="need-and-contact"),
    ],
)
def test_score_of_buying_decisions(kwargs: dict, score: int) -> None:
    assert decide(signals(**kwargs), inquiry()).score == score


@pytest.mark.parametrize(
    ("intent", "kwargs", "stage"),
    [
        pytest.param("buying", SQL_READY, "sql", id="sql"),
        pytest.param("buying", {"need": True}, "mql", id="mql"),
        pytest.param("buying", {}, "lead", id="nurtured-buyer"),
        pytest.param("other", {}, "subscriber", id="other"),
        pytest.param("support", {}, "subscriber", id="redirect"),
        pytest.param("spam", {}, "junk", id="junk"),
    ],
)
def test_stage_of_decision(intent: str, kwargs: dict, stage: str) -> None:
    assert decide(signals(intent, **kwargs), inquiry()).stage == stage


def test_every_decision_has_plain_reasons() -> None:
    for i, kwargs, _, _ in DECISION_LIST:
        decision = decide(signals(**kwargs), inquiry())
        assert decision.reasons, i
        assert all(r.text and r.code for r in decision.reasons), i
