"""Business time against its corpus (tests/intents/corpus/timeframe_en.py), Duckling style.

Each row goes through the public path: a normalized inquiry, `TextView`,
`extract_timeframe` and `resolve_timeframe`, at the row's reference time.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from forms.types import Inquiry, Turn
from intents import dates
from intents.holidays import HOLIDAYS, holiday_date
from intents.resolve import resolve_timeframe
from intents.text import TextView
from intents.timeframe import extract_timeframe, fired_rules, rule_ids
from intents.types import Context, Finding, Timeframe
from tests.intents.corpus.timeframe_en import (
    CONTEXT,
    DROPDOWNS,
    EXAMPLES,
    HEDGED,
    IN_SENTENCE,
    LATENT,
    LATENT_NEGATIVES,
    NEGATIVES,
    NOWS,
    PRECEDENCE,
    D,
)


def form(message: str | None = None, timeline: str | None = None) -> Inquiry:
    fields = {}
    if message is not None:
        fields["message"] = message
    if timeline is not None:
        fields["Timeline"] = timeline
    return Inquiry(source="generic", channel="form", fields=fields)


def chat(turns: list[tuple[str, str]]) -> Inquiry:
    return Inquiry(
        source="generic", channel="chat", transcript=tuple(Turn(role, text) for role, text in turns)
    )


def timeframe(inquiry: Inquiry, ctx: Context) -> Finding[Timeframe] | None:
    view = TextView(inquiry)
    return resolve_timeframe(extract_timeframe(view, ctx), view)


def value(inquiry: Inquiry, ctx: Context) -> Timeframe | None:
    found = timeframe(inquiry, ctx)
    return found.value if found else None


def at(now: str, **overrides) -> Context:
    return replace(Context(now=NOWS[now]), **overrides)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        pytest.param(now, text, expected, id=f"{now}: {text}")
        for now, expected, forms in EXAMPLES
        for text in forms
    ],
)
def test_example(now, text, expected):
    assert value(form(text), at(now)) == expected


@pytest.mark.parametrize(
    ("now", "choice", "expected"),
    [pytest.param(now, choice, expected, id=f"{now}: {choice}") for now, choice, expected in DROPDOWNS],
)
def test_timeline_dropdown(now, choice, expected):
    assert value(form(timeline=choice), at(now)) == expected


@pytest.mark.parametrize(
    ("now", "overrides", "text", "expected"),
    [pytest.param(n, o, t, e, id=f"{o}: {t}") for n, o, t, e in CONTEXT],
)
def test_context(now, overrides, text, expected):
    assert value(form(text), at(now, **overrides)) == expected


@pytest.mark.parametrize(
    ("now", "content", "timeline", "expected"),
    [pytest.param(n, c, t, e, id=str(c)[:80]) for n, c, t, e in PRECEDENCE],
)
def test_precedence(now, content, timeline, expected):
    inquiry = chat(content) if isinstance(content, list) else form(content, timeline)
    assert value(inquiry, at(now)) == expected


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in NEGATIVES])
def test_negative_has_no_timeframe(text):
    view = TextView(form(text))
    assert [f.evidence[0].text for f in extract_timeframe(view, at("mar10"))] == []


@pytest.mark.parametrize(("text", "evidence"), [pytest.param(t, e, id=t) for t, e in IN_SENTENCE])
def test_in_sentence_evidence(text, evidence):
    found = timeframe(form(text), at("mar10"))
    assert found is not None
    assert found.evidence[0].text == evidence
    assert text[found.evidence[0].start : found.evidence[0].end] == evidence
    assert found.evidence[0].source == "field:message"


@pytest.mark.parametrize(
    ("question", "answer", "expected", "needs_question"),
    [pytest.param(q, a, e, n, id=f"{q} -> {a}") for q, a, e, n in LATENT],
)
def test_latent_answer(question, answer, expected, needs_question):
    ctx = at("mar10")
    assert value(chat([("visitor", "hi"), ("bot", question), ("visitor", answer)]), ctx) == expected
    if needs_question:
        assert value(chat([("visitor", answer)]), ctx) is None
        assert value(form(answer), ctx) is None


@pytest.mark.parametrize(
    ("question", "answer"), [pytest.param(q, a, id=f"{q} -> {a}") for q, a in LATENT_NEGATIVES]
)
def test_terse_answer_to_another_question(question, answer):
    assert value(chat([("visitor", "hi"), ("bot", question), ("visitor", answer)]), at("mar10")) is None


@pytest.mark.parametrize(
    ("label", "answer", "expected"),
    [
        pytest.param(
            "When do you want to start?", "June", D("2026-06-30", "year", "dropdown"), id="timing label"
        ),
        pytest.param("Desired go-live", "Q3", D("2026-09-30", "year", "dropdown"), id="go-live label"),
        pytest.param("Best time to call", "Friday morning", None, id="call label"),
        pytest.param("Preferred demo date", "next week", None, id="demo label"),
        pytest.param("Company", "June Consulting", None, id="company field"),
    ],
)
def test_other_fields_by_label(label, answer, expected):
    inquiry = Inquiry(source="generic", channel="form", fields={label: answer, "message": "We need a CRM."})
    assert value(inquiry, at("mar10")) == expected


def test_bot_words_are_never_evidence():
    inquiry = chat([("bot", "Most teams go live next month. When do you need it?"), ("visitor", "no rush")])
    found = timeframe(inquiry, at("mar10"))
    assert found is not None
    assert found.value == Timeframe(urgency="none", kind="vague")
    assert found.evidence[0].source == "turn:1"


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in HEDGED])
def test_hedged(text):
    found = timeframe(form(text), at("mar10"))
    assert found is not None and found.hedged


def test_plain_statement_is_not_hedged():
    found = timeframe(form("We need it by the end of Q2."), at("mar10"))
    assert found is not None and not found.hedged
    assert found.rule == "time.quarter_named.v1"
    assert 0 < found.confidence <= 1


# ---- calendar helpers


@pytest.mark.parametrize(
    ("key", "year", "expected"),
    [
        pytest.param("easter", 2026, date(2026, 4, 5), id="easter 2026"),
        pytest.param("easter", 2027, date(2027, 3, 28), id="easter 2027"),
        pytest.param("easter_monday", 2026, date(2026, 4, 6), id="easter monday 2026"),
        pytest.param("good_friday", 2026, date(2026, 4, 3), id="good friday 2026"),
        pytest.param("thanksgiving", 2026, date(2026, 11, 26), id="thanksgiving 2026"),
        pytest.param("thanksgiving", 2027, date(2027, 11, 25), id="thanksgiving 2027"),
        pytest.param("black_friday", 2026, date(2026, 11, 27), id="black friday 2026"),
        pytest.param("cyber_monday", 2026, date(2026, 11, 30), id="cyber monday 2026"),
        pytest.param("memorial_day", 2026, date(2026, 5, 25), id="memorial day 2026"),
        pytest.param("labor_day", 2026, date(2026, 9, 7), id="labor day 2026"),
        pytest.param("mothers_day", 2026, date(2026, 5, 10), id="mothers day 2026"),
        pytest.param("mlk_day", 2027, date(2027, 1, 18), id="mlk day 2027"),
    ],
)
def test_holiday_dates(key, year, expected):
    assert holiday_date(key, year) == expected


def test_every_holiday_resolves():
    assert all(isinstance(holiday_date(key, 2030), date) for key in HOLIDAYS)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, "immediate"),
        (31, "immediate"),
        (32, "quarter"),
        (92, "quarter"),
        (93, "year"),
        (366, "year"),
        (367, "later"),
    ],
)
def test_urgency_buckets(days, expected):
    today = date(2026, 3, 10)
    assert dates.urgency_of(date.fromordinal(today.toordinal() + days), today) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 3, date(2026, 6, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
    ],
)
def test_months_past_month_end_land_on_its_last_day(start, months, expected):
    assert dates.add_months(start, months) == expected


# ---- every rule has an example


def _all_rows():
    for now, _, forms in EXAMPLES:
        for text in forms:
            yield form(text), at(now)
    for now, choice, _ in DROPDOWNS:
        yield form(timeline=choice), at(now)
    for now, overrides, text, _ in CONTEXT:
        yield form(text), at(now, **overrides)
    for now, content, timeline, _ in PRECEDENCE:
        yield (chat(content) if isinstance(content, list) else form(content, timeline)), at(now)
    for text in [*NEGATIVES, *HEDGED, *(t for t, _ in IN_SENTENCE)]:
        yield form(text), at("mar10")
    for label, answer in [("When do you want to start?", "June"), ("Best time to call", "Friday morning")]:
        yield Inquiry(source="generic", channel="form", fields={label: answer}), at("mar10")
    for question, answer, _, _ in LATENT:
        yield chat([("visitor", "hi"), ("bot", question), ("visitor", answer)]), at("mar10")


def test_every_rule_is_exercised():
    fired: set[str] = set()
    for inquiry, ctx in _all_rows():
        fired |= fired_rules(TextView(inquiry), ctx)
    assert sorted(set(rule_ids()) - fired) == []
    assert sorted(fired - set(rule_ids())) == []


def test_rule_ids_are_unique_and_versioned():
    ids = rule_ids()
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"time(\.[a-z0-9_]+)+\.v\d+", i)] == []
