"""The budget slot: extract_budget + resolve_budget on whole inquiries (tests/intents/corpus/budget_en.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import forms
from intents.budget import PATTERNS_FILE, explain_cues, extract_budget
from intents.resolve import resolve_budget
from intents.text import TextView
from intents.types import Budget, Context, Finding
from tests.intents.corpus.budget_en import CASES, Case, chat, form

NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)


def budget_of(payload, currency_hint="USD") -> tuple[Finding[Budget] | None, list[Finding[Budget]], TextView]:
    inquiry = forms.normalize("generic", json.dumps(payload).encode())
    view = TextView(inquiry)
    candidates = extract_budget(view, Context(now=NOW, currency_hint=currency_hint))
    return resolve_budget(candidates, view), candidates, view


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_budget_case(case: Case):
    chosen, _, _ = budget_of(case.payload, case.currency_hint)
    assert (chosen.value if chosen else None) == case.expected
    if chosen is not None:
        texts = [e.text for e in chosen.evidence]
        for words in case.evidence:
            assert words in texts
        if case.hedged is not None:
            assert chosen.hedged is case.hedged


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_every_candidate_is_evidenced_in_the_persons_words(case: Case):
    _, candidates, view = budget_of(case.payload, case.currency_hint)
    sources = {s.source: s for s in view.segments}
    for finding in candidates:
        assert finding.evidence
        assert 0.0 <= finding.confidence <= 1.0
        for ev in finding.evidence:
            assert ev.source in sources  # visitor turns and fields only, never the bot
            assert sources[ev.source].text[ev.start : ev.end] == ev.text


def test_none_findings_are_negated():
    _, candidates, _ = budget_of(form("No budget yet, we're just scoping options."))
    assert candidates and all(f.negated for f in candidates if f.value.status == "none")


def test_a_bare_number_is_dropped_unless_the_bot_asked_about_budget():
    payload = chat(("visitor", "need a pentest"), ("bot", "How many apps?"), ("visitor", "about 5000"))
    chosen, candidates, _ = budget_of(payload)
    assert chosen is None
    asked = chat(("visitor", "need a pentest"), ("bot", "What budget do you have?"), ("visitor", "about 5000"))
    assert budget_of(asked)[0].value == Budget("stated", 5000, 5000, "USD")


@pytest.mark.parametrize(
    ("status_first", "status_second", "expected"),
    [
        pytest.param("we have about $9k for this", "we don't have any budget after all", "none", id="none-later"),
        pytest.param("we don't have a budget", "ok, finance gave us $9k for this", "stated", id="figure-later"),
    ],
)
def test_a_later_chat_answer_overrides_an_earlier_one(status_first, status_second, expected):
    payload = chat(("visitor", status_first), ("bot", "Thanks!"), ("visitor", status_second))
    assert budget_of(payload)[0].value.status == expected


def test_approved_wins_over_stated_and_keeps_the_figure():
    chosen, _, _ = budget_of(form("We're thinking about $40k. The budget is already approved by our CFO."))
    assert chosen.value == Budget("approved", 40_000, 40_000, "USD")
    assert {e.text for e in chosen.evidence} >= {"about $40k"}


def test_resolver_accepts_no_candidates():
    _, _, view = budget_of(form("Hello there"))
    assert resolve_budget([], view) is None


def _persons_words(case: Case) -> list[str]:
    payload = case.payload
    if "fields" in payload:
        return [str(v) for v in payload["fields"].values()]
    return [t["text"] for t in payload["transcript"] if t["role"] == "visitor"]


def test_every_budget_pattern_has_an_example():
    ids = {json.loads(line)["id"] for line in PATTERNS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()}
    hit = {rule for case in CASES for text in _persons_words(case) for rule, _ in explain_cues(text)}
    assert ids - hit == set()


def test_explain_cues_names_the_words():
    assert ("budget.none.no_budget.v1", "no budget") in explain_cues("We have no budget yet.")
