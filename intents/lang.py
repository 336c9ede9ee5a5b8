"""Language detection (placeholder)."""
from __future__ import annotations


def detect_language(text: str) -> str:
    return "en"
