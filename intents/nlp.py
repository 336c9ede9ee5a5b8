"""The shared spaCy pipeline: a blank multilingual-safe English tokenizer, loaded once.

We use `spacy.blank("en")` (tokenizer only, ~0.1 ms a sentence) rather than a
trained pipeline: en_core_web_sm is not on PyPI and costs ~20 ms a message.
Matchers and our own parsers work on its tokens.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    return spacy.blank("en")


def tokens(text: str):
    """The spaCy Doc of `text` (tokenizer only)."""
    return get_nlp().make_doc(text)
