"""Loading the trained intent classifier, when `qualifier train` has built one.

No model is not an error: the cue tables classify on their own, and the
loader answers None. A model that exists but cannot be read is an error, so a
broken build is noticed rather than silently ignored.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .train import INTENT_MODEL_DIR


class IntentModel:
    """A trained text classifier: text in, (label, probability) out."""

    def __init__(self, nlp) -> None:  # noqa: ANN001 - a spaCy Language
        self._nlp = nlp

    def predict(self, text: str) -> tuple[str, float]:
        cats = self._nlp(text).cats
        label = max(cats, key=cats.__getitem__)
        return label, float(cats[label])


@lru_cache(maxsize=4)
def load_intent_model(path: Path | None = None) -> IntentModel | None:
    """The model saved at `path` (default: intents/models/intent), or None when none was built."""
    directory = path or INTENT_MODEL_DIR
    if not (directory / "meta.json").is_file():
        return None
    import spacy

    return IntentModel(spacy.load(directory))
