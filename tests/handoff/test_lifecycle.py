"""Lifecycle stages (handoff/lifecycle.py): the stage a decision gives, promotion, never demotion."""

from __future__ import annotations

import pytest

from handoff.lifecycle import JUNK, STAGES, Transition, next_stage, rank, stage_for_route


def test_stages_in_order() -> None:
    assert STAGES == ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
    assert [rank(s) for s in STAGES] == list(range(7))
    assert rank(None) == rank(JUNK) == -1


@pytest.mark.parametrize(
    ("route", "intent", "stage"),
    [
        pytest.param("sql", "buying", "sql", id="sql"),
        pytest.param("mql", "buying", "mql", id="mql"),
        pytest.param("nurture", "buying", "lead", id="nurtured-buyer"),
        pytest.param("nurture", "other", "subscriber", id="other"),
        pytest.param("redirect", "support", "subscriber", id="redirect"),
        pytest.param("discard", "spam", JUNK, id="discard"),
    ],
)
def test_stage_for_route(route: str, intent: str, stage: str) -> None:
    assert stage_for_route(route, intent) == stage


def test_unknown_route_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown route"):
        stage_for_route("maybe", "buying")


@pytest.mark.parametrize(
    ("current", "decided", "expected"),
    [
        pytest.param(None, "lead", "lead", id="new-contact"),
        pytest.param("subscriber", "lead", "lead", id="subscriber-to-lead"),
        pytest.param("lead", "mql", "mql", id="lead-to-mql"),
        pytest.param("mql", "sql", "sql", id="mql-to-sql"),
        pytest.param("lead", "sql", "sql", id="skip-ahead"),
        pytest.param(JUNK, "subscriber", "subscriber", id="junk-replaced"),
        pytest.param(None, JUNK, JUNK, id="first-message-junk"),
    ],
)
def test_promotion_by_decision(current: str | None, decided: str, expected: str) -> None:
    move = next_stage(current, decided=decided)
    assert move is not None
    assert (move.previous, move.stage) == (current, expected)
    assert move.reason


@pytest.mark.parametrize(
    ("current", "decided"),
    [
        pytest.param("sql", "lead", id="sql-stays-after-nurture"),
        pytest.param("customer", "subscriber", id="customer-stays-after-support"),
        pytest.param("mql", "mql", id="same-stage"),
        pytest.param("lead", JUNK, id="junk-never-demotes"),
        pytest.param(JUNK, JUNK, id="junk-again"),
        pytest.param("evangelist", "sql", id="top"),
    ],
)
def test_never_demote(current: str, decided: str) -> None:
    assert next_stage(current, decided=decided) is None


@pytest.mark.parametrize(
    ("current", "engagement", "expected"),
    [
        pytest.param("lead", 40, "mql", id="lead-reaches-threshold"),
        pytest.param("subscriber", 75, "mql", id="subscriber-jumps-to-mql"),
        pytest.param(None, 40, "mql", id="unknown-contact"),
        pytest.param("lead", 39, None, id="below-threshold"),
        pytest.param("sql", 90, None, id="sql-not-demoted-to-mql"),
    ],
)
def test_promotion_by_engagement(current: str | None, engagement: int, expected: str | None) -> None:
    move = next_stage(current, engagement=engagement, mql_threshold=40)
    assert (move.stage if move else None) == expected
    if move:
        assert "threshold 40" in move.reason


def test_highest_candidate_wins() -> None:
    assert next_stage("lead", decided="sql", engagement=99, mql_threshold=40) == Transition("lead", "sql", "inquiry routed to sql")


def test_nothing_to_decide() -> None:
    assert next_stage("lead") is None


@pytest.mark.parametrize(("current", "decided"), [pytest.param("prospect", None, id="current"), pytest.param("lead", "hot", id="decided")])
def test_unknown_stage_is_an_error(current: str, decided: str | None) -> None:
    with pytest.raises(ValueError, match="unknown stage"):
        next_stage(current, decided=decided, engagement=1, mql_threshold=40)
