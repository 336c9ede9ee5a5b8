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
    """SCHEMA.md's budget rules. A bare number counts only as the answer to the bot's budget
    question; a negated candidate means no budget. The latest statement (specific free text
    over a dropdown, then the later chat turn) decides between a figure or an approval and
    "none"; within one segment a figure beats "none" ("no set budget, but about 5k").
    `approved` wins over `stated` and keeps the figure; `unknown` only when nothing else."""
    from dataclasses import replace

    segments = {s.source: s for s in view.segments}

    def usable(f: Finding[Budget]) -> bool:
        if f.rule != "budget.latent.v1":
            return True
        seg = segments.get(f.evidence[0].source)
        return seg is not None and seg.asked == "budget"

    pool = [
        replace(f, value=Budget(status="none")) if f.negated and f.value.status != "none" else f
        for f in candidates
        if usable(f)
    ]
    if not pool:
        return None

    def start(f: Finding[Budget]) -> int:
        return f.evidence[0].start

    def when(f: Finding[Budget]) -> tuple[int, int]:
        return (_kind_rank(f, view), _position(f, view))

    def has_figure(f: Finding[Budget]) -> bool:
        return f.value.min is not None or f.value.max is not None

    figures = [f for f in pool if has_figure(f)]
    approvals = [f for f in pool if f.value.status == "approved"]
    nones = [f for f in pool if f.value.status == "none"]
    positives = figures + approvals
    if nones:
        last_none = max(nones, key=lambda f: (*when(f), f.confidence))
        if not positives or when(last_none) > max(when(f) for f in positives):
            return last_none
        # "none" said earlier than the last figure or approval is superseded
        latest = max(when(f) for f in positives)
        figures = [f for f in figures if when(f) >= when(last_none) or when(f) == latest]
        approvals = [f for f in approvals if when(f) >= when(last_none)]
    if figures:
        best = max(figures, key=lambda f: (*when(f), f.value.status == "approved", f.confidence, -start(f)))
        if approvals and best.value.status != "approved":
            approval = max(approvals, key=lambda f: (*when(f), f.confidence))
            evidence = best.evidence + tuple(e for e in approval.evidence if e not in best.evidence)
            return replace(
                best,
                value=replace(best.value, status="approved"),
                evidence=evidence,
                confidence=max(best.confidence, approval.confidence),
            )
        return best
    if approvals:
        return max(approvals, key=lambda f: (*when(f), f.confidence))
    unknowns = [f for f in pool if f.value.status == "unknown"]
    return max(unknowns, key=lambda f: (*when(f), f.confidence)) if unknowns else None


def resolve_timeframe(candidates: Sequence[Finding[Timeframe]], view: TextView) -> Finding[Timeframe] | None:
    """SCHEMA.md's order: any date (a contract end or go-live included) over a contract term
    with no date, over an ongoing project, over "just researching" (urgency none even beside
    an earliest date), over an earliest date, over vague words. Among dates: specific free
    text over a dropdown, then the later chat turn, then a contract end or go-live, then the
    latest date."""
    if not candidates:
        return None

    def tier(f: Finding[Timeframe]) -> int:
        value = f.value
        if value.by is not None:
            return 5
        if value.kind == "deadline":  # a contract term with a vague start: no date, an urgency
            return 4
        if value.kind == "ongoing":
            return 3
        if f.rule.startswith("time.research"):
            return 2
        return 1 if value.earliest is not None else 0

    def key(f: Finding[Timeframe]) -> tuple:
        value = f.value
        when = value.by or value.earliest
        return (
            tier(f),
            value.kind != "dropdown",
            _position(f, view),
            value.kind == "deadline",
            when.toordinal() if when else 0,
            f.confidence,
        )

    return max(candidates, key=key)


def resolve_authority(candidates: Sequence[Finding[Authority]], view: TextView) -> Finding[Authority] | None:
    """Merge titles and statements into one authority (SCHEMA.md "Authority").

    Precedence: an own decision ("I sign off", "yes" to a sign-off question)
    > a disclaimer ("not my call": end_user, or influencer when they also
    evaluate or hold a manager-level title) > someone else's approval ("our
    CFO signs": influencer; a CEO, founder or owner whose board must also
    approve stays the decision maker) > evaluating ("putting together options":
    influencer unless the title already makes them a decision maker) > the
    title, where the most senior of the title field, self-descriptions and
    "I run/own/manage ..." wins. needs_approval is true when an approval or a
    disclaimer was said. The kind is the second part of the rule id
    (`authority.<kind>.<name>.vN`).
    """
    if not candidates:
        return None
    from .authority import RANK, ROLE_BY_SENIORITY

    def kind(f: Finding[Authority]) -> str:
        return f.rule.split(".")[1]

    def order(f: Finding[Authority]) -> tuple[int, int]:
        return (_position(f, view), f.evidence[0].start)

    def latest(found: list[Finding[Authority]]) -> Finding[Authority]:
        return max(found, key=order)

    title_tier = [f for f in candidates if kind(f) in ("title", "self", "cue")]
    own = [f for f in candidates if kind(f) in ("decide", "answer") and f.value.role == "decision_maker" and not f.negated]
    disclaims = [f for f in candidates if kind(f) == "disclaim" or (kind(f) == "decide" and f.negated)]
    approvals = [f for f in candidates if kind(f) == "approval" or (kind(f) == "answer" and f.value.needs_approval)]
    activities = [f for f in candidates if kind(f) == "activity"]

    ranked = [f for f in title_tier if f.value.seniority]
    by_title = max(ranked, key=lambda f: (RANK[f.value.seniority], -order(f)[0])) if ranked else None
    title_role = ROLE_BY_SENIORITY[by_title.value.seniority] if by_title else None
    with_title = [f for f in candidates if f.value.title]
    field_titles = [f for f in with_title if kind(f) == "title"]
    title_source = field_titles[0] if field_titles else (by_title if by_title and by_title.value.title else None)
    if title_source is None and with_title:
        title_source = latest(with_title)
    seniority = by_title.value.seniority if by_title else None
    if seniority is None:
        seniority = next((f.value.seniority for f in disclaims if f.value.seniority), None)

    if own and (not disclaims or order(latest(own)) > order(latest(disclaims))):
        decider, role, needs_approval = latest(own), "decision_maker", bool(approvals)
    elif disclaims:
        decider, needs_approval = latest(disclaims), True
        senior = seniority is not None and RANK[seniority] >= RANK["supervisor"]
        evaluates = bool(activities) or any(f.value.role == "influencer" for f in disclaims)
        role = "influencer" if senior or evaluates else "end_user"
    elif approvals:
        # The head of the company still decides when a board or partner must also approve.
        top = seniority in ("c_level", "founder", "owner")
        decider, role, needs_approval = latest(approvals), ("decision_maker" if top else "influencer"), True
    elif activities:
        decider, needs_approval = latest(activities), False
        role = "decision_maker" if title_role == "decision_maker" else "influencer"
    elif title_tier:
        decider = by_title or (title_source if title_source in title_tier else title_tier[0])
        role, needs_approval = title_role or "unknown", False
    else:
        return None

    evidence = list(decider.evidence)
    supporting = [title_source] + (approvals if needs_approval else [])
    for f in supporting:
        if f is not None:
            evidence.extend(e for e in f.evidence if e not in evidence)
    value = Authority(
        role=role,
        title=title_source.value.title if title_source else None,
        needs_approval=needs_approval,
        seniority=seniority,
    )
    return Finding(value, tuple(evidence), decider.confidence, decider.rule, decider.negated, decider.hedged)


def resolve_need(candidates: Sequence[Finding[Need]], view: TextView) -> Finding[Need] | None:
    if not candidates:
        return None
    return max(candidates, key=lambda f: (f.confidence, -_position(f, view)))


def resolve_contact_request(
    candidates: Sequence[Finding[ContactRequest]], view: TextView
) -> Finding[ContactRequest] | None:
    """The most confident request still standing: not negated, not deferred ("at some
    point"), and not followed in the chat by a declined offer ("not right now"), which
    withdraws what came before it. Form fields have no order, so a "No" there withdraws
    nothing."""
    standing: list[Finding[ContactRequest]] = []
    for finding in sorted(candidates, key=lambda f: (_position(f, view), f.evidence[0].start)):
        if finding.value.kind == "declined_offer":
            if finding.evidence[0].source.startswith("turn:"):
                standing = []
        elif not finding.negated and not finding.hedged:
            standing.append(finding)
    if not standing:
        return None
    return max(standing, key=lambda f: f.confidence)
