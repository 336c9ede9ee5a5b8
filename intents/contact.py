"""Contact-request extraction (placeholder)."""
from __future__ import annotations
from .text import TextView
from .types import ContactRequest, Context, Finding


def extract_contact_request(view: TextView, ctx: Context) -> list[Finding[ContactRequest]]:
    return []
