"""Negation and hedging windows (intents/context.py): whole tokens, same clause, bounded distance."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intents.context import clause_bounds, is_hedged, is_negated, negator_before, words


def span(text: str, target: str) -> tuple[int, int]:
    start = text.index(target)
    return start, start + len(target)


# (text, the span checked, negated?)
NEGATION = [
    ("I'm not the decision maker", "decision maker", True),
    ("I don't sign off on this", "sign off", True),
    ("We do not need a new CRM", "need", True),
    ("We never approve tools without IT", "approve", True),
    ("Wir brauchen keine neue Software", "neue Software", True),
    ("Nous n'avons pas besoin de formation", "besoin", True),
    ("No, I'm the decision maker", "decision maker", False),  # the "no" is in another clause
    ("You know, I'm the decision maker", "decision maker", False),  # "no" inside "know"
    ("Nobody told me, but I sign off", "sign off", False),  # "but" starts a new clause
    ("I'm not sure about timing. I sign off", "sign off", False),  # another sentence
    ("Not that it matters much to the team here I sign off", "sign off", False),  # too far
    ("Snow removal is what we need", "need", False),
    ("Notably we need a CRM", "need", False),
    ("I can't decide this", "decide", True),
    ("We haven't got sign-off yet", "sign-off", True),
]

# (text, the span checked, hedged?)
HEDGING = [
    ("maybe around 40k", "40k", True),
    ("roughly 10 seats", "10 seats", True),
    ("I think I'm the one who signs", "signs", True),
    ("not sure, probably Q3", "Q3", True),
    ("kind of the decision maker", "decision maker", True),
    ("40k", "40k", False),
    ("we need it in Q3", "Q3", False),
    ("The maybelline account needs 10 seats", "10 seats", False),  # "maybe" inside a longer word
    ("Maybe later. Budget is 40k", "40k", False),  # the hedge is in another sentence
]


@pytest.mark.parametrize(("text", "target", "expected"), [pytest.param(*row, id=row[0]) for row in NEGATION])
def test_negation_window(text, target, expected):
    assert is_negated(text, *span(text, target)) is expected


@pytest.mark.parametrize(("text", "target", "expected"), [pytest.param(*row, id=row[0]) for row in HEDGING])
def test_hedge_window(text, target, expected):
    assert is_hedged(text, *span(text, target)) is expected


def test_negator_before_names_the_word():
    text = "we really don't need it"
    found = negator_before(text, *span(text, "need"))
    assert found is not None and text[found.start : found.end] == "don't"


def test_window_size_is_respected():
    text = "not one two three four five need"
    assert is_negated(text, *span(text, "need"), window=4) is False
    assert is_negated(text, *span(text, "need"), window=6) is True


@pytest.mark.parametrize(
    ("text", "target", "clause"),
    [
        ("Hi. We need a CRM, ideally soon", "CRM", "We need a CRM"),
        ("no budget yet but I sign off", "sign off", "I sign off"),
        ("line one\nline two here", "two", "line two here"),
        ("co-founder and CEO", "CEO", "co-founder and CEO"),
    ],
)
def test_clause_bounds(text, target, clause):
    start, end = clause_bounds(text, *span(text, target))
    assert text[start:end] == clause


def test_words_are_whole_and_lower_cased():
    assert [w.text for w in words("I’m NOT sure, don't know")] == ["i'm", "not", "sure", "don't", "know"]


@given(st.text(max_size=400), st.integers(0, 400), st.integers(0, 40))
def test_checks_never_crash(text, start, length):
    start = min(start, len(text))
    end = min(len(text), start + length)
    assert isinstance(is_negated(text, start, end), bool)
    assert isinstance(is_hedged(text, start, end), bool)
    lo, hi = clause_bounds(text, start, end)
    assert 0 <= lo <= hi <= len(text)


def test_long_text_is_fast():
    text = "not " * 50_000 + "need"
    start = time.process_time()
    for _ in range(100):
        is_negated(text, len(text) - 4, len(text))
        is_hedged(text, len(text) - 4, len(text))
    assert time.process_time() - start < 1.0
