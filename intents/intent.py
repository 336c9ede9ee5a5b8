"""Intent classification (placeholder)."""
from __future__ import annotations
from .text import TextView
from .types import Context, IntentResult


def classify_intent(view: TextView, ctx: Context, slots: dict, contact) -> IntentResult:
    return IntentResult(label="buying", confidence=0.5, reasons=("no junk signal found",))
