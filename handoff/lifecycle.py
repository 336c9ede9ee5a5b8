"""Lifecycle stages: subscriber -> lead -> MQL -> SQL -> opportunity -> customer -> evangelist.

A contact's stage only moves forward on its own: an inquiry's decision or
engagement that crosses the MQL threshold can raise it, nothing here lowers it
(a person asked for a demo last month and sends a support question today is
still an SQL). Demotion is a person's decision, made elsewhere on purpose.

Junk (spam, vendor pitches) is not a stage: it is what a contact that never
said anything else is marked with, and any real stage replaces it. Redirected
messages (support, careers, partners, press) and "other" leave a contact a
subscriber: known to us, not a lead (DESIGN.md "Lifecycle").

Pure functions over stage names; the caller stores the history.
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
JUNK = "junk"
# Stages an inquiry's route gives (the later stages come from the CRM, not from inquiries).
ROUTE_STAGES = {"sql": "sql", "mql": "mql", "nurture": "lead", "redirect": "subscriber", "discard": JUNK}


@dataclass(frozen=True, slots=True)
class Transition:
    previous: str | None
    stage: str
    reason: str


def rank(stage: str | None) -> int:
    """Position along the lifecycle: -1 for none or junk."""
    return STAGES.index(stage) if stage in STAGES else -1


def stage_for_route(route: str, intent: str) -> str:
    """The stage one inquiry's decision puts its contact at.

    A buying inquiry sent to nurture makes a lead; anything else sent to
    nurture (intent "other") only a subscriber.
    """
    if route == "nurture" and intent != "buying":
        return "subscriber"
    try:
        return ROUTE_STAGES[route]
    except KeyError:
        raise ValueError(f"unknown route {route!r}; routes are {', '.join(ROUTE_STAGES)}") from None


def next_stage(
    current: str | None,
    *,
    decided: str | None = None,
    engagement: int | None = None,
    mql_threshold: int | None = None,
) -> Transition | None:
    """The move the contact makes, or None when it stays where it is.

    `decided` is the stage an inquiry's decision gives (`stage_for_route`);
    `engagement` and `mql_threshold` promote a subscriber or lead to MQL when
    the points reach the threshold. The highest candidate wins; a candidate at
    or below the current stage changes nothing (never demote).
    """
    if current is not None and current != JUNK and current not in STAGES:
        raise ValueError(f"unknown stage {current!r}; stages are {', '.join(STAGES)}")
    candidates: list[tuple[str, str]] = []
    if decided is not None:
        if decided != JUNK and decided not in STAGES:
            raise ValueError(f"unknown stage {decided!r}; stages are {', '.join(STAGES)}")
        candidates.append((decided, f"inquiry routed to {decided}"))
    if engagement is not None and mql_threshold is not None and engagement >= mql_threshold:
        candidates.append(("mql", f"engagement {engagement} reached the MQL threshold {mql_threshold}"))
    if not candidates:
        return None
    stage, reason = max(candidates, key=lambda c: rank(c[0]))
    if stage == JUNK:
        # Junk only marks a contact we knew nothing about.
        return Transition(None, JUNK, "first message was junk") if current is None else None
    if rank(stage) <= rank(current):
        return None
    return Transition(current, stage, reason)
