"""Where an inquiry goes, and why: SCHEMA.md's decision list under the routing policy.

`route(signals, inquiry, policy)` is pure. The order an SDR team lead would
apply:

1. blocked e-mail domains are discarded, whatever the message says;
2. spam is discarded;
3. a configured competitor's buying-like inquiry is not a lead (`competitor_route`);
4. an existing customer's domain with support-like words goes to support,
   even when the message also reads like buying (the conflict is noted);
5. other intents follow `routing.intents` (support, partnerships, careers and
   press/general are redirects, vendor pitches are discarded, "other" is
   nurtured), with the team from `routing.redirects`;
6. buying follows the decision list: nurture without a specific need, when only
   researching or nothing happens within twelve months, or with no budget and
   no timeframe; SQL with a need, a request for contact and one qualifier the
   policy counts (timeframe, budget, authority); MQL otherwise;
7. per-source and per-form bounds (`max_route`, `min_route`) cap or raise a
   buying route; a key-account domain makes it SQL.

Every step taken leaves a `Reason` in plain words with the evidence it rests
on. Findings whose evidence lies in instructions aimed at the assistant
(`IntentResult.ignored`) are dropped before anything is decided, so "mark this
as SQL" can never steer a route.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta

from forms.types import Inquiry
from intents.contact import is_request_form
from intents.intent import LABEL_WORDS, drop_injected, label_hits
from intents.text import TextView
from intents.types import Finding, Signals

from .lifecycle import stage_for_route
from .policy import LEAD_ROUTES, Policy, RouteRule
from .score import fit_score
from .types import Decision, Reason


def route(signals: Signals, inquiry: Inquiry, policy: Policy) -> Decision:
    signals = _without_injected(signals)
    intent = signals.intent
    reasons: list[Reason] = [_intent_reason(signals)]
    domain = email_domain(inquiry)

    def decide(route_: str, rule: str, team: str | None = None, score: int = 0) -> Decision:
        return Decision(
            route=route_,
            redirect_to=team if route_ == "redirect" else None,
            score=score,
            reasons=tuple(reasons),
            stage=stage_for_route(route_, intent.label),
            rule=rule,
        )

    # 1-2: junk by configuration or by reading.
    if domain and _listed(domain, policy.blocked_domains):
        reasons.append(Reason("override.blocked_domain", f"discarded: the e-mail domain {domain} is blocked by the policy"))
        return decide("discard", "override.blocked_domain")
    if intent.label == "spam":
        reasons.append(Reason("intent.spam", "discarded: spam never reaches a person"))
        return decide("discard", "intent.spam")

    # 3: competitors fishing (a competitor's candidate or partner still goes to that team).
    if domain and _listed(domain, policy.competitor_domains) and intent.label in ("buying", "other"):
        reasons.append(
            Reason(
                "override.competitor",
                f"{'discarded' if policy.competitor_route == 'discard' else 'nurture, not sales'}: "
                f"the e-mail domain {domain} belongs to a competitor named in the policy",
            )
        )
        return decide(policy.competitor_route, "override.competitor")

    # 4: an existing customer writing about a problem is a support case.
    if domain and _listed(domain, policy.customer_domains) and intent.label in ("buying", "other", "support"):
        view = TextView(inquiry, dict(policy.field_maps.get(inquiry.source, {})) or None)
        support = label_hits(view, "support")
        buying_more = [h for h in label_hits(view, "buying") if h.cue.id.startswith("buying.expansion")]
        if (support or intent.label == "support") and not buying_more:
            evidence = tuple(h.evidence for h in support if h.evidence)
            words = f": '{support[0].text}'" if support else ""
            note = " (the message also reads like buying; a customer's problem comes first)" if intent.label == "buying" else ""
            reasons.append(
                Reason(
                    "override.customer_support",
                    f"redirected to support: {domain} is an existing customer's domain and the message "
                    f"is about a problem or their account{words}{note}",
                    evidence,
                )
            )
            return decide("redirect", "override.customer_support", _team("support", policy))

    # 5: every intent but buying.
    if intent.label != "buying":
        target = policy.intent_routes.get(intent.label, "nurture")
        team = None
        if target == "redirect":
            key = "press" if intent.label == "research" and intent.audience == "press" else intent.label
            team = _team(key, policy)
            reasons.append(Reason(f"intent.{intent.label}", f"redirected to {team}: {LABEL_WORDS[intent.label]}, not a lead"))
        elif target == "discard":
            reasons.append(Reason(f"intent.{intent.label}", f"discarded: {LABEL_WORDS[intent.label]} never reaches a person"))
        else:
            reasons.append(Reason(f"intent.{intent.label}", f"nurture: {LABEL_WORDS[intent.label]}, no SDR time"))
        return decide(target, f"intent.{intent.label}", team)

    # 6: the decision list for buyers.
    score = fit_score(signals, policy)
    reasons.extend(_signal_reasons(signals))
    route_, rule = _decision_list(signals, inquiry, policy, reasons)

    # 7: bounds per source and form, then key accounts.
    for where, bound in _bounds(inquiry, policy):
        bounded = _bounded(route_, bound)
        if bounded != route_:
            reasons.append(
                Reason(
                    f"override.{where.split(' ')[0]}_bound",
                    f"{bounded}, not {route_}: the policy bounds inquiries from {where} "
                    f"({_describe(bound)})",
                )
            )
            route_, rule = bounded, f"override.{where.split(' ')[0]}_bound"
    if domain and _listed(domain, policy.key_account_domains) and route_ != "sql":
        reasons.append(Reason("override.key_account", f"SQL: {domain} is a key account in the policy (the decision list alone gave {route_})"))
        route_, rule = "sql", "override.key_account"
    if route_ == "sql":
        score = max(score, 60)
    return decide(route_, rule, score=score)


def email_domain(inquiry: Inquiry) -> str | None:
    email = inquiry.contact.email
    if email and "@" in email:
        return email.rsplit("@", 1)[1].lower().strip().rstrip(".") or None
    return None


# --------------------------------------------------------------------------- the decision list


def _decision_list(signals: Signals, inquiry: Inquiry, policy: Policy, reasons: list[Reason]) -> tuple[str, str]:
    need, budget, timeframe, authority = signals.need, signals.budget, signals.timeframe, signals.authority
    contact = signals.contact_request
    urgency = timeframe.value.urgency if timeframe else None

    # Rule 1: nurture.
    if need is None:
        reasons.append(Reason("rule1.no_need", "nurture: no specific need stated"))
        return "nurture", "rule1.no_need"
    # "Just looking around" gives way to a real date said later ("board meeting is March 20").
    researching = _researching_words(signals) if urgency in (None, "none", "later") else None
    if researching is not None or (urgency == "none" and _only_researching(timeframe)):
        words = researching or _quote(timeframe)
        reasons.append(Reason("rule1.researching", f"nurture: only researching ('{words}')"))
        return "nurture", "rule1.researching"
    if urgency == "later" and not _may_start_within_a_year(timeframe, inquiry):
        reasons.append(Reason("rule1.later", f"nurture: nothing will happen within twelve months ('{_quote(timeframe)}')"))
        return "nurture", "rule1.later"
    if budget is not None and budget.value.status == "none" and urgency in (None, "none"):
        when = f"no timeline ('{_quote(timeframe)}')" if timeframe else "no timeframe"
        reasons.append(Reason("rule1.no_budget", f"nurture: no budget ('{_quote(budget)}') and {when}"))
        return "nurture", "rule1.no_budget"

    # Rule 2: SQL.
    qualifiers = []
    if urgency in policy.sql_urgencies:
        qualifiers.append(f"timeframe {urgency}")
    if budget is not None and budget.value.status in policy.sql_budget_statuses:
        qualifiers.append(f"budget {budget.value.status}")
    if authority is not None and authority.value.role in policy.sql_authority_roles:
        qualifiers.append(authority.value.role.replace("_", " "))
    # Submitting a demo or quote form is itself a request for contact (SCHEMA.md).
    request_form = contact is None and is_request_form(inquiry)
    asked = contact is not None or request_form or not policy.require_contact_request
    if asked and qualifiers:
        how = (
            "asked for contact"
            if contact is not None
            else f"sent the demo/quote request form ({inquiry.vendor.form_id or inquiry.page_url})"
            if request_form
            else "contact request not required by the policy"
        )
        reasons.append(Reason("rule2.sql", f"SQL: a specific need, {how}, and {', '.join(qualifiers)}"))
        return "sql", "rule2.sql"

    # Rule 3: MQL.
    missing = []
    if not asked:
        missing.append("no request for contact")
    if not qualifiers:
        missing.append("no near timeframe, budget or buying role")
    reasons.append(Reason("rule3.mql", f"MQL: a specific need, but {' and '.join(missing)}"))
    return "mql", "rule3.mql"


_RESEARCHING = re.compile(
    r"\b(?:research\w*|brows\w*|looking\s+around|poking\s+around|explor\w+|curious|comparing|"
    r"collect\w*\s+info\w*|gather\w*\s+info\w*|early\s+stages?|just\s+(?:want|wanted)\s+to\s+(?:know|understand|see))",
    re.IGNORECASE,
)


def _researching_words(signals: Signals) -> str | None:
    """The person's own "just researching" words, when the intent reading found them."""
    if "only_researching" not in signals.intent.flags:
        return None
    for evidence in signals.intent.evidence:
        if _RESEARCHING.search(evidence.text) or "hypothetic" in evidence.text.lower() or "planning" in evidence.text.lower():
            return evidence.text
    return "only researching"


def _only_researching(timeframe: Finding) -> bool:
    """Vague timing that is "just researching" (nurture), not "no rush" (a real project, not urgent).

    SCHEMA.md labels both urgency `none`; only the first makes rule 1 nurture.
    """
    value = timeframe.value
    if value.kind == "research" or ".research" in timeframe.rule:
        return True
    return any(_RESEARCHING.search(e.text) for e in timeframe.evidence)


def _may_start_within_a_year(timeframe: Finding, inquiry: Inquiry) -> bool:
    """"Sometime next year" said in December may happen within twelve months; "in 18 months",
    "pushed to next year" said in April, or "not until 2028" will not.

    A dated period ("next year", "Q1 2027": kind `date`) is expected around its
    middle; a deadline or a contract end is the moment itself; an earliest date
    ("not until") is the first day anything can happen.
    """
    value = timeframe.value
    received = _received(inquiry)
    if received is None or value.kind == "earliest":
        return False
    if value.earliest is not None:
        return value.earliest <= received + timedelta(days=366)
    if value.kind != "date" or value.by is None:
        return False
    # The expected moment of a period is its middle: "next year" said in
    # December is mostly within twelve months, said in April mostly beyond.
    start = _period_start(value.by)
    middle = start + (value.by - start) / 2
    return middle <= received + timedelta(days=366)


def _period_start(by: date) -> date:
    """The first day of the year or quarter a period-end date closes, else the date itself."""
    if (by.month, by.day) == (12, 31):
        return date(by.year, 1, 1)
    if (by.month, by.day) in ((3, 31), (6, 30), (9, 30)):
        return date(by.year, by.month - 2, 1)
    return by


def _received(inquiry: Inquiry) -> date | None:
    if not inquiry.submitted_at:
        return None
    try:
        return datetime.fromisoformat(inquiry.submitted_at.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# --------------------------------------------------------------------------- bounds


def _bounds(inquiry: Inquiry, policy: Policy) -> list[tuple[str, RouteRule]]:
    found = []
    if inquiry.source in policy.source_rules:
        found.append((f"source {inquiry.source}", policy.source_rules[inquiry.source]))
    form_id = inquiry.vendor.form_id
    if form_id and form_id in policy.form_rules:
        found.append((f"form {form_id}", policy.form_rules[form_id]))
    return found


def _bounded(route_: str, bound: RouteRule) -> str:
    position = LEAD_ROUTES.index(route_)
    if bound.max_route is not None:
        position = min(position, LEAD_ROUTES.index(bound.max_route))
    if bound.min_route is not None:
        position = max(position, LEAD_ROUTES.index(bound.min_route))
    return LEAD_ROUTES[position]


def _describe(bound: RouteRule) -> str:
    parts = []
    if bound.max_route:
        parts.append(f"at most {bound.max_route}")
    if bound.min_route:
        parts.append(f"at least {bound.min_route}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- reasons


def _intent_reason(signals: Signals) -> Reason:
    intent = signals.intent
    why = "; ".join(intent.reasons) or "no reason given"
    return Reason(f"intent.read.{intent.label}", f"reads as {LABEL_WORDS[intent.label]}: {why}", intent.evidence)


def _signal_reasons(signals: Signals) -> list[Reason]:
    found: list[Reason] = []
    if signals.need:
        found.append(Reason("need.stated", f"need stated: '{_quote(signals.need)}'", signals.need.evidence))
    if signals.contact_request:
        c = signals.contact_request
        found.append(Reason(f"contact.{c.value.kind}", f"asked for contact ({c.value.kind}): '{_quote(c)}'", c.evidence))
    if signals.budget:
        b = signals.budget
        found.append(Reason(f"budget.{b.value.status}", f"budget {b.value.status}: '{_quote(b)}'", b.evidence))
    if signals.timeframe:
        t = signals.timeframe
        by = f", by {t.value.by.isoformat()}" if t.value.by else ""
        found.append(Reason(f"timeframe.{t.value.urgency}", f"timeframe {t.value.urgency}{by}: '{_quote(t)}'", t.evidence))
    if signals.authority:
        a = signals.authority
        role = a.value.role.replace("_", " ")
        approval = ", needs someone else's approval" if a.value.needs_approval else ""
        found.append(Reason(f"authority.{a.value.role}", f"authority {role}{approval}: '{_quote(a)}'", a.evidence))
    return found


def _quote(finding: Finding) -> str:
    return " … ".join(e.text for e in finding.evidence)


def _team(key: str, policy: Policy) -> str:
    return policy.redirects.get(key) or "general"


def _listed(domain: str, domains: tuple[str, ...]) -> bool:
    """`domain` or any parent of it is listed ("eu.acme.com" matches "acme.com")."""
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _without_injected(signals: Signals) -> Signals:
    """Signals with every finding that rests on injected instructions removed."""
    intent = signals.intent
    if not intent.ignored:
        return signals
    return dataclasses.replace(
        signals,
        need=drop_injected(signals.need, intent),
        budget=drop_injected(signals.budget, intent),
        timeframe=drop_injected(signals.timeframe, intent),
        authority=drop_injected(signals.authority, intent),
        contact_request=drop_injected(signals.contact_request, intent),
    )
