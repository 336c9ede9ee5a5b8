"""SCHEMA.md's decision list as code, with a reason for every step taken."""

from __future__ import annotations

from forms.types import Inquiry
from intents.types import Finding, Signals

from .policy import Policy
from .types import Decision, Reason


def _quote(finding: Finding) -> str:
    return " … ".join(e.text for e in finding.evidence)


def _email_domain(inquiry: Inquiry) -> str | None:
    email = inquiry.contact.email
    if email and "@" in email:
        return email.rsplit("@", 1)[1].lower().strip()
    return None


def fit_score(signals: Signals) -> int:
    score = 0
    if signals.need:
        score += 30
    if signals.contact_request:
        score += 20
    b = signals.budget
    if b and b.value.status in ("stated", "approved"):
        score += 20 if b.value.status == "approved" else 15
    t = signals.timeframe
    if t and t.value.urgency in ("immediate", "quarter"):
        score += 15 if t.value.urgency == "immediate" else 10
    a = signals.authority
    if a and a.value.role == "decision_maker":
        score += 15
    elif a and a.value.role == "influencer":
        score += 10
    return min(score, 100)


def route(signals: Signals, inquiry: Inquiry, policy: Policy) -> Decision:
    intent = signals.intent
    reasons: list[Reason] = [Reason(f"intent.{intent.label}", f"intent: {intent.label} ({'; '.join(intent.reasons) or 'no reason given'})", intent.evidence)]
    score = fit_score(signals) if intent.label == "buying" else 0
    domain = _email_domain(inquiry)

    if domain and domain in policy.blocked_domains:
        reasons.append(Reason("override.blocked_domain", f"email domain {domain} is blocked"))
        return Decision("discard", None, 0, tuple(reasons), stage="junk", rule="override.blocked_domain")

    if intent.label in ("spam", "vendor_pitch"):
        return Decision("discard", None, 0, tuple(reasons), stage="junk", rule=f"intent.{intent.label}")
    if intent.label == "other":
        return Decision("nurture", None, 0, tuple(reasons), stage="subscriber", rule="intent.other")
    if intent.label == "research":
        team = "press" if intent.audience == "press" else "general"
        return Decision("redirect", team, 0, tuple(reasons), stage="subscriber", rule="intent.research")
    if intent.label != "buying":
        team = policy.redirects.get(intent.label, "general")
        return Decision("redirect", team, 0, tuple(reasons), stage="subscriber", rule=f"intent.{intent.label}")

    if domain and domain in policy.key_account_domains:
        reasons.append(Reason("override.key_account", f"email domain {domain} is a key account"))
        return Decision("sql", None, max(score, 80), tuple(reasons), stage="sql", rule="override.key_account")

    need, budget, timeframe, authority = signals.need, signals.budget, signals.timeframe, signals.authority
    if need:
        reasons.append(Reason("need.stated", f"need stated: '{_quote(need)}'", need.evidence))
    if signals.contact_request:
        reasons.append(Reason("contact.requested", f"asked for contact: '{_quote(signals.contact_request)}'", signals.contact_request.evidence))
    if budget:
        reasons.append(Reason(f"budget.{budget.value.status}", f"budget {budget.value.status}: '{_quote(budget)}'", budget.evidence))
    if timeframe:
        reasons.append(Reason(f"timeframe.{timeframe.value.urgency}", f"timeframe {timeframe.value.urgency}: '{_quote(timeframe)}'", timeframe.evidence))
    if authority:
        reasons.append(Reason(f"authority.{authority.value.role}", f"authority {authority.value.role}: '{_quote(authority)}'", authority.evidence))

    urgency = timeframe.value.urgency if timeframe else None
    # Rule 1: nurture.
    if need is None:
        reasons.append(Reason("rule.nurture.no_need", "nurture: no specific need stated"))
        return Decision("nurture", None, score, tuple(reasons), stage="lead", rule="rule1.no_need")
    if urgency in ("none", "later"):
        reasons.append(Reason("rule.nurture.no_timeline", "nurture: only researching or nothing planned within twelve months"))
        return Decision("nurture", None, score, tuple(reasons), stage="lead", rule="rule1.no_timeline")
    if budget and budget.value.status == "none" and timeframe is None:
        reasons.append(Reason("rule.nurture.no_budget", "nurture: no budget and no timeframe"))
        return Decision("nurture", None, score, tuple(reasons), stage="lead", rule="rule1.no_budget")
    # Rule 2: SQL.
    qualifier = (
        urgency in ("immediate", "quarter")
        or (budget is not None and budget.value.status in ("stated", "approved"))
        or (authority is not None and authority.value.role in ("decision_maker", "influencer"))
    )
    if signals.contact_request and qualifier:
        reasons.append(Reason("rule.sql", "SQL: specific need, asked for contact, and timing, budget or authority qualifies"))
        return Decision("sql", None, max(score, 60), tuple(reasons), stage="sql", rule="rule2.sql")
    reasons.append(Reason("rule.mql", "MQL: specific need, but no contact request or nothing else qualifies yet"))
    return Decision("mql", None, score, tuple(reasons), stage="mql", rule="rule3.mql")
