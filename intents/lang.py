"""Language detection: the ISO 639-1 code of what the person wrote.

`detect_language(text)` answers one of the product's languages (en, es, de,
fr, pt, nl, it) when the text is in one of them, another ISO 639-1 code when
the text is clearly in some other language ("pl", "ja"), and "und" when there
is too little text to tell (gibberish, "q3", "40k").

The work is done by py3langid (a maintained fork of langid.py: a naive Bayes
model over byte n-grams that ships its model inside the package, needs only
numpy, is deterministic and classifies a message in about 0.3 ms, up to 0.7 ms
when its 60 MB of tables are cold in the CPU cache, as they are between other
work). It is loaded once per process (about 0.7 s) through an explicit cache. Tried and
not taken: langdetect (random unless seeded, several ms per message, a Java
port), lingua (accurate but a large download and slower), fastText-based
detectors (fetch or bundle a big binary model), CLD2/CLD3 bindings (native
builds). An n-gram model is unreliable on a handful of letters ("gracias",
"danke"), so very short texts are decided by a small hand-written list of
greetings and function words, `lexicons/lang_words.tsv`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SUPPORTED = ("en", "es", "de", "fr", "pt", "nl", "it")
UNDETERMINED = "und"

# Text longer than this tells nothing more about its language; cut for speed.
MAX_CHARS = 4000
# Below this many letters the n-gram model is not trusted on its own.
SHORT_LETTERS = 30
# How sure the model must be before it may name a language we do not support.
OTHER_LANGUAGE_MIN_PROB = 0.8
SUPPORTED_MIN_PROB = 0.5
SHORT_OTHER_MIN_PROB = 0.98
# A supported language this unlikely is ruled out, so the best other guess stands.
SUPPORTED_NEGLIGIBLE_PROB = 0.01
FALLBACK_MIN_PROB = 0.2

_LEXICON = Path(__file__).with_name("lexicons") / "lang_words.tsv"
_NOISE = re.compile(r"<[^<>]{0,200}>|https?://\S+|www\.\S+|\S+@\S+|[\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`, or "und" when it cannot be told."""
    cleaned = _NOISE.sub(" ", text[:MAX_CHARS])
    words = [w.lower() for w in _WORD.findall(cleaned)]
    letters = sum(len(w) for w in words)
    if letters < 2:
        return UNDETERMINED

    top, top_prob, supported_best = _best(" ".join(words))

    if letters >= SHORT_LETTERS:
        if top in SUPPORTED and top_prob >= SUPPORTED_MIN_PROB:
            return top
        clearly_other = supported_best is None or supported_best[1] < SUPPORTED_NEGLIGIBLE_PROB
        if top not in SUPPORTED and (top_prob >= OTHER_LANGUAGE_MIN_PROB or clearly_other):
            return top if len(top) == 2 else UNDETERMINED
    elif top not in SUPPORTED and top_prob >= SHORT_OTHER_MIN_PROB and len(top) == 2:
        # Scripts such as Japanese or Cyrillic say a lot in few letters.
        return top

    voted = _word_vote(words)
    if voted:
        return voted
    if supported_best and supported_best[1] >= FALLBACK_MIN_PROB:
        return supported_best[0]
    return UNDETERMINED


def _best(text: str) -> tuple[str, float, tuple[str, float] | None]:
    """The model's best language and its probability, and the best supported one.

    The same answer as the head of py3langid's `rank(text)` and its first supported
    entry (a sort of every language, stable on ties), read off the scores by argmax.
    """
    identifier = _identifier()
    first_columns, supported_columns = _columns()
    scores = identifier._decide(text)[first_columns]
    best = int(scores.argmax())  # the first of equal maxima, as the stable sort puts it first
    labels = identifier.nb_classes
    top = labels[first_columns[best]]
    if supported_columns.size == 0:
        return top, float(scores[best]), None
    supported = scores[supported_columns]
    pick = int(supported.argmax())
    column = first_columns[supported_columns[pick]]
    return top, float(scores[best]), (labels[column], float(supported[pick]))


@lru_cache(maxsize=1)
def _columns():
    """The model's first column of every label (later ones are aliases `rank` skips), and which
    of those are supported languages, as index arrays in column order."""
    import numpy as np

    labels = _identifier().nb_classes
    seen: set[str] = set()
    first: list[int] = []
    for column, label in enumerate(labels):
        if label not in seen:
            seen.add(label)
            first.append(column)
    supported = [k for k, column in enumerate(first) if labels[column] in SUPPORTED]
    return np.array(first, dtype=np.intp), np.array(supported, dtype=np.intp)


def _word_vote(words: list[str]) -> str | None:
    """The supported language whose cue words occur most, if one leads clearly."""
    cues = _cue_words()
    votes = dict.fromkeys(SUPPORTED, 0)
    for word in words:
        for lang in cues.get(word, ()):
            votes[lang] += 1
    ranked = sorted(votes.items(), key=lambda item: item[1], reverse=True)
    (best, best_votes), (_, runner_up) = ranked[0], ranked[1]
    if best_votes and best_votes > runner_up:
        return best
    return None


@lru_cache(maxsize=1)
def _cue_words() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for line in _LEXICON.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, words = line.split("\t", 1)
        if lang not in SUPPORTED:
            raise ValueError(f"{_LEXICON.name}: unsupported language {lang!r}")
        for word in words.split():
            table.setdefault(word, []).append(lang)
    if not table:
        raise ValueError(f"{_LEXICON.name} has no cue words")
    return {word: tuple(langs) for word, langs in table.items()}


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's model with normalised probabilities, loaded once per process.

    The automaton's per-state tables (row offset, feature id) come as Python lists of
    int objects scattered over the heap; as compact arrays of the same numbers they
    cost far fewer cache misses per byte read, which is most of the time on a busy
    process (about 0.6 -> 0.5 ms a message). Same numbers, so the same counts.
    """
    from array import array

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier._rowbase = array("i", identifier._rowbase)
    identifier.tk_output = array("i", identifier.tk_output)
    return identifier
