"""Builders for hand-off tests: an inquiry, the signals read from it and a decision, written by hand.

Signals are built here rather than by `intents.analyze` so that brief, assignment
and notification tests do not change when the extractors improve. Evidence is
still made by `TextView.evidence` from the inquiry's own text: a phrase that is
not in what the person wrote fails the test set-up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forms.types import Contact, Inquiry, Turn
from handoff.types import Decision, Reason
from intents.text import TextView
from intents.types import (
    Authority,
    Budget,
    ContactRequest,
    Evidence,
    Finding,
    IntentResult,
    Need,
    Signals,
    Timeframe,
)

# Tue 2026-03-10 14:05 UTC: inside default business hours (09:00-17:00 UTC, Mon-Fri).
NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)


def form(message: str | None = None, *, fields: dict[str, str] | None = None, **contact: Any) -> Inquiry:
    """A form inquiry; `contact` keys are Contact fields plus country, company_size, website."""
    extra = {k: contact.pop(k) for k in ("country", "company_size", "website") if k in contact}
    answered = dict(fields or {})
    if message is not None:
        answered["message"] = message
    return Inquiry(
        source="generic",
        channel="form",
        contact=Contact(**contact),
        message=message,
        message_field="message" if message is not None else None,
        fields=answered,
        page_url="https://vendor.example/contact",
        submitted_at=NOW.isoformat(),
        **extra,
    )


def chat(turns: list[tuple[str, str]], **contact: Any) -> Inquiry:
    extra = {k: contact.pop(k) for k in ("country", "company_size", "website") if k in contact}
    return Inquiry(
        source="generic",
        channel="chat",
        contact=Contact(**contact),
        transcript=tuple(Turn(role, text, f"2026-03-10T14:0{i}:00Z") for i, (role, text) in enumerate(turns)),
        page_url="https://vendor.example/pricing",
        **extra,
    )


def evidence(inquiry: Inquiry, phrase: str) -> tuple[Evidence, ...]:
    view = TextView(inquiry)
    for segment in view.segments:
        start = segment.text.find(phrase)
        if start >= 0:
            return (view.evidence(segment, start, start + len(phrase)),)
    raise AssertionError(f"{phrase!r} is not in what the person wrote")


def signals(
    inquiry: Inquiry,
    *,
    intent: str = "buying",
    need: str | None = None,
    budget: tuple[Budget, str] | None = None,
    timeframe: tuple[Timeframe, str] | None = None,
    authority: tuple[Authority, str] | None = None,
    contact: tuple[str, str] | None = None,
    hedged: frozenset[str] = frozenset(),
) -> Signals:
    def finding(slot: str, value: Any, phrase: str, confidence: float) -> Finding:
        return Finding(value, evidence(inquiry, phrase), confidence, f"{slot}.test.v1", hedged=slot in hedged)

    return Signals(
        intent=IntentResult(intent, 0.9, ("test",)),
        need=finding("need", Need(need), need, 0.8) if need else None,
        budget=finding("budget", budget[0], budget[1], 0.85) if budget else None,
        timeframe=finding("timeframe", timeframe[0], timeframe[1], 0.75) if timeframe else None,
        authority=finding("authority", authority[0], authority[1], 0.9) if authority else None,
        contact_request=finding("contact", ContactRequest(contact[0]), contact[1], 0.95) if contact else None,
    )


def decision(
    route: str, reasons: tuple[str, ...] = (), redirect_to: str | None = None, score: int = 70
) -> Decision:
    return Decision(
        route,
        redirect_to,
        score,
        tuple(Reason(f"test.{i}", text) for i, text in enumerate(reasons)),
        stage=route,
        rule=f"test.{route}",
    )
