"""Regex gates (intents/prefilter.py): a gate may say "cannot match" only when the regex cannot."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intents.authority import authority_patterns
from intents.contact import load_rules
from intents.need import need_rules
from intents.prefilter import fold, gate_for
from intents.timeframe import rule_set

# (regex, a text it matches, a text the gate turns away)
GATED = [
    (r"\bwe\s+need(?:s|ed)?\b", "We NEED a new CRM", "we want a new CRM"),
    (r"(?:book|schedule)\s+a\s+(?:demo|call)", "can we schedule a call?", "send me a brochure"),
    (r"\bcolou?r\s+printing\b", "Colour printing for 5 shops", "black and white only"),
    (r"(?<!\w)(?=\w)(?:help|support)\s+(?:us\s+)?with\b", "support us with onboarding", "we help ourselves"),
    (r"\bsign(?:s|ed)?[\s-]+off\b", "I sign-off on purchases", "I sign contracts"),
    (r"[’']s\s+budget\b", "the team’s budget is 5k", "the team has money"),
    (r"\bstra(?:ss|ß)e\b", "STRASSE 5", "road 5"),
]

# Regexes whose every branch can match without a literal of three or more characters: no gate.
UNGATED = [r"\d+", r"[A-Z][a-z]+\s+\w+", r"(?:\w+\s+){0,3}\d", r"a|b", r"(?:we)?\s*\d+k"]


@pytest.mark.parametrize(("pattern", "hit", "miss"), [pytest.param(*row, id=row[0]) for row in GATED])
def test_gate_admits_a_match_and_turns_away_a_text_without_its_words(pattern, hit, miss):
    regex = re.compile(pattern, re.IGNORECASE)
    gate = gate_for(regex)
    assert gate is not None
    assert regex.search(hit) and gate.admits(fold(hit))
    assert not regex.search(miss) and not gate.admits(fold(miss))


@pytest.mark.parametrize("pattern", [pytest.param(p, id=p) for p in UNGATED])
def test_no_gate_when_no_word_is_required(pattern):
    assert gate_for(re.compile(pattern, re.IGNORECASE)) is None


def test_admits_within_reads_only_the_span():
    gate = gate_for(re.compile(r"\bdemo\b", re.IGNORECASE))
    text = fold("Hi there. Could we get a DEMO next week?")
    start = text.index("demo")
    assert gate.admits_within(text, start - 6, start + 4)
    assert not gate.admits_within(text, 0, start)
    assert not gate.admits_within(text, start + 1, len(text))


# Characters that IGNORECASE matches in surprising ways: dotted and dotless i, long s,
# Kelvin sign, final sigma, micro sign, German sharp s, and plain letters.
TRICKY = "İıIiſSsKkKΣσςµμßẞ’' -abdemnortuyw5\n"
# Regexes over those letters, case-insensitive and not.
PROPERTY_PATTERNS = [
    re.compile(r"\bis\s+ok", re.IGNORECASE),
    re.compile(r"sk(?:i|y)", re.IGNORECASE),
    re.compile(r"σ+ς", re.IGNORECASE),
    re.compile(r"(?:μm|mu)\b", re.IGNORECASE),
    re.compile(r"stra(?:ss|ß)e", re.IGNORECASE),
    re.compile(r"Kiss", 0),
    re.compile(r"(?i:demo)s?\s+(?:now|today)"),
    re.compile(r"[’']s\s+budget", re.IGNORECASE),
]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=30))
def test_a_gate_never_turns_away_a_text_its_regex_matches(text):
    folded = fold(text)
    assert len(folded) == len(text)
    for regex in PROPERTY_PATTERNS:
        gate = gate_for(regex)
        if gate is not None and not gate.admits(folded):
            assert regex.search(text) is None, (regex.pattern, text)


@pytest.mark.parametrize("a", list("İıIiſSsKkKΣσςµμ"))
@pytest.mark.parametrize("b", list("İıIiſSsKkKΣσςµμ"))
def test_fold_equates_what_ignorecase_equates(a, b):
    assert (fold(a) == fold(b)) == bool(re.fullmatch(re.escape(a), b, re.IGNORECASE))


def _examples():
    """(table, id, regex, example) of every pattern table row that carries an example."""
    rows = [("need", p.id, p.regex, p.example) for p in need_rules().patterns]
    rows += [("authority", p.id, p.regex, p.example) for p in authority_patterns()]
    return [
        pytest.param(regex, example, id=f"{table}:{pid}") for table, pid, regex, example in rows if example
    ]


@pytest.mark.parametrize(("regex", "example"), _examples())
def test_gates_of_the_pattern_tables_admit_their_own_examples(regex, example):
    gate = gate_for(regex)
    if gate is not None and regex.search(example):
        assert gate.admits(fold(example))


def test_the_pattern_tables_carry_gates():
    """Most patterns get a gate (the speed-up); a table where none does has lost it."""
    tables = {
        "need": [p.gate for p in need_rules().patterns],
        "authority": [p.gate for p in authority_patterns()],
        "contact": [r.gate for rules in load_rules().values() for r in rules],
        "timeframe": [r.gate for r in rule_set().all],
    }
    for name, gates in tables.items():
        assert sum(g is not None for g in gates) * 2 > len(gates), name


# Searching only where a match can begin (`starts_for`, `Occurrences.finditer`) ---------------------

SEARCHED = [
    r"\bwe\s+need(?:s|ed)?\b",
    r"(?:book|schedule)\s+a\s+(?:demo|call)",
    r"\bsign(?:s|ed)?[\s-]+off\b",
    r"(?i)\bhead\s+of\s+\w+",
    r"\b(?:next|this)\s+(?:week|month|quarter)\b",
]
WORDS = st.sampled_from(
    [
        "we",
        "need",
        "needs",
        "book",
        "schedule",
        "a",
        "demo",
        "call",
        "sign",
        "signed",
        "off",
        "head",
        "of",
        "ops",
        "next",
        "this",
        "week",
        "month",
        "quarter",
        "WE",
        "Need",
        "-",
        "  ",
        "\n",
        "’",
        "x",
    ]
)


@pytest.mark.parametrize("pattern", SEARCHED)
@settings(max_examples=150, deadline=None)
@given(words=st.lists(WORDS, max_size=30), cut=st.integers(min_value=0, max_value=40))
def test_searching_where_matches_can_begin_finds_every_match_and_nothing_else(pattern, words, cut) -> None:
    from intents.prefilter import LiteralIndex, starts_for

    regex = re.compile(pattern)
    text = " ".join(words)
    starts = starts_for(regex)
    found = LiteralIndex((), (starts,)).scan(fold(text))

    expected = [(m.start(), m.end()) for m in regex.finditer(text, 0, len(text))]
    got = [(m.start(), m.end()) for m in found.finditer(regex, text, 0, len(text), starts)]
    assert got == expected
    # A clause cut out of the text keeps its own offsets.
    offset = min(cut, len(text))
    part = text[offset:]
    expected = [(m.start(), m.end()) for m in regex.finditer(part, 0, len(part))]
    got = [(m.start(), m.end()) for m in found.finditer(regex, part, 0, len(part), starts, offset=offset)]
    assert got == expected


@pytest.mark.parametrize("text", ["we\tneed", "we\u00a0need", "team’s", "team‘s", "team`s"])
def test_fold_treats_every_space_and_apostrophe_alike(text) -> None:
    assert fold(text) in ("we need", "team's")
