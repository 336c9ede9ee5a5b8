"""Lead scoring: fit from what an inquiry says, engagement from what a contact does.

Fit (0-100) adds the policy's points for each qualifying BANT signal of a
buying inquiry: a stated need, a request for contact, a budget, a near
timeframe, authority. Engagement sums the points of behaviour events (e-mail
opens and clicks, pricing-page visits, webinars...) with DESIGN.md's default
point table, editable in the policy; a contact whose engagement reaches the
policy's MQL threshold becomes marketing-qualified (`handoff.lifecycle`).

Events arrive over HTTP and from CSV files; `parse_event` validates one in
both cases, so both answer the same errors. Pure functions: time comes in as
`now`, events as values. Written by hand: the arithmetic is a table lookup,
and no scoring library carries this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from intents.types import Signals

from .policy import DEFAULT_EVENT_POINTS, Policy

EVENT_TYPES: tuple[str, ...] = tuple(DEFAULT_EVENT_POINTS)
MAX_EMAIL = 320


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a contact did: `type` is one of EVENT_TYPES, `at` is timezone-aware."""

    email: str
    type: str
    at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)


class EventError(ValueError):
    """An event is malformed; `key` names the field at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


def parse_event(data: Any, *, where: str = "event") -> Event:
    """Validate one event (`{"email", "type", "at", "properties"}`), or raise EventError.

    `at` is ISO 8601 with a timezone ("2026-03-10T14:05:00Z"); a date alone
    means midnight UTC. Unknown keys are errors, so a misspelt field is not lost.
    """
    if not isinstance(data, Mapping):
        raise EventError(where, "must be an object with email, type and at")
    unknown = sorted(set(data) - {"email", "type", "at", "properties"})
    if unknown:
        raise EventError(f"{where}.{unknown[0]}", "unknown field; an event has email, type, at, properties")
    email = data.get("email")
    if not isinstance(email, str) or "@" not in email.strip() or len(email.strip()) > MAX_EMAIL or " " in email.strip():
        raise EventError(f"{where}.email", "must be an e-mail address")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise EventError(f"{where}.type", f"must be one of {', '.join(EVENT_TYPES)}, got {kind!r}")
    at = _timestamp(data.get("at"), f"{where}.at")
    properties = data.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        raise EventError(f"{where}.properties", "must be an object")
    return Event(email=email.strip(), type=kind, at=at, properties=dict(properties))


def _timestamp(value: Any, key: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise EventError(key, "must be an ISO 8601 time such as 2026-03-10T14:05:00Z")
    text = value.strip()
    try:
        at = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise EventError(key, f"must be an ISO 8601 time such as 2026-03-10T14:05:00Z, got {value!r}") from None
    if at.tzinfo is None:
        if len(text) == 10:  # a date alone
            return at.replace(tzinfo=UTC)
        raise EventError(key, "needs a timezone (Z or +hh:mm)")
    return at.astimezone(UTC)


def event_points(kind: str, policy: Policy) -> int:
    """The points one event of `kind` is worth under the policy."""
    if kind not in policy.event_points:
        raise EventError("type", f"must be one of {', '.join(EVENT_TYPES)}, got {kind!r}")
    return policy.event_points[kind]


def engagement_score(events: Iterable[Event], policy: Policy, now: datetime | None = None) -> int:
    """The sum of the events' points; with a window in the policy, only recent ones count.

    `now` is needed only when the policy sets `scoring.engagement_window_days`.
    Events after `now` (clock skew, future-dated imports) never count.
    """
    window = policy.engagement_window_days
    oldest = now - timedelta(days=window) if (now is not None and window) else None
    total = 0
    for event in events:
        if now is not None and event.at > now:
            continue
        if oldest is not None and event.at < oldest:
            continue
        total += event_points(event.type, policy)
    return total


def is_marketing_qualified(engagement: int, policy: Policy) -> bool:
    """True when engagement reaches the policy's MQL threshold."""
    return engagement >= policy.mql_threshold


def fit_score(signals: Signals, policy: Policy | None = None) -> int:
    """0-100 from the BANT signals of a buying inquiry (0 for any other intent)."""
    if signals.intent.label != "buying":
        return 0
    points = (policy or Policy()).fit_points
    score = 0
    if signals.need:
        score += points["need"]
    if signals.contact_request:
        score += points["contact_request"]
    budget = signals.budget
    if budget and budget.value.status == "approved":
        score += points["budget_approved"]
    elif budget and budget.value.status == "stated":
        score += points["budget_stated"]
    timeframe = signals.timeframe
    if timeframe and timeframe.value.urgency in ("immediate", "quarter", "year"):
        score += points[f"timeframe_{timeframe.value.urgency}"]
    authority = signals.authority
    if authority and authority.value.role in ("decision_maker", "influencer"):
        score += points[f"authority_{authority.value.role}"]
    return max(0, min(score, 100))
