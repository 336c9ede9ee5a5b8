"""The money grammar against its corpus (tests/intents/corpus/money_en.py), Duckling style."""

from __future__ import annotations

import pytest

from intents.money import currency_in, find_money, parse_money
from tests.intents.corpus.money_en import EXAMPLES, HINT, IN_SENTENCE, LATENT, NEGATIVES


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(text, expected, id=text) for expected, forms in EXAMPLES for text in forms],
)
def test_example_parses_whole(text, expected):
    assert parse_money(text, HINT) == expected


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in NEGATIVES])
def test_negative_is_no_money(text):
    assert parse_money(text, HINT) is None
    assert [text[m.start : m.end] for m in find_money(text, HINT) if not m.latent] == []


@pytest.mark.parametrize(
    ("sentence", "evidence", "expected"),
    [pytest.param(s, e, m, id=s) for s, e, m in IN_SENTENCE],
)
def test_in_sentence_span(sentence, evidence, expected):
    found = [m for m in find_money(sentence, HINT) if not m.latent]
    assert [(sentence[m.start : m.end], m.money) for m in found] == [(evidence, expected)]


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [pytest.param(q, a, m, id=f"{q} -> {a}") for q, a, m in LATENT],
)
def test_latent_needs_context(question, answer, expected):
    hint = currency_in(question) or HINT
    assert parse_money(answer, hint) is None
    assert parse_money(answer, hint, latent=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("50k", None, id="no hint keeps currency null"),
    ],
)
def test_figure_without_marker_and_without_hint_has_no_currency(text, expected):
    assert parse_money(text).currency is expected


@pytest.mark.parametrize(
    ("question", "currency"),
    [
        pytest.param("Which figure do you plan with, in USD?", "USD", id="code"),
        pytest.param("Roughly how many euros could you invest?", "EUR", id="word"),
        pytest.param("What's your budget in £?", "GBP", id="symbol"),
        pytest.param("What's your budget?", None, id="none named"),
        pytest.param(None, None, id="no question"),
    ],
)
def test_currency_named_in_a_question(question, currency):
    assert currency_in(question) == currency


def test_matches_do_not_overlap_and_stay_in_text():
    text = "Budget 50-75k; we pay $400/mo today, and maybe €8k/mo later. Call 555-0100."
    spans = [(m.start, m.end) for m in find_money(text, HINT)]
    assert spans == sorted(spans)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_corpus_has_at_least_as_many_negatives_as_example_rows():
    assert len(NEGATIVES) >= len(EXAMPLES)
    assert sum(len(forms) for _, forms in EXAMPLES) >= 100
