"""The one place that picks a value per slot from the extractors' candidates.

Extractors detect broadly; choosing happens here, so precedence rules
(`approved` over `stated`, a later chat answer over an earlier one, specific
free text over a dropdown, negation) live in one module and `--explain` can
show what was rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

from .text import TextView
from .types import Authority, Budget, ContactRequest, Finding, Need, Timeframe

# Free text outranks dropdowns and other structured fields.
_KIND_RANK = {"turn": 3, "message": 3, "subject": 2, "other": 2, "title": 1, "budget": 1, "timeline": 1}


def _position(finding: Finding, view: TextView) -> int:
    """The index of the segment the finding's first evidence comes from."""
    source = finding.evidence[0].source
    for seg in view.segments:
        if seg.source == source:
            return seg.index
    return -1


def _kind_rank(finding: Finding, view: TextView) -> int:
    source = finding.evidence[0].source
    for seg in view.segments:
        if seg.source == source:
            return _KIND_RANK.get(seg.kind, 0)
    return 0


def _latest_best(candidates: Sequence[Finding], view: TextView) -> Finding | None:
    """Specific free text over fields, then the later chat turn, then confidence."""
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda f: (_kind_rank(f, view), _position(f, view), f.confidence),
    )


def resolve_budget(candidates: Sequence[Finding[Budget]], view: TextView) -> Finding[Budget] | None:
    return _latest_best(candidates, view)


def resolve_timeframe(candidates: Sequence[Finding[Timeframe]], view: TextView) -> Finding[Timeframe] | None:
    return _latest_best(candidates, view)


def resolve_authority(candidates: Sequence[Finding[Authority]], view: TextView) -> Finding[Authority] | None:
    return _latest_best(candidates, view)


def resolve_need(candidates: Sequence[Finding[Need]], view: TextView) -> Finding[Need] | None:
    if not candidates:
        return None
    return max(candidates, key=lambda f: (f.confidence, -_position(f, view)))


def resolve_contact_request(
    candidates: Sequence[Finding[ContactRequest]], view: TextView
) -> Finding[ContactRequest] | None:
    if not candidates:
        return None
    return max(candidates, key=lambda f: f.confidence)
