"""The routing and scoring policy as a frozen value (read from TOML by `assistant.policy`).

Defaults follow SCHEMA.md's decision list and DESIGN.md's lead-scoring table.
`Policy.from_mapping` validates a parsed TOML document and names the bad key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_EVENT_POINTS: dict[str, int] = {
    "email_open": 1,
    "email_click": 5,
    "email_forward": 3,
    "unsubscribe": -5,
    "demo_request": 50,
    "pricing_page_visit": 20,
    "multi_page_visit": 10,
    "careers_page_visit": -5,
    "webinar_registered": 10,
    "webinar_attended": 2,
    "event_attended": 3,
    "sales_conversation_good": 10,
    "sales_conversation_great": 30,
    "white_paper": 10,
    "white_paper_product": 30,
    "interactive_content": 10,
}

DEFAULT_REDIRECTS: dict[str, str] = {
    "support": "support",
    "partnership": "partnerships",
    "job_seeker": "careers",
}


class PolicyError(ValueError):
    """A policy key is missing, unknown or of the wrong type; `key` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True, slots=True)
class Policy:
    mql_threshold: int = 40
    event_points: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_EVENT_POINTS))
    key_account_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    customer_domains: tuple[str, ...] = ()
    competitor_domains: tuple[str, ...] = ()
    # intent -> team for redirects (research goes to press or general by audience)
    redirects: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REDIRECTS))
    # per-source field label -> canonical field name, for odd forms
    field_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> Policy:
        routing = _table(doc, "routing")
        scoring = _table(doc, "scoring")
        points = dict(DEFAULT_EVENT_POINTS)
        for name, value in _table(scoring, "events", "scoring.events").items():
            if name not in DEFAULT_EVENT_POINTS:
                raise PolicyError(f"scoring.events.{name}", f"unknown event type; use one of {', '.join(DEFAULT_EVENT_POINTS)}")
            points[name] = _int(value, f"scoring.events.{name}")
        field_maps = {
            source: {str(k): str(v) for k, v in _table(mapping, source, f"sources.{source}.fields").items()}
            for source, mapping in (
                (s, _table(t, "fields", f"sources.{s}")) for s, t in _table(doc, "sources").items()
            )
        }
        return cls(
            mql_threshold=_int(scoring.get("mql_threshold", 40), "scoring.mql_threshold"),
            event_points=points,
            key_account_domains=_domains(routing, "key_account_domains"),
            blocked_domains=_domains(routing, "blocked_domains"),
            customer_domains=_domains(routing, "customer_domains"),
            competitor_domains=_domains(routing, "competitor_domains"),
            field_maps=field_maps,
            raw=dict(doc),
        )


def _table(doc: Mapping[str, Any], key: str, path: str | None = None) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(path or key, "must be a table")
    return value


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(key, f"must be an integer, got {value!r}")
    return value


def _domains(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"routing.{key}", "must be a list of domain names")
    return tuple(v.lower().strip() for v in value)
