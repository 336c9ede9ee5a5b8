"""From signals to a decision: route, redirect team, score and reasons.

`decide(signals, inquiry, policy)` is pure: no clock, no I/O. The decision list
is SCHEMA.md's; overrides (key accounts, blocked domains) come from the policy.
"""

from __future__ import annotations

from forms.types import Inquiry
from intents.types import Signals

from .policy import Policy
from .prediction import predicted
from .route import route
from .types import Decision, Reason

__all__ = ["Decision", "Policy", "Reason", "decide", "predicted"]


def decide(signals: Signals, inquiry: Inquiry, policy: Policy | None = None) -> Decision:
    return route(signals, inquiry, policy or Policy())
