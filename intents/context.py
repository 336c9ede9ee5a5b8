"""Bounded-window context checks shared by the extractors: negation and hedging.

A context word counts only as a whole token inside the same clause and within a
few tokens of the span it qualifies: "no" inside "know", or a "not" two
sentences earlier, never negates. This is the lesson of Presidio's context
enhancer (issue #1061: "lic" matched inside "dupLICate") and of NegEx, whose
fixed-window, clause-bounded scope is what we keep. We tried spaCy's
`negspacy` (needs a trained parser for its best mode and reads only entities)
and `pyConTextNLP` (clinical lexicons, networkx); both are heavier than the
twenty lines below and neither knows business hedges ("ballpark", "ish").

The public API is small on purpose:

- `words(text)` -> the whole-word tokens of `text` as `Word(text, start, end)`
  (lower-cased, curly apostrophes folded), the tokenisation the checks use;
- `is_negated(text, start, end, window=4)` -> a negator among the `window`
  tokens before `text[start:end]`, in the same clause;
- `is_hedged(text, start, end, window=6)` -> a hedge among the `window`
  tokens before the span, or inside it;
- `function_words()` -> the stop words of en/de/es/fr/it/nl/pt (lower case),
  for "is this a content word?" tests;
- `clause_bounds(text, start, end)` -> the (start, end) of the clause holding
  the span, without surrounding spaces; clauses end at sentence punctuation,
  commas, semicolons, colons, brackets, dashes and line breaks, and before
  "but", "though", "however" (and their de/es/fr/nl equivalents).

Offsets are character offsets into the text as given. Every check costs time
linear in the clause, never in the whole message.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from typing import NamedTuple

# Whole words: letters/digits, with inner apostrophes ("don't", "i'm") kept.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Where a clause ends. A dash only counts with spaces around it ("a - b", "a — b"),
# so "co-founder" and "e-mail" stay whole.
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]\n\r]+|\s[-–—]+\s|[–—]")
_CONTRAST = frozenset(
    {"but", "though", "although", "however", "except", "whereas", "pero", "aber", "mais", "maar"}
)

NEGATORS = frozenset(
    {
        # English
        "not",
        "no",
        "never",
        "neither",
        "nor",
        "without",
        "none",
        "nobody",
        "nothing",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
        # es / it / pt / fr / de / nl
        "nunca",
        "nada",
        "nadie",
        "non",
        "mai",
        "nessuno",
        "niente",
        "não",
        "nao",
        "ninguém",
        "pas",
        "jamais",
        "aucun",
        "aucune",
        "personne",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "nie",
        "niemals",
        "niet",
        "geen",
        "nooit",
    }
)

# Single-token hedges and multi-token ones (as token tuples).
HEDGES = frozenset(
    {
        "maybe",
        "perhaps",
        "probably",
        "possibly",
        "potentially",
        "likely",
        "hopefully",
        "roughly",
        "approximately",
        "approx",
        "around",
        "about",
        "ish",
        "circa",
        "ca",
        "might",
        "could",
        "tentatively",
        "ballpark",
        "estimated",
        "unsure",
        "somewhere",
        "quizás",
        "quizas",
        "tal",
        "vielleicht",
        "etwa",
        "ungefähr",
        "peut",
        "environ",
        "talvez",
        "misschien",
        "ongeveer",
        "forse",
    }
)
HEDGE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("not", "sure"),
    ("i", "think"),
    ("i", "guess"),
    ("i", "believe"),
    ("kind", "of"),
    ("sort", "of"),
    ("not", "certain"),
    ("more", "or", "less"),
    ("give", "or", "take"),
    ("in", "theory"),
    ("if", "all", "goes", "well"),
)


class Word(NamedTuple):
    """A whole-word token (a named tuple: the checks make many, and tuples are made fast)."""

    text: str  # lower-cased, curly apostrophes folded to "'"
    start: int
    end: int


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """Whole-word tokens of text[start:end], with offsets into `text`."""
    end = len(text) if end is None else end
    return [
        Word(m.group().lower().replace("’", "'"), m.start(), m.end())
        for m in _WORD.finditer(text, start, end)
    ]


def _is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around text[start:end]: punctuation, line breaks and contrast words bound it."""
    # Look back and ahead at most 400 characters: a clause is never longer in practice,
    # and it keeps the check linear in the span, not in the message.
    lo = max(0, start - 400)
    left = lo
    for m in _CLAUSE_BREAK.finditer(text, lo, start):
        left = m.end()
    m = _CLAUSE_BREAK.search(text, end, min(len(text), end + 400))
    right = m.start() if m else min(len(text), end + 400)
    # A contrast word starts a new clause: "no budget yet, but I sign off".
    for w in words(text, left, start):
        if w.text in _CONTRAST:
            left = w.end
    for w in words(text, end, right):
        if w.text in _CONTRAST:
            right = w.start
            break
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, right


def _window_before(text: str, start: int, end: int, window: int) -> list[Word]:
    left, _ = clause_bounds(text, start, end)
    return words(text, left, start)[-window:] if window > 0 else []


def negator_before(text: str, start: int, end: int, window: int = 4) -> Word | None:
    """The negating token nearest before the span in its clause, or None."""
    for w in reversed(_window_before(text, start, end, window)):
        if _is_negator(w.text):
            return w
    return None


def is_negated(text: str, start: int, end: int, window: int = 4) -> bool:
    """True when a negator ("not", "no", "don't", "nicht", ...) is among the `window`
    whole tokens before text[start:end], inside the same clause."""
    return negator_before(text, start, end, window) is not None


def is_hedged(text: str, start: int, end: int, window: int = 6) -> bool:
    """True when a hedge ("maybe", "roughly", "I think", "not sure") is among the
    `window` tokens before the span (same clause) or inside the span itself."""
    before = _window_before(text, start, end, window)
    inside = words(text, start, end)
    tokens = [w.text for w in before + inside]
    if any(t in HEDGES for t in tokens):
        return True
    for phrase in HEDGE_PHRASES:
        n = len(phrase)
        if any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1)):
            return True
    return False


_STOP_WORD_LANGUAGES = ("en", "de", "es", "fr", "it", "nl", "pt")


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """spaCy's stop-word lists of the supported languages, lower-cased, loaded once.

    Each `spacy/lang/<xx>/stop_words.py` is loaded as a lone file: importing the
    language package instead would build its tokenizer exceptions (seconds for
    French) although only the word list is wanted.
    """
    import spacy

    words_: set[str] = set()
    root = spacy.__path__[0]
    for lang in _STOP_WORD_LANGUAGES:
        spec = importlib.util.spec_from_file_location(
            f"_stop_words_{lang}", f"{root}/lang/{lang}/stop_words.py"
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"spaCy has no stop-word list for {lang}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        words_.update(w.lower() for w in module.STOP_WORDS)
    return frozenset(words_)
