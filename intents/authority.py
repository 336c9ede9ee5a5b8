"""Authority extraction (placeholder)."""
from __future__ import annotations
from .text import TextView
from .types import Authority, Context, Finding


def extract_authority(view: TextView, ctx: Context) -> list[Finding[Authority]]:
    return []
