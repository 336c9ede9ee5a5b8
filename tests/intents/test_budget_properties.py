"""Properties of the money grammar and the budget extractor on any input (hypothesis):
evidence is always the exact slice of the person's words, nothing crashes, and
pathological input stays fast."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from intents.budget import extract_budget
from intents.money import RULES, find_money
from intents.resolve import resolve_budget
from intents.text import TextView
from intents.types import BUDGET_PERIODS, BUDGET_STATUSES, Context

CTX = Context(now=datetime(2026, 3, 10, 14, 5, tzinfo=UTC), currency_hint="USD")

# Pieces that make the grammar work hard: figures, separators, markers, cue words.
PIECES = [
    *"0123456789$€£¥₹ ,.'’-–/+~kKmM%:;!?\n",
    "budget ", "no ", "under ", "approved ", "k ", "between ", " and ", " to ", "per month ", "USD ", "EUR ",
    "thousand ", "six figures ", "not sure ", "we pay ", "grand ", "a ", "fifty ", "one-off ", "can stretch to ",
    "at least ", "up to ", "about ", "revenue ", "users ", "mil ", "lakh ", "TBD ", "can't afford ", "yes ",
    "$5k", "50-75k", "1.200,50 €", "1 200", "1'200", "R$ ", "/user/month", "p.a.", "ish", "+",
]
TEXT = st.one_of(st.lists(st.sampled_from(PIECES), max_size=60).map("".join), st.text(max_size=120))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_findings(inquiry) -> None:
    view = TextView(inquiry)
    candidates = extract_budget(view, CTX)
    segments = {s.source: s for s in view.segments}
    for finding in candidates:
        assert finding.evidence
        assert 0.0 <= finding.confidence <= 1.0
        assert finding.value.status in BUDGET_STATUSES
        assert finding.value.period in (*BUDGET_PERIODS, None)
        for ev in finding.evidence:
            assert segments[ev.source].text[ev.start : ev.end] == ev.text
    chosen = resolve_budget(candidates, view)
    assert chosen is None or chosen.value.status in BUDGET_STATUSES


@SETTINGS
@given(TEXT)
def test_money_spans_lie_in_the_text_and_rules_are_declared(text):
    previous_end = 0
    for m in find_money(text, "USD"):
        assert previous_end <= m.start < m.end <= len(text)
        previous_end = m.end
        assert m.rule in RULES and set(m.rules) <= set(RULES)
        lo, hi = m.money.min, m.money.max
        assert lo is None or hi is None or lo <= hi


@SETTINGS
@given(message=TEXT, budget=st.none() | TEXT)
def test_form_evidence_is_the_segment_slice(message, budget):
    fields = {"email": "a@b.example", "message": message}
    if budget is not None:
        fields["budget"] = budget
    body = json.dumps({"fields": fields}).encode()
    _check_findings(forms.normalize("generic", body))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["visitor", "bot", "agent"]), TEXT), max_size=6))
def test_chat_evidence_is_the_visitor_slice(turns):
    body = json.dumps({"transcript": [{"role": r, "text": t} for r, t in turns]}).encode()
    _check_findings(forms.normalize("generic", body))


REALISTIC = (
    "A 35-strong studio after a planning tool. We plan on roughly $7k/month, might go to "
    "9k. Today we pay $350/mo for the old one. No budget for extras. Ring 555-0143.\n"
)
PATHOLOGICAL = {
    "realistic": REALISTIC * (100_000 // len(REALISTIC)),
    "ones": "1 " * 50_000,
    "commas": "1," * 50_000,
    "dollars": "$" * 100_000,
    "dollar-figures": "$5k " * 25_000,
    "dashes": "1-" * 50_000,
    "space-groups": "1 000 " * 16_000,
    "number-words": "fifty " * 16_000,
    "cue-words": "budget no " * 10_000,
    "between": "between 1 and " * 7_000,
    "one-long-number": "9" * 100_000,
    "glued-letters": "1x " * 33_000,
    "no-spaces": "approved$5kbudget" * 6_000,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_input_is_fast(name):
    text = PATHOLOGICAL[name]
    inquiry = forms.normalize("generic", json.dumps({"fields": {"message": text}}).encode())
    extract_budget(TextView(forms.normalize("generic", b'{"fields": {"message": "warm up $5k"}}')), CTX)
    start = time.process_time()
    find_money(text, "USD")
    view = TextView(inquiry)
    resolve_budget(extract_budget(view, CTX), view)
    assert time.process_time() - start < 1.0
