"""Budget extraction (placeholder until the money grammar lands)."""
from __future__ import annotations
from .text import TextView
from .types import Budget, Context, Finding


def extract_budget(view: TextView, ctx: Context) -> list[Finding[Budget]]:
    return []
