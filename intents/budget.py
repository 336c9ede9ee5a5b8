"""Budget: what a person says about money they would spend (SCHEMA.md "budget" and "Money").

`extract_budget(view, ctx)` proposes candidates; `resolve.resolve_budget` picks
one. A candidate is either a figure (every money expression `intents.money`
finds that the words around it make the person's own budget) or a status
without a figure: `approved` ("budget is approved", "we've budgeted for it",
"$4k still unspent in our tooling budget"), `none` ("no budget yet", "can't afford
it", "TBD"), `unknown` ("tight budget", "six figures"). "Not sure" and
"rather not say" give nothing: the slot stays absent.

Whether a figure is budget is decided by whole-token cue phrases within a
bounded window in the same sentence (`patterns/budget.jsonl`: spaCy `Matcher`
token patterns and `PhraseMatcher` phrase lists, both on the token NORM, so
"can't", "cannot" and "can not" read alike): the nearest cue wins, a positive
one ("budget", "willing to spend", "we've got") against a negative one
(revenue, salary, refunds, invoices, scam sums, what they pay today, a
vendor's price). A figure in a budget field, or in a chat answer to the bot's
budget question, needs no cue; a bare number ("5000") counts only there or
right after the word budget. A figure with a currency marker and no cue
either way counts with a lower confidence: in a buying message a "$" figure
is usually the budget.

A figure with no currency marker takes, in order: the currency the bot's
question or the field label names ("in USD?", "Budget (EUR)"), one written
elsewhere in the same segment, `ctx.currency_hint` (the form's country), one
written elsewhere in the inquiry; else None.

No library decides whether a figure is somebody's budget (the figure parsers
we looked at are discussed in `intents/money.py`); a trained sentence
classifier would need labelled sentences we do not have and could not say why
it chose, so the cues are explicit data with ids, and the example table is
`tests/intents/corpus/budget_en.py`.

Speed: the token patterns run only when the text holds a NORM for every
required token of one of them (`_token_patterns_may_match`; otherwise the
Matcher could find nothing), which spares the Matcher on most segments.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from spacy.attrs import IDX, NORM, ORTH
from spacy.matcher import Matcher, PhraseMatcher

from .context import HEDGE_PHRASES, HEDGES
from .money import MoneyMatch, currency_in, find_money
from .nlp import get_nlp, tokens
from .text import Segment, TextView
from .types import Budget, Context, Finding, Money

PATTERNS_FILE = Path(__file__).parent / "patterns" / "budget.jsonl"

FREE_TEXT_KINDS = frozenset({"turn", "message", "subject", "other"})
POSITIVE = {"budget_word": 0.9, "spend": 0.85, "approved": 0.85, "have": 0.7}
NEGATIVE = frozenset({"not_budget", "current_spend", "vendor_price"})
# Nouns that let an approval word speak about money ("budget approved", "funds allocated").
MONEY_NOUNS = frozenset(
    {"budget", "budgets", "budgeted", "funds", "money", "cash", "capex", "opex", "spend", "presupuesto",
     "orçamento", "orcamento", "begroting", "fondos", "mittel", "fonds", "verba", "investment"}
)
# Words before an approval word that make it not (yet) an approval.
PENDING_MARKERS = frozenset(
    {"not", "once", "if", "when", "until", "pending", "awaiting", "waiting", "hope", "hoping", "hopefully",
     "need", "needs", "get", "getting", "seeking", "seek", "whether", "unless", "before", "trying", "try",
     "requesting", "request", "apply", "applying", "expect", "expecting", "should", "might", "may", "could"}
)
# "no budget limit" is plenty of budget, not none.
NOT_NONE_AFTER = frozenset(
    {"constraint", "constraints", "limit", "limits", "cap", "caps", "issue", "issues", "problem", "problems",
     "concern", "concerns", "restriction", "restrictions", "ceiling", "limitation", "limitations", "worries",
     "object", "worry"}
)
YEAR_WORDS = frozenset(
    {"in", "by", "until", "till", "from", "since", "before", "after", "early", "late", "mid", "end", "of",
     "fy", "q1", "q2", "q3", "q4", "january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
     "sept", "oct", "nov", "dec"}
)
COMPANY_NOUNS = frozenset(
    {"company", "business", "firm", "brand", "startup", "agency", "organization", "organisation", "retailer",
     "manufacturer", "operation", "nonprofit", "charity", "chain", "group", "enterprise", "shop", "store",
     "practice", "distributor", "wholesaler", "corporation", "corp", "empresa", "unternehmen", "entreprise",
     "bedrijf", "azienda"}
)
PRICE_WORDS = frozenset({"price", "pricing", "cost", "costs", "plan", "plans", "charge", "fee", "tier", "package", "subscription"})
CLAUSE_BREAKS = frozenset({",", ";", ":", "(", ")", "-", "–", "—", "but", "and", "so", "though", "however"})
WINDOW_BEFORE = 10  # tokens a cue may stand before the figure
WINDOW_AFTER = 8  # ... or after it
# Characters of a segment read for cues and figures: a budget is stated near the start of any
# real message; what follows 20 KB is pasted logs or an attack, and reading it costs time.
MAX_CHARS = 20_000
MAX_FINDINGS = 60  # candidates kept per segment (the resolver needs one; --explain a handful)
_LONG_RUN = re.compile(r"\S{64,}")
LONGEST_CUE = 12  # tokens: no pattern is longer
SHORT_ANSWER = 30  # tokens: a chat answer this short may be a bare number


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str
    rule: str
    where: str  # "near" | "after" (periods only)
    start: int  # token span
    end: int
    cstart: int  # character span
    cend: int
    sent: int


@dataclass(frozen=True, slots=True)
class _Reading:
    """One segment, tokenised and matched once."""

    segment: Segment
    cues: tuple[_Cue, ...]
    sent_of: tuple[int, ...]
    starts: tuple[int, ...]
    norms: tuple[str, ...]
    questions: frozenset[int]  # sentence ids that end with "?"
    cue_starts: tuple[int, ...]  # token starts of `cues`, sorted: windows are found by bisection
    sents_with: dict[str, frozenset[int]]  # cue kind -> ids of the sentences holding one

    def around(self, lo: int, hi: int) -> tuple[_Cue, ...]:
        """Cues that start within tokens [lo - LONGEST_CUE, hi]: every cue that can touch [lo, hi]."""
        a = bisect_left(self.cue_starts, lo - LONGEST_CUE)
        b = bisect_right(self.cue_starts, hi)
        return self.cues[a:b]


def extract_budget(view: TextView, ctx: Context) -> list[Finding[Budget]]:
    """Budget candidates of every segment a person wrote (free text and budget fields)."""
    inquiry_currency = None
    readings: list[tuple[_Reading, str, list[MoneyMatch]]] = []
    for seg in view.segments:
        mode = _mode(seg)
        if mode is None:
            continue
        matches = find_money(seg.text[:MAX_CHARS])
        inquiry_currency = inquiry_currency or next(
            (m.money.currency for m in matches if m.explicit_currency and m.money.currency), None
        )
        readings.append((_read(seg), mode, matches))
    findings: list[Finding[Budget]] = []
    for reading, mode, matches in readings:
        findings.extend(_segment_findings(reading, mode, matches, ctx, inquiry_currency))
    return findings


def explain_cues(text: str) -> list[tuple[str, str]]:
    """(pattern id, words) of every budget cue in `text`, in order: for --explain and the
    test that every pattern id has an example."""
    seg = Segment(source="field:text", text=text, kind="message")
    return [(c.rule, text[c.cstart : c.cend]) for c in _read(seg).cues]


# --- patterns ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _token_requirements() -> tuple[tuple[frozenset[str], ...], ...]:
    """For each token pattern, the NORM sets of its tokens that must occur (no "?" or "*"): a
    pattern can match only where every one of its sets holds a NORM of the text. A token
    spec we cannot read that way requires nothing."""
    rows, _, _ = _patterns()
    found = []
    for row in rows.values():
        if "pattern" not in row:
            continue
        needed = []
        for spec in row["pattern"]:
            if spec.get("OP") not in (None, "+", "1") or set(spec) - {"NORM", "OP"}:
                continue
            norm = spec.get("NORM")
            if isinstance(norm, str):
                needed.append(frozenset({norm}))
            elif isinstance(norm, dict) and set(norm) == {"IN"}:
                needed.append(frozenset(norm["IN"]))
        found.append(tuple(needed))
    return tuple(found)


def _token_patterns_may_match(norms: set[str]) -> bool:
    """False when no token pattern can match a text with these NORMs (the Matcher would find
    nothing, so it need not run)."""
    return any(all(not need.isdisjoint(norms) for need in needed) for needed in _token_requirements())


@lru_cache(maxsize=1)
def _patterns() -> tuple[dict[str, dict], Matcher, PhraseMatcher]:
    """The rows of `patterns/budget.jsonl` by id, a `Matcher` for the token patterns and a
    `PhraseMatcher` on NORM for the phrase lists (hashed: fast on long messages)."""
    nlp = get_nlp()
    matcher = Matcher(nlp.vocab)
    phrases = PhraseMatcher(nlp.vocab, attr="NORM")
    rows: dict[str, dict] = {}
    for line in PATTERNS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "pattern" not in row and not row.get("phrases"):
            raise ValueError(f"budget pattern {row['id']} has no pattern")
        if "pattern" in row:
            matcher.add(row["id"], [row["pattern"]])
        if row.get("phrases"):
            phrases.add(row["id"], [nlp.make_doc(p) for p in row["phrases"]])
        rows[row["id"]] = row
    if not rows:
        raise RuntimeError(f"no budget patterns in {PATTERNS_FILE}")
    return rows, matcher, phrases


def _read(seg: Segment) -> _Reading:
    rows, matcher, phrases = _patterns()
    # A run of 64+ characters with no space is no words ("$$$$...", a URL, base64); the tokenizer
    # splits such runs affix by affix in quadratic time, so it reads them as one opaque token.
    doc = tokens(_LONG_RUN.sub(lambda m: "x" * len(m.group()), seg.text[:MAX_CHARS]))
    strings = doc.vocab.strings
    texts: list[str] = []
    norms: tuple[str, ...] = ()
    starts: tuple[int, ...] = ()
    if len(doc):
        orths, norm_ids, offsets = doc.to_array([ORTH, NORM, IDX]).T.tolist()  # plain ints, at once
        texts = [strings[h] for h in orths]
        norms = tuple([strings[h] for h in norm_ids])
        starts = tuple(offsets)
    sent_of: list[int] = []
    questions: set[int] = set()
    sent = 0
    for i, text in enumerate(texts):
        sent_of.append(sent)
        if text in ("!", "?", "…") or "\n" in text or (
            text == "." and (i + 1 == len(texts) or not texts[i + 1][:1].islower() and not texts[i + 1][:1].isdigit())
        ):
            if text == "?":
                questions.add(sent)
            sent += 1
    token_matches = matcher(doc) if _token_patterns_may_match(set(norms)) else []
    found: list[_Cue] = []
    for match_id, start, end in [*token_matches, *phrases(doc)]:
        rule = strings[match_id]
        row = rows[rule]
        found.append(
            _Cue(
                kind=row["kind"], rule=rule, where=row.get("where", "near"), start=start, end=end,
                cstart=starts[start], cend=starts[end - 1] + len(texts[end - 1]), sent=sent_of[start],
            )
        )
    # keep the longest of overlapping matches of one kind
    found.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Cue] = []
    for cue in found:
        if any(k.kind == cue.kind and k.start <= cue.start and cue.end <= k.end for k in kept[-LONGEST_CUE:]):
            continue
        kept.append(cue)
    sents_with: dict[str, set[int]] = {}
    for cue in kept:
        sents_with.setdefault(cue.kind, set()).add(cue.sent)
    return _Reading(
        segment=seg, cues=tuple(kept), sent_of=tuple(sent_of), starts=starts, norms=norms,
        questions=frozenset(questions), cue_starts=tuple(c.start for c in kept),
        sents_with={kind: frozenset(ids) for kind, ids in sents_with.items()},
    )


# --- per segment -----------------------------------------------------------------------------


def _mode(seg: Segment) -> str | None:
    """How a segment is read: a budget "field", free "text" (asked when its label or the bot
    asked about budget), or not at all (names, titles, company size, timelines...)."""
    if seg.kind == "budget":
        return "field"
    if seg.kind not in FREE_TEXT_KINDS:
        return None
    if seg.label and _label_is_budget(seg.label):
        return "field" if seg.kind in ("other", "subject") else "labelled"
    return "text"


_BUDGET_WORDS = re.compile(
    r"budget|spend|invest|price\s*range|ballpark|afford|\bmoney\b|\bfunds?\b|earmark|set\s+aside|"
    r"presupuesto|or[çc]amento|begroting",
    re.I,
)


@lru_cache(maxsize=256)
def _label_is_budget(label: str) -> bool:
    return bool(_BUDGET_WORDS.search(label))


@lru_cache(maxsize=256)
def _currency_asked(question: str | None) -> str | None:
    """`money.currency_in` of a field label or bot question, remembered: forms and bots
    ask the same few questions again and again."""
    return currency_in(question)


@lru_cache(maxsize=256)
def _money_question(question: str | None) -> bool:
    """The bot's last words ask about money ("Is money earmarked for it?"), whatever slot
    `intents.text` filed them under."""
    return bool(question) and "?" in question and bool(_BUDGET_WORDS.search(question))


def _segment_findings(
    reading: _Reading, mode: str, matches: list[MoneyMatch], ctx: Context, inquiry_currency: str | None
) -> list[Finding[Budget]]:
    seg = reading.segment
    question = seg.label if mode in ("field", "labelled") else seg.question
    asked = mode in ("field", "labelled") or seg.asked == "budget" or _money_question(seg.question)
    short = len(reading.norms) <= SHORT_ANSWER
    segment_currency = next((m.money.currency for m in matches if m.explicit_currency and m.money.currency), None)
    currency = _currency_asked(question) or segment_currency or ctx.currency_hint or inquiry_currency
    label_period = _label_period(seg.label) if mode in ("field", "labelled") and seg.label else None

    findings: list[Finding[Budget]] = []
    figure_sents: set[int] = set()
    withheld_sents = reading.sents_with.get("withheld", frozenset())
    for m in matches:
        found = _figure(reading, m, mode, asked, short, currency, label_period)
        if found is not None:
            findings.append(found)
            figure_sents.add(_span_sent(reading, m.start))
    findings.extend(_statuses(reading, mode, asked, figure_sents, withheld_sents, question))
    return findings[:MAX_FINDINGS]


def _figure(
    reading: _Reading, m: MoneyMatch, mode: str, asked: bool, short: bool, currency: str | None,
    label_period: str | None,
) -> Finding[Budget] | None:
    seg = reading.segment
    ts, te = _tok_span(reading, m.start, m.end)
    sent = reading.sent_of[ts]
    pos = _nearest(reading, ts, te, sent, POSITIVE.keys())
    neg = _nearest(reading, ts, te, sent, NEGATIVE, before=8, after=6)
    field = mode == "field"
    if not field and neg is not None and (pos is None or neg[0] < pos[0]):
        return None
    # "cannot afford 25k+": the figure is what they cannot pay; the "none" cue speaks for them
    if m.bound != "max" and any(
        c.kind == "none" and c.sent == sent and c.end <= ts and ts - c.end <= 3 for c in reading.around(ts - 3, ts)
    ):
        return None
    # "a $5M company", "a 20k-seat business": a description of them, not a sum to spend
    if te < len(reading.norms) and reading.norms[te] in COMPANY_NOUNS:
        return None
    cued_close = pos is not None and pos[0] <= 4 and pos[1].kind in ("budget_word", "spend")
    if m.latent:
        value = m.money.max if m.money.max is not None else m.money.min
        if value is None or (not field and _year_like(m, value)):
            return None
        if field:
            rule, confidence = "budget.field.v1", 0.85
        elif cued_close and value >= 10:
            rule, confidence = "budget.cued_number.v1", 0.7
        elif seg.asked == "budget" and short and value >= 50:
            rule, confidence = "budget.latent.v1", 0.75
        else:
            return None
    elif field:
        rule, confidence = m.rule, 0.9
    elif pos is not None:
        rule, confidence = m.rule, POSITIVE[pos[1].kind] - 0.02 * pos[0]
    elif asked and (short or not m.vague):
        rule, confidence = m.rule, 0.8
    elif m.explicit_currency or m.money_word:
        if _price_question(reading, ts, te, sent) or m.per_unit:
            return None  # a price asked about, or a rate per user or hour with no word of theirs
        rule, confidence = m.rule, 0.55
    elif m.vague:
        return None
    elif m.approx or m.bound or m.money.period or m.money.min != m.money.max:
        rule, confidence = m.rule, 0.5
    else:
        return None

    money = m.money
    if money.currency is None and not m.vague:
        money = replace(money, currency=currency)
    if money.period is None:
        money = replace(money, period=_period_near(reading, ts, te, sent) or label_period)
    status = _figure_status(reading, money, m, ts, te, sent)
    if status == "none":  # "$0": no budget, and no figure to report
        money, m = Money(None, None), replace(m, vague=True)
    hedged = _hedged(reading, ts, te) or sent in reading.sents_with.get("withheld", ())
    if hedged:
        confidence -= 0.1
    budget = Budget(
        status=status,
        min=None if m.vague else money.min,
        max=None if m.vague else money.max,
        currency=None if m.vague else money.currency,
        period=money.period,
    )
    return Finding(
        value=budget,
        evidence=(TextView.evidence(seg, m.start, m.end),),
        confidence=round(max(0.05, min(1.0, confidence)), 3),
        rule=rule,
        negated=status == "none",
        hedged=hedged,
    )


def _figure_status(reading: _Reading, money: Money, m: MoneyMatch, ts: int, te: int, sent: int) -> str:
    if not m.vague and (money.max == 0 or (money.max is None and money.min == 0)):
        return "none"
    approved = [
        c for c in reading.around(ts - 12, te + 12)
        if c.kind == "approved" and c.sent == sent and _dist(c, ts, te) <= 12 and _approval_holds(reading, c)
    ]
    if approved and sent not in reading.sents_with.get("pending", ()):
        return "approved"
    return "unknown" if m.vague else "stated"


def _statuses(
    reading: _Reading, mode: str, asked: bool, figure_sents: set[int], withheld_sents: set[int],
    question: str | None,
) -> list[Finding[Budget]]:
    """Findings without a figure: approved, none (also pending approval), unknown."""
    seg = reading.segment
    cues = reading.cues
    out: list[Finding[Budget]] = []
    def overlaps_withheld(c: _Cue) -> bool:
        return any(w.kind == "withheld" and w.start < c.end and c.start < w.end for w in reading.around(c.start, c.end))

    def money_context(c: _Cue, window: int = 6) -> bool:
        if asked:
            return True
        lo, hi = max(0, c.start - window), min(len(reading.norms), c.end + window)
        return any(
            reading.norms[t] in MONEY_NOUNS and reading.sent_of[t] == c.sent for t in range(lo, hi)
        ) or c.sent in figure_sents

    def opening(c: _Cue) -> bool:
        return asked and c.start <= 2

    def add(c: _Cue, status: str, confidence: float, negated: bool = False) -> None:
        out.append(
            Finding(
                value=Budget(status=status),
                evidence=(TextView.evidence(seg, c.cstart, c.cend),),
                confidence=confidence,
                rule=c.rule,
                negated=negated,
                hedged=_hedged(reading, c.start, c.end),
            )
        )

    status_sents: set[int] = set()
    for c in cues:
        if c.kind == "approved":
            if c.sent in withheld_sents or not money_context(c):
                continue
            if not _approval_holds(reading, c) or c.sent in reading.sents_with.get("pending", ()):
                continue
            add(c, "approved", 0.85)
            status_sents.add(c.sent)
        elif c.kind == "pending":
            if c.sent in figure_sents or not money_context(c) or overlaps_withheld(c):
                continue
            add(c, "none", 0.7, negated=True)
            status_sents.add(c.sent)
        elif c.kind == "none":
            if overlaps_withheld(c) or _followed_by(reading, c, NOT_NONE_AFTER):
                continue
            add(c, "none", 0.85, negated=True)
            status_sents.add(c.sent)
        elif c.kind == "none_weak":
            if overlaps_withheld(c) or _followed_by(reading, c, NOT_NONE_AFTER):
                continue
            # "Budget is TBD", "budget: none" (the budget word first; "no budget limit" is no none)
            near_budget = any(
                b.kind == "budget_word" and b.sent == c.sent and b.end <= c.start and c.start - b.end <= 3
                for b in reading.around(c.start - 3, c.start)
            )
            bare = reading.norms[c.start] in ("no", "nope") or c.end - c.start > 1 and reading.norms[c.start] == "not"
            if bare and not near_budget and len(reading.norms) > 8 and not _yes_no_question(question):
                continue  # "how much did you put aside?" "nope, we sell software too": no answer to it
            if opening(c) or near_budget:
                add(c, "none", 0.75, negated=True)
                status_sents.add(c.sent)
        elif c.kind == "yes":
            negated = c.start > 0 and reading.norms[c.start - 1] in ("not", "never", "no")
            if opening(c) and not overlaps_withheld(c) and not negated and _yes_no_question(question):
                status = "approved" if _asks_approval(question) else "unknown"
                add(c, status, 0.7 if status == "approved" else 0.5)
                status_sents.add(c.sent)
    for c in cues:
        if c.kind not in ("unknown", "unknown_weak"):
            continue
        if c.sent in withheld_sents or c.sent in figure_sents or c.sent in status_sents:
            continue
        if c.kind == "unknown_weak" and not opening(c):
            continue
        add(c, "unknown", 0.6)
        status_sents.add(c.sent)
    return out


# --- helpers --------------------------------------------------------------------------------


def _tok_span(reading: _Reading, start: int, end: int) -> tuple[int, int]:
    ts = max(0, bisect_right(reading.starts, start) - 1)
    te = max(ts + 1, bisect_right(reading.starts, end - 1))
    return ts, te


def _span_sent(reading: _Reading, char: int) -> int:
    return reading.sent_of[max(0, bisect_right(reading.starts, char) - 1)]


def _dist(c: _Cue, ts: int, te: int) -> int:
    if c.end <= ts:
        return ts - c.end
    if c.start >= te:
        return c.start - te
    return 0


def _nearest(
    reading: _Reading, ts: int, te: int, sent: int, kinds, before: int = WINDOW_BEFORE, after: int = WINDOW_AFTER
) -> tuple[int, _Cue] | None:
    best: tuple[int, _Cue] | None = None
    for c in reading.around(ts - before, te + after):
        if c.kind not in kinds or c.sent != sent:
            continue
        if c.kind == "have" and not (c.end <= ts and ts - c.end <= 3):
            continue
        d = _dist(c, ts, te)
        if (c.end <= ts and d > before) or (c.start >= te and d > after):
            continue
        if best is None or d < best[0]:
            best = (d, c)
    return best


def _period_near(reading: _Reading, ts: int, te: int, sent: int) -> str | None:
    best: tuple[int, str] | None = None
    for c in reading.around(ts - 8, te + 8):
        if not c.kind.startswith("period_") or c.sent != sent:
            continue
        d = _dist(c, ts, te)
        if c.where == "after" and not (c.start >= te and d <= 3):
            continue
        if c.where == "near" and d > 8:
            continue
        if best is None or d < best[0]:
            best = (d, c.kind.removeprefix("period_"))
    return best[1] if best else None


@lru_cache(maxsize=256)
def _label_period(label: str) -> str | None:
    low = label.lower()
    if re.search(r"\b(monthly|per month|a month|/ ?mo(nth)?|mensual|monatlich|mensuel|mensal)\b", low):
        return "monthly"
    if re.search(r"\b(annual|yearly|per year|a year|annually|anual|jährlich|annuel)\b", low):
        return "annual"
    return None


def _hedged(reading: _Reading, ts: int, te: int) -> bool:
    """A hedge ("maybe", "roughly", "I think", "not sure") among the five tokens before the span,
    in its clause, or inside it: `intents.context`'s lexicon, read on the tokens we already have."""
    lo = ts
    while lo > 0 and ts - lo < 5 and reading.sent_of[lo - 1] == reading.sent_of[ts] and reading.norms[lo - 1] not in CLAUSE_BREAKS:
        lo -= 1
    window = reading.norms[lo:te]
    if any(w in HEDGES for w in window):
        return True
    return any(
        window[i : i + len(p)] == p for p in HEDGE_PHRASES for i in range(len(window) - len(p) + 1)
    )


def _approval_holds(reading: _Reading, c: _Cue) -> bool:
    """An approval word that is no approval: "once approved", "not allocated", "no budget has
    been allocated", "we've earmarked nothing", "approved yet?"."""
    for t in range(c.start - 1, max(-1, c.start - 5), -1):
        word = reading.norms[t]
        if reading.sent_of[t] != c.sent or word in CLAUSE_BREAKS:
            break
        if word in PENDING_MARKERS or word in ("never", "no", "nothing", "none"):
            return False
    return not _followed_by(reading, c, frozenset({"nothing", "none", "no", "zero", "yet"}))


def _followed_by(reading: _Reading, c: _Cue, words: frozenset[str]) -> bool:
    return c.end < len(reading.norms) and reading.norms[c.end] in words


def _year_like(m: MoneyMatch, value: float) -> bool:
    """A bare 1900..2100 is a year ("by 2026", "Q3 2026"), unless a budget field holds it."""
    if m.money.min != m.money.max or not float(value).is_integer():
        return False
    return 1900 <= value <= 2100


def _price_question(reading: _Reading, ts: int, te: int, sent: int) -> bool:
    """A question about a price ("is the $49 plan enough?"), not a budget."""
    if sent not in reading.questions:
        return False
    lo, hi = max(0, ts - 15), min(len(reading.norms), te + 15)
    words = {reading.norms[t] for t in range(lo, hi) if reading.sent_of[t] == sent}
    return bool(words & PRICE_WORDS)


_WH_WORDS = re.compile(
    r"\b(?:what|what's|whats|how|which|when|where|who|why|cu[aá]nto|cu[aá]l|qu[eé]|wie|welche[snmr]?|quel(?:le)?s?|"
    r"combien|quanto|qual|hoeveel|welk[e]?)\b",
    re.I,
)


@lru_cache(maxsize=256)
def _yes_no_question(question: str | None) -> bool:
    """The last sentence of the bot's question (or the field label) asks yes or no: it has no
    wh-word ("Is budget approved?", "Funds in place?"; not "How much did you put aside?")."""
    if not question:
        return False
    sentences = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p]
    return not _WH_WORDS.search(sentences[-1])


def _asks_approval(question: str | None) -> bool:
    if not question:
        return False
    return bool(re.search(r"approv|allocat|set aside|signed? off|secured|confirmed|in place|earmark|budgeted", question, re.I))
