"""Build the small trained components from data in this folder (`qualifier train`).

Today that is one: an intent classifier, spaCy's bag-of-words `textcat`
(unigrams and bigrams, exclusive classes) on `intent_train.jsonl`, examples
written for this project in our own words (never copied from an evaluation
corpus). It is trained with a fixed seed, so the same data gives the same
model, and saved to the git-ignored `intents/models/intent/`.

The data covers every intent with at least 80 examples across many kinds of
business (software of several kinds, agencies, manufacturing, healthcare IT,
logistics, education, legal and professional services, retail, hospitality),
and each intent holds look-alikes of the others labelled by what they really
are: a buyer whose current tool throws errors, an agency buying for itself, a
vendor asking for a "demo slot", a student asking prices for a class. Buyers
are the largest class, as they are in real traffic. Text is lower-cased
(`model_text`) for training and prediction alike.

Why so small: the cue tables in `intents/patterns/` decide the clear cases and
explain themselves; the classifier's say shrinks as the rules' evidence grows
and vanishes once they are clear (`intents.intent.model_share`), so it works
where a bag of words still reads phrasings no cue was written for. A
bag-of-words model needs no word vectors and no download, trains in under a
minute on two cores and loads in milliseconds. We tried the ensemble and CNN
architectures too: without pretrained vectors they did no better on this data
and are slower.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..types import INTENTS

DATA_DIR = Path(__file__).resolve().parent
INTENT_DATA = DATA_DIR / "intent_train.jsonl"
MODELS_DIR = DATA_DIR.parent / "models"
INTENT_MODEL_DIR = MODELS_DIR / "intent"

TEXTCAT_CONFIG = {
    "threshold": 0.5,
    "model": {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": True,
        "ngram_size": 2,
        "no_output_layer": False,
        "length": 2**18,
    },
}


# The classifier reads the opening of a message: what an inquiry is about is said
# there, and spaCy's tokenizer splits a single huge token (100 KB of "(") in
# quadratic time, so an unbounded input would cost seconds.
MODEL_TEXT_CHARS = 3000
LONG_RUN = 64
_LONG_RUN = re.compile(rf"\S{{{LONG_RUN}}}")


def model_text(text: str) -> str:
    """What the classifier reads: the first MODEL_TEXT_CHARS characters, lower-cased,
    so "Resume", "RESUME" and "resume" are one word.

    spaCy's bag-of-words model counts exact token forms; on a few hundred
    examples case variants would otherwise be separate, rarely seen features.
    Training and prediction both go through here.

    A run of more than `LONG_RUN` characters without a space is cut into
    pieces of that length: spaCy's tokenizer looks for prefixes and suffixes
    by trying the rest of a token again and again, which on a 3000-character
    run of brackets took over a second; no word or useful token is that long.
    """
    return _LONG_RUN.sub(r"\g<0> ", text[:MODEL_TEXT_CHARS].lower())


class TrainingDataError(ValueError):
    """A training example is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class TrainReport:
    component: str
    examples: int
    per_label: dict[str, int]
    training_accuracy: float
    seconds: float
    path: Path


def read_examples(path: Path = INTENT_DATA) -> list[tuple[str, str]]:
    """(text, label) pairs from a JSON-lines file of {"text", "label"}."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"{path.name}:{number}: not JSON: {exc.msg}") from None
        text, label = row.get("text") if isinstance(row, dict) else None, row.get("label") if isinstance(row, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{path.name}:{number}: 'text' must be a non-empty string")
        if label not in INTENTS:
            raise TrainingDataError(f"{path.name}:{number}: 'label' must be one of {', '.join(INTENTS)}, got {label!r}")
        examples.append((text, label))
    if not examples:
        raise TrainingDataError(f"{path.name}: no examples")
    return examples


def train_intent(
    data: Path = INTENT_DATA, out_dir: Path = INTENT_MODEL_DIR, *, epochs: int = 25, seed: int = 0
) -> TrainReport:
    """Train the intent classifier on `data` and save it to `out_dir` (replacing what was there)."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    started = time.perf_counter()
    examples = read_examples(data)
    fix_random_seed(seed)
    rng = random.Random(seed)  # noqa: S311 - shuffling training data, not security
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat", config=TEXTCAT_CONFIG)
    for label in INTENTS:
        textcat.add_label(label)
    gold = [
        Example.from_dict(nlp.make_doc(model_text(text)), {"cats": {name: float(name == label) for name in INTENTS}})
        for text, label in examples
    ]
    optimizer = nlp.initialize(lambda: gold)
    for _ in range(epochs):
        rng.shuffle(gold)
        for batch in minibatch(gold, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    right = sum(1 for text, label in examples if _best(nlp(model_text(text)).cats)[0] == label)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "qualifier_intent"
    nlp.meta["description"] = "Intent classifier of the inbound qualifier, trained by `qualifier train`."
    nlp.to_disk(out_dir)
    per_label = {name: sum(1 for _, label in examples if label == name) for name in INTENTS}
    return TrainReport(
        component="intent",
        examples=len(examples),
        per_label=per_label,
        training_accuracy=right / len(examples),
        seconds=time.perf_counter() - started,
        path=out_dir,
    )


def _best(cats: dict[str, float]) -> tuple[str, float]:
    label = max(cats, key=cats.__getitem__)
    return label, cats[label]
