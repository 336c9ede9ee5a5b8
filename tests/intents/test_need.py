"""Need: concrete problems and use cases versus vague interest, against tests/intents/corpus/need_en.py."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.types import Inquiry, Turn
from intents.need import PATTERNS_FILE, extract_need, need_rules
from intents.resolve import resolve_need
from intents.text import TextView
from intents.types import Context, Finding, Need
from tests.intents.corpus.need_en import (
    CHATS,
    IN_SENTENCE,
    NEGATIVES,
    POSITIVES,
    SUPPORT_CHORES,
    SUPPORT_PROBLEMS,
)

CTX = Context(now=datetime(2026, 3, 10, 14, 5, tzinfo=UTC))


def form(message: str, **fields: str) -> Inquiry:
    answered = {**fields, "message": message}
    return Inquiry(
        source="generic", channel="form", fields=answered, message=message, message_field="message"
    )


def chat(*texts: str) -> Inquiry:
    turns = tuple(Turn("visitor" if i % 2 == 0 else "bot", t) for i, t in enumerate(texts))
    return Inquiry(source="generic", channel="chat", transcript=turns)


def need(inquiry: Inquiry) -> Finding[Need] | None:
    view = TextView(inquiry)
    return resolve_need(extract_need(view, CTX), view)


@pytest.mark.parametrize("text", [pytest.param(t, id=t[:60]) for t in POSITIVES + SUPPORT_PROBLEMS])
def test_concrete_need_is_found(text):
    found = need(form(text))
    assert found is not None
    # Evidence is a short phrase of the message itself.
    assert found.value.text == found.evidence[0].text
    assert found.evidence[0].text in text
    assert 2 <= len(found.evidence[0].text.split()) <= 15


@pytest.mark.parametrize("text", [pytest.param(t, id=t[:60]) for t in NEGATIVES + SUPPORT_CHORES])
def test_vague_interest_or_chore_is_no_need(text):
    assert need(form(text)) is None


@pytest.mark.parametrize(("text", "evidence"), [pytest.param(*row, id=row[1][:50]) for row in IN_SENTENCE])
def test_evidence_is_the_most_specific_clause(text, evidence):
    found = need(form(text))
    assert found is not None
    assert found.evidence[0].text == evidence


@pytest.mark.parametrize(("turns", "present"), [pytest.param(*row, id=row[0][-1][:50]) for row in CHATS])
def test_chat_answer_read_against_question(turns, present):
    found = need(chat(*turns))
    assert (found is not None) == present
    if found:
        assert found.evidence[0].source.startswith("turn:")
        assert int(found.evidence[0].source.split(":")[1]) % 2 == 0  # a visitor turn, never the bot's


def test_product_dropdown_alone_is_no_need():
    inquiry = Inquiry(
        source="generic",
        channel="form",
        fields={"product_interest": "Spend Management", "company_size": "50-100"},
    )
    assert need(inquiry) is None


def test_not_in_market_withdraws_a_need_resting_on_a_quantity():
    text = "Rostering for about 80 staff. We're happy with where we are, no plans to switch."
    assert need(form(text)) is None


def test_stated_want_survives_a_happy_clause():
    text = "We're happy with our payroll provider but we need scheduling for 80 staff."
    found = need(form(text))
    assert found is not None and "scheduling for 80 staff" in found.evidence[0].text


def test_negated_want_is_not_a_need():
    assert need(form("We don't need a new CRM, thanks.")) is None


def test_negator_inside_a_word_does_not_negate():
    # "know" holds "no": the want still stands.
    found = need(form("You know, we need a new CRM for 12 reps."))
    assert found is not None


# ----------------------------------------------------------------------------- data files


def _example_rules() -> set[str]:
    rules: set[str] = set()
    for text in POSITIVES + SUPPORT_PROBLEMS + [t for t, _ in IN_SENTENCE]:
        rules.update(f.rule for f in extract_need(TextView(form(text)), CTX))
    for turns, _ in CHATS:
        rules.update(f.rule for f in extract_need(TextView(chat(*turns)), CTX))
    return rules


def test_every_anchor_has_an_example_in_the_corpus():
    anchors = {p.id for p in need_rules().patterns if p.kind in ("want", "action", "problem", "project")}
    # A booster or anchor may be outranked in every example; anchors must each win somewhere.
    assert anchors - _example_rules() == set()


@pytest.mark.parametrize("pattern", need_rules().patterns, ids=lambda p: p.id)
def test_pattern_matches_its_own_example(pattern):
    assert pattern.regex.search(pattern.example.replace("’", "'"))


def test_pattern_file_ids_are_unique_and_versioned():
    rows = [json.loads(line) for line in PATTERNS_FILE.read_text().splitlines() if line.strip()]
    ids = [row["id"] for row in rows if "define" not in row]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"need\.[a-z_]+\.[a-z0-9_]+\.v\d+", i) for i in ids)


# ----------------------------------------------------------------------------- properties

_WORDS = st.sampled_from(
    [
        "we",
        "need",
        "a",
        "CRM",
        "for",
        "12",
        "reps",
        "not",
        "don't",
        "pricing",
        "?",
        "info",
        "our",
        "is",
        "mess",
        "looking",
        "for",
        "just",
        "browsing",
        ".",
        ",",
        "\n",
        "—",
        "é",
        "’",
        "by",
        "hand",
        "error",
        "cancel",
    ]
)
_TEXT = st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=60).map(" ".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=_TEXT, answer=_TEXT)
def test_evidence_is_always_a_slice_of_a_visitor_segment(message, answer):
    for inquiry in (form(message), chat(message, "What are you hoping to solve?", answer)):
        view = TextView(inquiry)
        texts = {seg.source: seg.text for seg in view.segments}
        for finding in extract_need(view, CTX):
            for ev in finding.evidence:
                assert texts[ev.source][ev.start : ev.end] == ev.text
            assert finding.value.text == finding.evidence[0].text
            assert 0.0 <= finding.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("we need " * 15_000, id="repeated-cue"),
        pytest.param("a" * 100_000, id="one-word"),
        pytest.param("is a mess. " * 10_000, id="many-clauses"),
        pytest.param(("our " * 30 + "\n") * 800, id="many-lines"),
        pytest.param("9" * 100_000, id="digits"),
    ],
)
def test_pathological_input_is_fast(text):
    need(form("warm up the pattern cache"))
    start = time.process_time()
    need(form(text))
    assert time.process_time() - start < 1.0
