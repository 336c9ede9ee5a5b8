"""Value objects of the hand-off: the routing decision and its reasons."""

from __future__ import annotations

from dataclasses import dataclass

from intents.types import Evidence

ROUTES = ("sql", "mql", "nurture", "redirect", "discard")
TEAMS = ("support", "partnerships", "careers", "press", "general")


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # "need.stated", "contact.requested", "intent.vendor_pitch", "override.key_account"
    text: str  # plain words for the SDR: "need stated: 'migrate 40 TB'"
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    route: str  # one of ROUTES
    redirect_to: str | None  # one of TEAMS when route == "redirect"
    score: int  # 0..100 fit score
    reasons: tuple[Reason, ...]
    stage: str = "lead"  # lifecycle stage this inquiry puts its contact at
    rule: str = ""  # the id of the policy rule that decided
