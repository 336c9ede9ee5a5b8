"""The text of an inquiry with provenance: which field or chat turn said what.

A `TextView` is built once per inquiry. Its segments are only the person's own
words (form fields they filled, visitor turns); bot and agent turns are kept as
the `question` a visitor segment answers, with the slot it asked about, so a
terse "q3" or "yes" can be read in context. `TextView.evidence()` is the only
place an `Evidence` is made, and it checks the text against the segment.

What several steps read the same way (where the pattern tables' words occur,
`intents.literals`; the prompt-injection spans that `analyze` and the intent
classifier both need; the cue hits that routing asks for twice) is worked out
once per view through `TextView.shared()`, as spaCy keeps a `Doc`'s
annotations on the `Doc`: it lives and dies with the view, so nothing carries
over from one inquiry to the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from forms.fields import text_fields
from forms.types import Inquiry

from .types import Evidence

T = TypeVar("T")

SLOT_QUESTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("budget", re.compile(r"\b(budget|spend|invest|price range|how much|ballpark|afford|cost)", re.I)),
    (
        "timeframe",
        re.compile(
            r"\b(when|how soon|timeline|time ?frame|deadline|go[- ]live|start date|by when|launch|live by|"
            r"up and running|in place by|need (it|this|someone) (by|on it)|urgent)",
            re.I,
        ),
    ),
    (
        "authority",
        re.compile(
            r"\b(sign(s|ing)? off|decision|decide|approv|role|title|who else|your position|"
            r"what do you do|the one who|buying process|in charge)",
            re.I,
        ),
    ),
    ("contact", re.compile(r"\b(call you|demo|meeting|book|schedule|reach out|contact you|someone call|set up a call|chat with)", re.I)),
    ("need", re.compile(r"\b(hoping to solve|looking for|what brings|help you with|use case|problem|what are you|tell me more|need)", re.I)),
    ("email", re.compile(r"\b(e-?mail|address)\b", re.I)),
)


def asked_slot(question: str | None) -> str | None:
    """Which slot a bot or agent question asks about, or None."""
    if not question or "?" not in question and not question.rstrip().endswith(":"):
        return None
    # Read only the last question sentence: "Thanks! When do you need it live?"
    tail = re.split(r"(?<=[.!])\s+", question.strip())[-1]
    for slot, pattern in SLOT_QUESTIONS:
        if pattern.search(tail):
            return slot
    for slot, pattern in SLOT_QUESTIONS:
        if pattern.search(question):
            return slot
    return None


@dataclass(frozen=True, slots=True)
class Segment:
    source: str  # "field:<label>" | "turn:<index>"
    text: str
    kind: str  # canonical field name ("message", "title", "budget", "other"...) or "turn"
    label: str | None = None  # field label as received
    index: int = 0  # position among the view's segments
    turn: int | None = None  # transcript index for chat turns
    question: str | None = None  # the bot/agent words just before this visitor turn
    asked: str | None = None  # slot that question asked about
    at: str | None = None


class TextView:
    """The person's words of one inquiry, segment by segment."""

    def __init__(self, inquiry: Inquiry, field_map: dict[str, str] | None = None) -> None:
        self.inquiry = inquiry
        segments: list[Segment] = []
        if inquiry.channel == "chat" and inquiry.transcript:
            last_other: str | None = None
            for i, turn in enumerate(inquiry.transcript):
                if turn.role != "visitor":
                    last_other = turn.text
                    continue
                if turn.text and turn.text.strip():
                    segments.append(
                        Segment(
                            source=f"turn:{i}",
                            text=turn.text,
                            kind="turn",
                            index=len(segments),
                            turn=i,
                            question=last_other,
                            asked=asked_slot(last_other),
                            at=turn.at,
                        )
                    )
                last_other = None
        for label, canonical, value in text_fields(inquiry.fields, field_map):
            if canonical in ("name", "first_name", "last_name"):
                continue
            segments.append(
                Segment(
                    source=f"field:{label}",
                    text=value,
                    kind=canonical,
                    label=label,
                    index=len(segments),
                )
            )
        self.segments: tuple[Segment, ...] = tuple(segments)
        self._shared: dict[str, object] = {}

    def of_kind(self, *kinds: str) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind in kinds)

    @property
    def free_text(self) -> tuple[Segment, ...]:
        """Segments a person wrote in their own words (message fields, chat turns, other text)."""
        return self.of_kind("turn", "message", "subject", "other")

    @cached_property
    def visitor_text(self) -> str:
        """All the person's words, one segment per line (for classifiers)."""
        return "\n".join(s.text for s in self.segments)

    def shared(self, key: str, build: Callable[[TextView], T]) -> T:
        """`build(self)`, computed on first use and kept with this view: for readings of the
        text that more than one step needs. `key` names the reading ("intent.injected")."""
        try:
            return self._shared[key]  # type: ignore[return-value]
        except KeyError:
            value = self._shared[key] = build(self)
            return value

    @staticmethod
    def evidence(segment: Segment, start: int, end: int) -> Evidence:
        """Evidence for segment.text[start:end]; the only constructor of Evidence."""
        if not (0 <= start < end <= len(segment.text)):
            raise ValueError(f"span {start}:{end} outside {segment.source}")
        return Evidence(segment.source, start, end, segment.text[start:end])
