"""Authority: titles, statements and chat answers against tests/intents/corpus/authority_en.py."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.types import Inquiry, Turn
from intents.authority import (
    PATTERNS_FILE,
    ROLE_BY_SENIORITY,
    authority_patterns,
    extract_authority,
    read_title,
    title_lexicon,
)
from intents.resolve import resolve_authority
from intents.text import TextView
from intents.types import Authority, Context, Finding
from tests.intents.corpus.authority_en import (
    CHAT,
    CHAT_NEGATIVES,
    COMBINED,
    IN_SENTENCE,
    JUNK_TITLES,
    NEGATIVES,
    STATEMENTS,
    TITLES,
    UNKNOWN_TITLES,
)

CTX = Context(now=datetime(2026, 3, 10, 14, 5, tzinfo=UTC))


def form(message: str | None = None, title: str | None = None) -> Inquiry:
    fields: dict[str, str] = {}
    if title is not None:
        fields["job_title"] = title
    if message is not None:
        fields["message"] = message
    return Inquiry(source="generic", channel="form", fields=fields, message=message, message_field="message")


def chat(*texts: str) -> Inquiry:
    """Turns alternate visitor, bot, visitor..."""
    turns = tuple(Turn("visitor" if i % 2 == 0 else "bot", t) for i, t in enumerate(texts))
    return Inquiry(source="generic", channel="chat", transcript=turns)


def authority(inquiry: Inquiry) -> Finding[Authority] | None:
    view = TextView(inquiry)
    return resolve_authority(extract_authority(view, CTX), view)


@pytest.mark.parametrize(("title", "seniority", "role"), [pytest.param(*row, id=row[0]) for row in TITLES])
def test_title_field_maps_to_seniority_and_role(title, seniority, role):
    found = authority(form("Hello", title))
    assert found is not None
    assert found.value == Authority(role=role, title=title, needs_approval=False, seniority=seniority)
    assert found.evidence[0].source == "field:job_title"
    assert found.evidence[0].text == title


@pytest.mark.parametrize("title", UNKNOWN_TITLES)
def test_unknown_title_is_present_with_role_unknown(title):
    found = authority(form(None, title))
    assert found is not None
    assert found.value == Authority(role="unknown", title=title, needs_approval=False)


@pytest.mark.parametrize("title", JUNK_TITLES)
def test_junk_title_is_no_authority(title):
    assert authority(form("Please call me", title)) is None


@pytest.mark.parametrize(
    ("text", "role", "needs_approval", "title"), [pytest.param(*row, id=row[0][:60]) for row in STATEMENTS]
)
def test_statement_in_free_text(text, role, needs_approval, title):
    found = authority(form(text))
    assert found is not None
    assert (found.value.role, found.value.needs_approval, found.value.title) == (role, needs_approval, title)


@pytest.mark.parametrize(
    ("title", "text", "role", "needs_approval"),
    [pytest.param(*row, id=f"{row[0]}: {row[1][:40]}") for row in COMBINED],
)
def test_statement_beats_title(title, text, role, needs_approval):
    found = authority(form(text, title))
    assert found is not None
    assert (found.value.role, found.value.needs_approval, found.value.title) == (role, needs_approval, title)


@pytest.mark.parametrize(
    ("question", "answer", "role", "needs_approval"),
    [pytest.param(*row, id=f"{row[0]} {row[1]}") for row in CHAT],
)
def test_chat_answer_read_against_question(question, answer, role, needs_approval):
    found = authority(chat("we need a scheduling tool for 4 sites", question, answer))
    assert found is not None
    assert (found.value.role, found.value.needs_approval) == (role, needs_approval)
    # The bot's words are never evidence: every span is in a visitor turn.
    assert {e.source for e in found.evidence} <= {"turn:0", "turn:2"}


@pytest.mark.parametrize(
    ("question", "answer"), [pytest.param(*row, id=f"{row[0]} {row[1]}") for row in CHAT_NEGATIVES]
)
def test_terse_answer_to_another_question_is_no_authority(question, answer):
    assert authority(chat("we need a scheduling tool for 4 sites", question, answer)) is None


@pytest.mark.parametrize(
    ("label", "value", "role", "needs_approval"),
    [
        pytest.param("Are you the decision maker?", "Yes", "decision_maker", False, id="decision-yes"),
        pytest.param("Are you the decision maker?", "No", "influencer", True, id="decision-no"),
        pytest.param("Your role in the purchase", "Evaluator", "influencer", False, id="role-evaluator"),
        pytest.param("Your role in the purchase", "End user", "end_user", True, id="role-end-user"),
        pytest.param(
            "Which best describes you?", "Business owner", "decision_maker", False, id="describes-owner"
        ),
        pytest.param("Seniority", "Director", "influencer", False, id="seniority-director"),
    ],
)
def test_role_question_fields(label, value, role, needs_approval):
    inquiry = Inquiry(
        source="generic", channel="form", fields={label: value, "message": "Hello"}, message="Hello"
    )
    found = authority(inquiry)
    assert found is not None
    assert (found.value.role, found.value.needs_approval) == (role, needs_approval)


def test_bot_words_are_never_evidence():
    inquiry = chat("hi", "I'm the CEO of this bot company. Are you the decision maker?", "hmm")
    assert authority(inquiry) is None


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_authority_in(text):
    assert authority(form(text)) is None


@pytest.mark.parametrize(("text", "evidence"), [pytest.param(*row, id=row[0][:50]) for row in IN_SENTENCE])
def test_evidence_is_the_phrase(text, evidence):
    found = authority(form(text))
    assert found is not None
    assert evidence in [e.text for e in found.evidence]


def test_later_chat_statement_beats_earlier_disclaimer():
    inquiry = chat("not my call really", "Who would sign off?", "actually, I'm the one signing it now")
    found = authority(inquiry)
    assert found is not None
    assert found.value.role == "decision_maker"


def test_negation_is_on_whole_words():
    # "know" contains "no"; it must not turn the statement into a disclaimer.
    found = authority(form("You know, I sign off on these."))
    assert found is not None
    assert (found.value.role, found.value.needs_approval, found.negated) == ("decision_maker", False, False)


def test_negated_statement_is_marked():
    candidates = extract_authority(TextView(form("I'm not the one signing.")), CTX)
    assert ("authority.decide.the_one_who.v1", True, "end_user") in [
        (f.rule, f.negated, f.value.role) for f in candidates
    ]
    found = resolve_authority(candidates, TextView(form("I'm not the one signing.")))
    assert found is not None and (found.value.role, found.value.needs_approval) == ("end_user", True)


def test_read_title_ignores_words_after_to():
    reading = read_title("Assistant to the Chief Financial Officer")
    assert reading is not None and reading.seniority == "ic"


# ----------------------------------------------------------------------------- data files


def test_every_seniority_has_a_role():
    seniorities = {s for s, _ in title_lexicon().entries.values()}
    assert seniorities <= set(ROLE_BY_SENIORITY)


def _example_rules() -> set[str]:
    rules: set[str] = set()
    texts = [t for t, *_ in STATEMENTS] + [t for _, t, *_ in COMBINED] + [t for t, _ in IN_SENTENCE]
    for text in texts:
        rules.update(f.rule for f in extract_authority(TextView(form(text)), CTX))
    for question, answer, *_ in CHAT:
        rules.update(f.rule for f in extract_authority(TextView(chat("hi", question, answer)), CTX))
    return rules


def test_every_pattern_has_an_example_in_the_corpus():
    hit = {re.sub(r"\.disclaim\.cue_", ".cue.", r) for r in _example_rules()}
    declared = {p.id for p in authority_patterns()}
    assert declared - hit == set()


@pytest.mark.parametrize("pattern", authority_patterns(), ids=lambda p: p.id)
def test_pattern_fires_on_its_own_example(pattern):
    example = pattern.example
    inquiry = (
        chat("hi", "Are you the one who signs off on this?", example)
        if pattern.kind == "answer"
        else form(example)
    )
    rules = {re.sub(r"\.disclaim\.cue_", ".cue.", f.rule) for f in extract_authority(TextView(inquiry), CTX)}
    assert pattern.id in rules


def test_pattern_file_ids_are_unique_and_versioned():
    ids = [json.loads(line).get("id") for line in PATTERNS_FILE.read_text().splitlines() if line.strip()]
    ids = [i for i in ids if i]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"authority\.[a-z_]+\.[a-z0-9_]+\.v\d+", i) for i in ids)


# ----------------------------------------------------------------------------- properties

_WORDS = st.sampled_from(
    [
        "I'm",
        "the",
        "not",
        "CEO",
        "my",
        "boss",
        "decides",
        "sign",
        "off",
        "owner",
        "here",
        "as",
        "head",
        "of",
        "ops",
        "just",
        "a",
        "manager",
        "no",
        "know",
        ",",
        ".",
        "\n",
        "—",
        "(",
        ")",
        "é",
        "’",
        "Director",
        "to",
    ]
)
_TEXT = st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=60).map(" ".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=_TEXT, title=st.one_of(st.none(), _TEXT), answer=_TEXT)
def test_evidence_is_always_a_slice_of_its_segment(message, title, answer):
    for inquiry in (form(message, title), chat(message, "Are you the one who signs off?", answer)):
        view = TextView(inquiry)
        texts = {seg.source: seg.text for seg in view.segments}
        candidates = extract_authority(view, CTX)
        merged = resolve_authority(candidates, view)
        for finding in [*candidates, *([merged] if merged else [])]:
            assert finding.value.role in ("decision_maker", "influencer", "end_user", "unknown")
            for ev in finding.evidence:
                assert texts[ev.source][ev.start : ev.end] == ev.text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("I'm the " * 20_000, id="repeated-cue"),
        pytest.param("my boss " * 15_000 + "decides", id="long-gap"),
        pytest.param("a" * 100_000, id="one-word"),
        pytest.param(("Director, " * 10_000), id="many-titles"),
        pytest.param("Thanks,\n" + "Name\n" * 20_000, id="long-signature"),
    ],
)
def test_pathological_input_is_fast(text):
    start = time.process_time()
    authority(form(text, text[:200]))
    assert time.process_time() - start < 1.0
