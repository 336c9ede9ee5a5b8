"""Need extraction (placeholder)."""
from __future__ import annotations
from .text import TextView
from .types import Context, Finding, Need


def extract_need(view: TextView, ctx: Context) -> list[Finding[Need]]:
    return []
