"""Properties of timeframe extraction that must hold for any input (hypothesis).

- every evidence is exactly the slice of the segment it points at;
- no input crashes the extractor or the resolver;
- a finding always carries a valid urgency, and a date never lies before the received date;
- pathological input (100 KB of digits, dots, time words) is read quickly.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.types import Inquiry, Turn
from intents.resolve import resolve_timeframe
from intents.text import TextView
from intents.timeframe import extract_timeframe
from intents.types import URGENCIES, Context

TIME_WORDS = [
    "by",
    "the",
    "end",
    "of",
    "next",
    "this",
    "in",
    "within",
    "not",
    "until",
    "before",
    "after",
    "Q3",
    "q1",
    "H2",
    "FY27",
    "2027",
    "2026",
    "march",
    "May",
    "june",
    "Friday",
    "15th",
    "3/15",
    "15.03.2026",
    "2026-05-01",
    "weeks",
    "2",
    "a",
    "few",
    "months",
    "asap",
    "urgent",
    "no",
    "rush",
    "just",
    "researching",
    "Christmas",
    "Easter",
    "summer",
    "contract",
    "ends",
    "locked",
    "call",
    "me",
    "demo",
    "every",
    "last",
    "year",
    "ago",
    "$1,500",
    "24/7",
    "3/4",
    "v2.5.1",
    "fiscal",
    "starts",
    "April",
    "'s",
    "budget",
    "mid-",
    "early",
    "late",
    "entro",
    "fine",
    "mese",
    "bis",
    "Ende",
    "próximo",
    "mes",
    "le",
    "mois",
    "prochain",
    "·",
    "\n",
    ".",
    ",",
    "?",
    "!",
    "—",
    "’",
    "(",
    ")",
    "é",
    "ß",
    "🙂",
]

words = st.lists(st.sampled_from(TIME_WORDS), max_size=40).map(" ".join)
texts = st.one_of(st.text(max_size=300), words)
nows = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.sampled_from([UTC, None])
).map(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))


def views(message: str, timeline: str | None = None) -> list[TextView]:
    fields = {"message": message}
    if timeline is not None:
        fields["Timeline"] = timeline
    form = Inquiry(source="generic", channel="form", fields=fields)
    chat = Inquiry(
        source="generic",
        channel="chat",
        transcript=(
            Turn("visitor", "hi"),
            Turn("bot", "When do you need it live?"),
            Turn("visitor", message),
        ),
    )
    return [TextView(form), TextView(chat)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=texts, timeline=st.one_of(st.none(), words), now=nows)
def test_evidence_is_the_segment_slice_and_nothing_crashes(message, timeline, now):
    ctx = Context(now=now)
    for view in views(message, timeline):
        segments = {s.source: s.text for s in view.segments}
        findings = extract_timeframe(view, ctx)
        for finding in findings:
            assert finding.evidence, finding.rule
            for ev in finding.evidence:
                assert segments[ev.source][ev.start : ev.end] == ev.text
                assert ev.text.strip()
            value = finding.value
            assert value.urgency in URGENCIES
            assert 0.0 < finding.confidence <= 1.0
            assert finding.rule.startswith("time.")
            if value.by is not None:
                assert value.by >= ctx.today
            if value.earliest is not None:
                assert value.by is None
        chosen = resolve_timeframe(findings, view)
        assert (chosen is None) == (not findings)
        if chosen is not None:
            assert chosen in findings


@settings(max_examples=100, deadline=None)
@given(message=words, offset_hours=st.integers(min_value=-12, max_value=14))
def test_days_count_in_the_received_offset(message, offset_hours):
    """The same instant seen in two offsets resolves against each one's own calendar date."""
    now = datetime(2026, 6, 30, 20, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=offset_hours)))
    for view in views(message):
        for finding in extract_timeframe(view, Context(now=now)):
            if finding.value.by is not None:
                assert finding.value.by >= now.date()


PATHOLOGICAL = [
    pytest.param("1/2/3/4/5/6/7/8/9/" * 6000, id="slashes"),
    pytest.param("1.2.3.4." * 12500, id="dots"),
    pytest.param("in 2 " * 20000, id="offsets"),
    pytest.param("not " * 25000 + "until 2027", id="not-until"),
    pytest.param("a" * 100_000, id="one-word"),
    pytest.param("by the end of next Q3 in March 2027, " * 2800, id="dense"),
    pytest.param(("We need this by Friday. " * 10 + "x" * 400) * 40, id="mixed"),
    pytest.param("(" * 50_000 + ")" * 50_000, id="brackets"),
]


@pytest.mark.parametrize("message", PATHOLOGICAL)
def test_pathological_input_is_fast(message):
    ctx = Context(now=datetime(2026, 3, 10, 14, 5, tzinfo=UTC))
    view = views(message)[0]
    extract_timeframe(view, ctx)  # load the patterns outside the timing
    started = time.process_time()
    resolve_timeframe(extract_timeframe(view, ctx), view)
    assert time.process_time() - started < 0.5
