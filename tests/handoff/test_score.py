"""Lead scoring (handoff/score.py): behaviour points per event type, the MQL threshold, fit, event validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.policy import Policy
from handoff.score import (
    EVENT_TYPES,
    Event,
    EventError,
    engagement_score,
    event_points,
    fit_score,
    is_marketing_qualified,
    parse_event,
)
from intents.text import Segment, TextView
from intents.types import Authority, Budget, ContactRequest, Finding, IntentResult, Need, Signals, Timeframe

NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)

# DESIGN.md "Lead-scoring defaults", written out again so a changed table fails here.
POINTS = [
    ("email_open", 1),
    ("email_click", 5),
    ("email_forward", 3),
    ("unsubscribe", -5),
    ("demo_request", 50),
    ("pricing_page_visit", 20),
    ("multi_page_visit", 10),
    ("careers_page_visit", -5),
    ("webinar_registered", 10),
    ("webinar_attended", 2),
    ("event_attended", 3),
    ("sales_conversation_good", 10),
    ("sales_conversation_great", 30),
    ("white_paper", 10),
    ("white_paper_product", 30),
    ("interactive_content", 10),
]


def event(kind: str, days_ago: float = 1, email: str = "pat@harlowbuilders.com") -> Event:
    return Event(email=email, type=kind, at=NOW - timedelta(days=days_ago))


@pytest.mark.parametrize(("kind", "points"), [pytest.param(k, p, id=k) for k, p in POINTS])
def test_default_points_per_event_type(kind: str, points: int) -> None:
    assert event_points(kind, Policy()) == points
    assert engagement_score([event(kind)], Policy(), NOW) == points


def test_every_event_type_has_points() -> None:
    assert sorted(EVENT_TYPES) == sorted(k for k, _ in POINTS)


def test_engagement_sums_events() -> None:
    events = [event("email_open"), event("email_open"), event("email_click"), event("unsubscribe")]
    assert engagement_score(events, Policy(), NOW) == 1 + 1 + 5 - 5


def test_policy_points_replace_defaults() -> None:
    policy = Policy.from_mapping({"scoring": {"events": {"email_open": 4}}})
    assert engagement_score([event("email_open"), event("email_click")], policy, NOW) == 9


def test_window_drops_old_events() -> None:
    policy = Policy.from_mapping({"scoring": {"engagement_window_days": 30}})
    events = [event("demo_request", days_ago=45), event("pricing_page_visit", days_ago=5)]
    assert engagement_score(events, policy, NOW) == 20
    assert engagement_score(events, Policy(), NOW) == 70


def test_future_events_do_not_count() -> None:
    assert engagement_score([event("demo_request", days_ago=-1)], Policy(), NOW) == 0


@pytest.mark.parametrize(
    ("kinds", "qualified"),
    [
        pytest.param(["pricing_page_visit", "multi_page_visit", "webinar_registered"], True, id="exactly-40"),
        pytest.param(["pricing_page_visit", "multi_page_visit", "email_click", "email_forward"], False, id="38"),
        pytest.param(["demo_request"], True, id="demo-request-alone"),
        pytest.param(["demo_request", "unsubscribe", "careers_page_visit", "careers_page_visit"], False, id="minus-points"),
    ],
)
def test_mql_threshold(kinds: list[str], qualified: bool) -> None:
    score = engagement_score([event(k) for k in kinds], Policy(), NOW)
    assert is_marketing_qualified(score, Policy()) is qualified


def test_threshold_is_configurable() -> None:
    policy = Policy.from_mapping({"scoring": {"mql_threshold": 60}})
    assert not is_marketing_qualified(50, policy)
    assert is_marketing_qualified(60, policy)


# --------------------------------------------------------------------------- parsing


def test_parse_event() -> None:
    parsed = parse_event({"email": " Pat@Harlow.com ", "type": "email_click", "at": "2026-03-09T10:00:00Z", "properties": {"campaign": "q1"}})
    assert parsed == Event("Pat@Harlow.com", "email_click", datetime(2026, 3, 9, 10, tzinfo=UTC), {"campaign": "q1"})


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param("2026-03-09T10:00:00+02:00", datetime(2026, 3, 9, 8, tzinfo=UTC), id="offset"),
        pytest.param("2026-03-09", datetime(2026, 3, 9, tzinfo=UTC), id="date-alone"),
    ],
)
def test_parse_event_times(at: str, expected: datetime) -> None:
    assert parse_event({"email": "a@b.com", "type": "email_open", "at": at}).at == expected


@pytest.mark.parametrize(
    ("data", "key"),
    [
        pytest.param([], "event", id="not-an-object"),
        pytest.param({"email": "nobody", "type": "email_open", "at": "2026-03-09"}, "event.email", id="bad-email"),
        pytest.param({"type": "email_open", "at": "2026-03-09"}, "event.email", id="no-email"),
        pytest.param({"email": "a@b.com", "type": "page_view", "at": "2026-03-09"}, "event.type", id="unknown-type"),
        pytest.param({"email": "a@b.com", "type": "email_open"}, "event.at", id="no-time"),
        pytest.param({"email": "a@b.com", "type": "email_open", "at": "yesterday"}, "event.at", id="bad-time"),
        pytest.param({"email": "a@b.com", "type": "email_open", "at": "2026-03-09T10:00:00"}, "event.at", id="naive-time"),
        pytest.param({"email": "a@b.com", "type": "email_open", "at": "2026-03-09", "properties": []}, "event.properties", id="bad-properties"),
        pytest.param({"email": "a@b.com", "type": "email_open", "at": "2026-03-09", "when": 1}, "event.when", id="unknown-field"),
    ],
)
def test_parse_event_errors_name_the_field(data: object, key: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(data)
    assert info.value.key == key


# --------------------------------------------------------------------------- fit

TEXT = "need tracking; call me; 40k; by June; COO"
SEGMENT = Segment(source="field:message", text=TEXT, kind="message", label="message")


def _finding(value: object) -> Finding:
    return Finding(value, (TextView.evidence(SEGMENT, 0, 4),), 0.9, "t")


def signals(intent: str = "buying", **slots: object) -> Signals:
    return Signals(intent=IntentResult(intent, 0.9), **{k: _finding(v) for k, v in slots.items()})


@pytest.mark.parametrize(
    ("slots", "score"),
    [
        pytest.param({}, 0, id="nothing"),
        pytest.param({"need": Need("x")}, 30, id="need"),
        pytest.param({"contact_request": ContactRequest("call")}, 20, id="contact"),
        pytest.param({"budget": Budget("approved")}, 20, id="budget-approved"),
        pytest.param({"budget": Budget("stated", 1, 1)}, 15, id="budget-stated"),
        pytest.param({"budget": Budget("none")}, 0, id="budget-none"),
        pytest.param({"timeframe": Timeframe("immediate")}, 15, id="immediate"),
        pytest.param({"timeframe": Timeframe("quarter")}, 10, id="quarter"),
        pytest.param({"timeframe": Timeframe("year")}, 5, id="year"),
        pytest.param({"timeframe": Timeframe("later")}, 0, id="later"),
        pytest.param({"authority": Authority("decision_maker")}, 15, id="decision-maker"),
        pytest.param({"authority": Authority("influencer")}, 10, id="influencer"),
        pytest.param({"authority": Authority("end_user")}, 0, id="end-user"),
        pytest.param(
            {"need": Need("x"), "contact_request": ContactRequest("call"), "budget": Budget("approved"),
             "timeframe": Timeframe("immediate"), "authority": Authority("decision_maker")},
            100,
            id="everything-capped",
        ),
    ],
)
def test_fit_score(slots: dict, score: int) -> None:
    assert fit_score(signals(**slots)) == score


def test_fit_of_other_intents_is_zero() -> None:
    assert fit_score(signals("support", need=Need("x"))) == 0


def test_fit_points_come_from_the_policy() -> None:
    policy = Policy.from_mapping({"scoring": {"fit": {"need": 50}}})
    assert fit_score(signals(need=Need("x")), policy) == 50
