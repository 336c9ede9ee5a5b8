"""Timeframe extraction (placeholder until the business-time grammar lands)."""
from __future__ import annotations
from .text import TextView
from .types import Context, Finding, Timeframe


def extract_timeframe(view: TextView, ctx: Context) -> list[Finding[Timeframe]]:
    return []
