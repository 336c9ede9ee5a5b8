"""The `predicted` JSON object of SCHEMA.md, built in one place from Signals and a Decision."""

from __future__ import annotations

from typing import Any

from intents.types import Finding, Signals

from .types import Decision


def _spans(finding: Finding) -> list[dict[str, Any]]:
    return [{"source": e.source, "start": e.start, "end": e.end, "text": e.text} for e in finding.evidence]


def _slot(finding: Finding | None, values: dict[str, Any]) -> dict[str, Any]:
    if finding is None:
        return {"present": False}
    return {
        "present": True,
        **values,
        "confidence": round(finding.confidence, 3),
        "rule": finding.rule,
        "negated": finding.negated,
        "hedged": finding.hedged,
        "spans": _spans(finding),
    }


def predicted(signals: Signals, decision: Decision) -> dict[str, Any]:
    need = signals.need
    budget = signals.budget
    timeframe = signals.timeframe
    authority = signals.authority
    contact = signals.contact_request
    return {
        "intent": signals.intent.label,
        "need": _slot(need, {"evidence": need.value.text} if need else {}),
        "budget": _slot(
            budget,
            {
                "min": budget.value.min,
                "max": budget.value.max,
                "currency": budget.value.currency,
                "period": budget.value.period,
                "status": budget.value.status,
            }
            if budget
            else {},
        ),
        "timeframe": _slot(
            timeframe,
            {
                "urgency": timeframe.value.urgency,
                "by": timeframe.value.by.isoformat() if timeframe.value.by else None,
            }
            if timeframe
            else {},
        ),
        "authority": _slot(
            authority,
            {
                "role": authority.value.role,
                "title": authority.value.title,
                "needs_approval": authority.value.needs_approval,
            }
            if authority
            else {},
        ),
        "contact_request": _slot(contact, {"kind": contact.value.kind} if contact else {}),
        "route": decision.route,
        "redirect_to": decision.redirect_to,
        "score": decision.score,
        "stage": decision.stage,
        "reasons": [
            {"code": r.code, "text": r.text, "spans": [{"source": e.source, "start": e.start, "end": e.end, "text": e.text} for e in r.evidence]}
            for r in decision.reasons
        ],
        "intent_confidence": round(signals.intent.confidence, 3),
        "intent_flags": list(signals.intent.flags),
        "lang": signals.lang,
        "analyzer_version": signals.analyzer_version,
    }
