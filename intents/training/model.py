"""Loading the trained intent classifier, when `qualifier train` has built one.

No model is not an error: the cue tables classify on their own, and the
loader answers None. A model that exists but cannot be read is an error, so a
broken build is noticed rather than silently ignored.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .train import INTENT_MODEL_DIR, model_text


class IntentModel:
    """A trained text classifier: text in, (label, probability) out."""

    def __init__(self, nlp) -> None:  # noqa: ANN001 - a spaCy Language
        self._nlp = nlp

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely label and its probability."""
        cats = self.probabilities(text)
        label = max(cats, key=cats.__getitem__)
        return label, cats[label]

    def probabilities(self, text: str) -> dict[str, float]:
        """The probability of every label (they sum to 1)."""
        return {label: float(p) for label, p in self._nlp(model_text(text)).cats.items()}


@lru_cache(maxsize=4)
def load_intent_model(path: Path | None = None) -> IntentModel | None:
    """The model saved at `path` (default: intents/models/intent), or None when none was built."""
    directory = path or INTENT_MODEL_DIR
    if not (directory / "meta.json").is_file():
        return None
    import spacy

    return IntentModel(spacy.load(directory))
