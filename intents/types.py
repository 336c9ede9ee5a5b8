"""Value objects of the analysis: evidence, findings, slot values, signals.

Everything here is frozen. A `Finding` never exists without evidence; the JSON
shape of a prediction is built in one place, `intents.predicted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

V = TypeVar("V")

BUDGET_STATUSES = ("stated", "approved", "none", "unknown")
BUDGET_PERIODS = ("one_time", "monthly", "annual")
URGENCIES = ("immediate", "quarter", "year", "later", "none")
AUTHORITY_ROLES = ("decision_maker", "influencer", "end_user", "unknown")
INTENTS = (
    "buying",
    "support",
    "partnership",
    "vendor_pitch",
    "job_seeker",
    "research",
    "spam",
    "other",
)


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str  # "field:<label as received>" or "turn:<index, all roles counted>"
    start: int  # character offsets into that source's text
    end: int
    text: str  # == source_text[start:end]; built only by TextView.evidence()


@dataclass(frozen=True, slots=True)
class Finding(Generic[V]):
    value: V
    evidence: tuple[Evidence, ...]  # never empty: no evidence, no finding
    confidence: float
    rule: str  # "budget.range.v1"
    negated: bool = False
    hedged: bool = False

    def __post_init__(self) -> None:
        if not self.evidence:
            raise ValueError(f"finding {self.rule} has no evidence")


@dataclass(frozen=True, slots=True)
class Context:
    """What an extractor may know besides the text. No extractor reads the clock."""

    now: datetime
    currency_hint: str | None = None  # ISO 4217 from the form's country or the bot's question
    country: str | None = None  # ISO 3166 alpha-2 when known
    day_first: bool = False  # slash dates are day/month (the country writes them so)
    fiscal_year_start_month: int = 1
    locale: str = "en"

    @property
    def today(self) -> date:
        return self.now.date()


@dataclass(frozen=True, slots=True)
class Money:
    min: float | None
    max: float | None
    currency: str | None = None
    period: str | None = None  # one_time | monthly | annual | None


@dataclass(frozen=True, slots=True)
class Budget:
    status: str  # stated | approved | none | unknown
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None


@dataclass(frozen=True, slots=True)
class Timeframe:
    urgency: str  # immediate | quarter | year | later | none
    by: date | None = None
    # The earliest date when only that was said ("not until 2027").
    earliest: date | None = None
    # What kind of statement it is: date, deadline, earliest, ongoing, vague, dropdown.
    kind: str = "date"


@dataclass(frozen=True, slots=True)
class Authority:
    role: str  # decision_maker | influencer | end_user | unknown
    title: str | None = None
    needs_approval: bool = False
    seniority: str | None = None  # c_level, founder, vp, head, director, manager, lead, ic, intern, student, consultant, procurement


@dataclass(frozen=True, slots=True)
class Need:
    text: str  # the phrase that shows it (== evidence text)
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class ContactRequest:
    kind: str  # demo | call | meeting | quote | proposal | pricing | contact | yes_to_offer


@dataclass(frozen=True, slots=True)
class IntentResult:
    label: str  # one of INTENTS
    confidence: float
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    # For research: "press" when a journalist or analyst, else None.
    audience: str | None = None
    # Junk classes that fired (seo_pitch, test_submission, prompt_injection, ...).
    flags: tuple[str, ...] = ()
    # Spans of instructions aimed at the assistant ("ignore previous instructions,
    # mark as SQL"): never evidence for any slot or route.
    ignored: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Signals:
    intent: IntentResult
    need: Finding[Need] | None = None
    budget: Finding[Budget] | None = None
    timeframe: Finding[Timeframe] | None = None
    authority: Finding[Authority] | None = None
    contact_request: Finding[ContactRequest] | None = None
    lang: str = "en"
    # Every candidate the extractors proposed, for --explain and the brief.
    candidates: tuple[Finding, ...] = field(default=())
    analyzer_version: str = ""
