"""Need: a concrete problem, use case, project or product interest of the person's own.

SCHEMA.md: "we are migrating 40 TB to the cloud" and "need a CRM for 12 reps"
are needs; "send info", "pricing?", a bare plan, trial, price or case-study
question, or a product dropdown value alone are not. For support, a problem
(an error, a lock-out, a wrong charge) is a need, and a how-to question or an
account chore (cancel, export, add a user, resend an invoice) is not.

How: the person's free text is cut into clauses (sentences, then at "but",
dashes, brackets and "and" before a new subject). Each clause is scored with
the weighted patterns of `patterns/need.jsonl`:
- anchors, one of which a clause must have: `want` ("we need", "looking
  for", "wir suchen", "necesitamos"...), `action` (a project verb: replace,
  migrate, automate...), `problem` (pain, manual work, errors, lock-outs),
  `project` (an engagement noun: migration, pentest, audit);
- boosters: `scope` (a quantity of things: "for our 5 depots"), `own`
  (we/our/my);
- `vague` patterns that pull a clause down (info and price requests, chores,
  how-to questions), and a negated want ("we don't need payroll");
- the concreteness test: content words after the anchor that are neither
  function words (spaCy's stop lists for en/de/es/fr/it/nl/pt) nor vague
  words (the `words` row of need.jsonl).
A clause that clears `THRESHOLD` becomes a candidate whose evidence is the
clause from its anchor on, at most `MAX_EVIDENCE_WORDS` words. A clause that
says they are not in the market ("happy with our current tool", "no plans to
switch") withdraws candidates that rest only on a problem or a quantity.
A terse chat answer to the bot's "what are you hoping to solve?" counts as an
anchor, read against that question (which is never evidence). A pattern may
list `requires` substrings (its regex is skipped when none occurs), and the
`{W}` macro ("a word starts here") stands for a leading \\b because Python's
re rejects positions much faster with it. Every pattern also gets a gate read
off its regex (`intents.prefilter`): the words a match cannot do without are
found once per segment (`intents.literals`), a clause that holds none of a
pattern's words is not scanned with it, and where the words a match begins
with are known, the regex is tried only where they occur (exact: the results
are those of running every regex).

Libraries considered: a spaCy `textcat` needs labelled data the repo does not
have yet and cannot point at the words that show the need (and evidence is the
product); zero-shot NLI models are far too large and slow for the 5 ms budget.
So rules first, with their weights as data; a trained component can be added
if measurements show it pays.

Examples (the tests' corpus): `tests/intents/corpus/need_en.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .context import function_words, is_negated, words
from .literals import segment_literals
from .prefilter import Gate, GateIndex, Occurrences, gate_for, holds_any, starts_for
from .text import Segment, TextView
from .types import Context, Finding, Need

PATTERNS_FILE = Path(__file__).parent / "patterns" / "need.jsonl"
THRESHOLD = 3.0
MAX_EVIDENCE_WORDS = 15
_HEAD_CHARS = 12_000
_MAX_CLAUSES = 200
_MAX_CLAUSE_CHARS = 600
ANCHORS = ("want", "action", "problem", "project")
# Which anchor starts the evidence: a want, a project verb, then a problem (a weak verb such as
# "dispatch" or "tracking" ranks after the problem it sits in), then an engagement noun.
_EVIDENCE_PRIORITY = {"want": 0, "action": 1, "problem": 2, "project": 4}
# Anchors that state a want on their own: "not in the market" does not withdraw them.
_STATED_PROJECT = frozenset({"need.action.project_verb.v1"})
KINDS = ("want", "action", "problem", "project", "scope", "own", "vague", "blocker", "words")
# Fields whose text a person wrote (a dropdown answer alone is never a need).
READ_KINDS = ("turn", "message", "subject", "other")
_MIN_OTHER_WORDS = 4
# Sentence ends, brackets, dashes between words, contrast words, and "and" before a new subject
# ("... all manual and the owner signs off") start a new clause.
_CLAUSE_BREAK = re.compile(
    r"[!?;]+|\.(?=\s|$)|\n+|\s[-–—]+\s|[–—()]|\s(?=(?:but|though|however|although|pero|aber|mais|maar)\b)"
    r"|,?\s(?=and\s+(?:the|our|my|we|i|they|he|she|it)\b)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:\W|hi\b|hello\b|hey\b|yo\b|so\b|and\b|but\b|also\b|well\b|honestly\b|basically\b|ok\b|okay\b|"
    r"yes\b|yeah\b|yep\b|um+\b|plus\b|then\b|anyway\b|btw\b|tbh\b|ps\b|oh\b|ah\b|hmm+\b|thanks\b|team\b)+",
    re.IGNORECASE,
)
_WORD_CHAR = re.compile(r"\w")
_CONTACT_DETAIL = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+|\+?\d[\d ().-]{7,}\d")
_PRONOUN_OBJECT = re.compile(r"\s*(?:it|this|that|them|these|those|one)\b", re.IGNORECASE)
_CONTRAST_ONLY = re.compile(r"\b(?:just|only|mainly|mostly|simply)\b", re.IGNORECASE)
_NEED_QUESTION = re.compile(
    r"hoping to solve|looking (?:for|to)|what brings|help you with|use case|problem|pain|what (?:are|do) you (?:need|want)|"
    r"tell me more|what would|trying to (?:do|solve|fix)|what(?:'s| is) (?:going on|the issue|happening|driving)|anything specific|main",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NeedPattern:
    id: str
    kind: str
    regex: re.Pattern[str] | None
    weight: float
    negatable: bool = False
    unless: str | None = None  # a vague pattern that does not count when the clause has this anchor kind
    clause_evidence: bool = False  # evidence is the whole clause, not the clause from the cue on
    # Substrings of the lower-cased text one of which the regex needs: a cheap gate before the regex runs.
    requires: tuple[str, ...] = ()
    example: str = ""
    # Words one of which every match holds, found by reading the regex (`intents.prefilter`):
    # a clause without them is not scanned. Unlike `requires`, derived, so always exact.
    gate: Gate | None = None
    # Strings one of which every match begins with: the regex is tried only where one occurs.
    starts: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class NeedRules:
    patterns: tuple[NeedPattern, ...]
    vague_words: frozenset[str]
    gates: GateIndex | None = None  # which patterns' gates a segment's words admit


def extract_need(view: TextView, ctx: Context) -> list[Finding[Need]]:
    """One candidate per clause that states a concrete need, with the clause as evidence."""
    rules = need_rules()
    segments = [s for s in view.segments if _readable(s)]
    scored = [c for seg in segments for c in _score_segment(seg, rules, segment_literals(view, seg))]
    not_in_market = any(c.blocker for c in scored)
    found: list[Finding[Need]] = []
    for clause in scored:
        if clause.score < THRESHOLD or clause.anchor is None:
            continue
        if not_in_market and clause.anchor_kind != "want" and clause.anchor not in _STATED_PROJECT:
            continue
        evidence = TextView.evidence(clause.segment, clause.ev_start, clause.ev_end)
        confidence = round(min(0.95, 0.35 + 0.08 * clause.score), 3)
        found.append(Finding(Need(text=evidence.text), (evidence,), confidence, clause.anchor))
    return found


# ----------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def need_rules() -> NeedRules:
    """Patterns and vague words of `patterns/need.jsonl`, compiled once."""
    macros: dict[str, str] = {}
    patterns: list[NeedPattern] = []
    vague: set[str] = set()
    seen: set[str] = set()
    for n, line in enumerate(PATTERNS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "define" in row:
            macros[row["define"]] = row["regex"]
            continue
        pid, kind = row["id"], row["kind"]
        if pid in seen or kind not in KINDS or not pid.startswith("need."):
            raise ValueError(f"{PATTERNS_FILE.name}:{n}: bad or duplicate pattern {pid} ({kind})")
        seen.add(pid)
        if kind == "words":
            vague.update(w.lower() for w in row["words"])
            continue
        regex = re.compile(
            re.sub(r"\{([A-Z][A-Z0-9_]*)\}", lambda m: macros[m.group(1)], row["regex"]), re.IGNORECASE
        )
        patterns.append(
            NeedPattern(
                id=pid,
                kind=kind,
                regex=regex,
                weight=float(row["weight"]),
                negatable=bool(row.get("negatable")),
                unless=row.get("unless"),
                clause_evidence=row.get("evidence") == "clause",
                requires=tuple(w.lower() for w in row.get("requires", ())),
                example=row.get("example", ""),
                # Read through `intents.literals` (one scan a segment), so big word lists cost little.
                gate=gate_for(regex, max_strings=200, min_length=2),
                starts=starts_for(regex),
            )
        )
    if not any(p.kind in ANCHORS for p in patterns):
        raise ValueError(f"{PATTERNS_FILE.name} holds no anchor patterns")
    return NeedRules(tuple(patterns), frozenset(vague), GateIndex(p.gate for p in patterns))


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    return function_words() | {
        "i'm",
        "we're",
        "i'd",
        "we'd",
        "i've",
        "we've",
        "it's",
        "that's",
        "don't",
        "can't",
        "im",
    }


# ----------------------------------------------------------------------------- scoring


@dataclass(slots=True)
class _Clause:
    segment: Segment
    start: int
    end: int
    score: float = 0.0
    anchor: str | None = None  # rule id of the strongest anchor
    anchor_kind: str | None = None
    anchor_start: int = 0
    clause_evidence: bool = False
    ev_start: int = 0
    ev_end: int = 0
    blocker: bool = False


def _readable(seg: Segment) -> bool:
    if seg.kind not in READ_KINDS or not seg.text.strip():
        return False
    if seg.kind == "other":
        return len(seg.text.split()) >= _MIN_OTHER_WORDS
    return True


def _clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans of the text's head: a need is stated in prose, not deep inside a pasted log."""
    limit = min(len(text), _HEAD_CHARS)
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, limit):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
        if len(spans) >= _MAX_CLAUSES:
            break
    if start < limit and len(spans) < _MAX_CLAUSES:
        spans.append((start, limit))
    # A "clause" longer than a few sentences is a paste: read its start only.
    spans = [(s, min(e, s + _MAX_CLAUSE_CHARS)) for s, e in spans]
    return [(s, e) for s, e in spans if _WORD_CHAR.search(text, s, e)]


def _score_segment(seg: Segment, rules: NeedRules, found: Occurrences) -> list[_Clause]:
    """`found`: where the patterns' words occur in the segment (`intents.literals`)."""
    text = seg.text
    scan = text.replace("’", "'")
    answers_need = seg.asked == "need" or bool(
        seg.question and _NEED_QUESTION.search(seg.question.split("?")[0][-160:] + "?")
    )
    lowered = scan.lower()
    present: dict[str, bool] = {}  # each `requires` word looked up once, when a pattern asks
    admitted = rules.gates.admitted(found)
    active = tuple(
        p
        for n, p in enumerate(rules.patterns)
        if n in admitted and (not p.requires or holds_any(lowered, p.requires, present))
    )
    clauses = [
        _score_clause(seg, scan, s, e, rules, _admitted(active, found, s, e), answers_need, found)
        for s, e in _clauses(text)
    ]
    # "we don't need payroll, just scheduling for 2 sites": the want carries over the contrast.
    if any(c.anchor_kind == "negated" for c in clauses):
        for c in clauses:
            if c.anchor is None and _CONTRAST_ONLY.search(scan, c.start, c.end):
                content = _content_count(scan, c.start, c.end, rules, ())
                if content:
                    c.anchor, c.anchor_kind, c.anchor_start = "need.want.contrast.v1", "want", c.start
                    c.score += 2.0 + min(2.0, 0.5 * content)
                    _set_evidence(c, scan)
    return clauses


def _admitted(
    patterns: tuple[NeedPattern, ...], found: Occurrences, start: int, end: int
) -> tuple[NeedPattern, ...]:
    """The patterns that can match within [start, end) of the text `found` was scanned from
    (order kept: ties go to the first)."""
    return tuple(p for p in patterns if p.gate is None or found.admits_within(p.gate, start, end))


def _score_clause(
    seg: Segment,
    scan: str,
    start: int,
    end: int,
    rules: NeedRules,
    patterns: tuple[NeedPattern, ...],
    answers_need: bool,
    found: Occurrences,
) -> _Clause:
    """`found`: where the patterns' words occur in `scan` (`intents.literals`)."""
    clause = _Clause(seg, start, end)
    piece = scan[start:end]
    size = len(piece)
    best_by_kind: dict[str, tuple[float, NeedPattern, int, int]] = {}
    covered: list[tuple[int, int]] = []
    vague: list[tuple[NeedPattern, int, int]] = []
    negated_at: int | None = None
    for pat in patterns:
        # The regex reads the clause alone, as `pat.regex.finditer(piece)` would.
        for m in found.finditer(pat.regex, piece, 0, size, pat.starts, pat.gate, offset=start):
            if m.end() == m.start():
                continue
            s, e = start + m.start(), start + m.end()
            if pat.negatable and is_negated(scan, s, e, window=4):
                if pat.kind in ("want", "action") and negated_at is None:
                    negated_at = e
                continue
            if pat.kind == "blocker":
                clause.blocker = True
                continue
            if pat.kind == "vague":
                vague.append((pat, s, e))
                continue
            prev = best_by_kind.get(pat.kind)
            if prev is None or pat.weight > prev[0] or (pat.weight == prev[0] and s < prev[2]):
                best_by_kind[pat.kind] = (pat.weight, pat, s, e)
    negated_want = negated_at is not None
    anchor_kinds = {kind for kind in best_by_kind if kind in ANCHORS}
    vague = [(p, s, e) for p, s, e in vague if p.unless not in anchor_kinds]
    vague_total = min((p.weight for p, _, _ in vague), default=0.0)
    covered.extend((s, e) for _, s, e in vague)
    anchors = [(w, p, s, e) for kind, (w, p, s, e) in best_by_kind.items() if kind in ANCHORS]
    if negated_want:
        # "we don't need accounting, just time tracking for 2 cafes": the want moves to what follows "just".
        contrast = _CONTRAST_ONLY.search(scan, negated_at, end)
        if (
            contrast
            and _content_count(scan, negated_at, contrast.start(), rules, covered) >= 1
            and _content_count(scan, contrast.end(), end, rules, covered) >= 1
        ):
            clause.anchor, clause.anchor_kind, clause.anchor_start = (
                "need.want.contrast.v1",
                "want",
                contrast.start(),
            )
            content = _content_count(scan, contrast.end(), end, rules, covered)
            clause.score = (
                2.0
                + best_by_kind.get("own", (0.0,))[0]
                + min(2.0, 0.5 * content)
                + (best_by_kind["scope"][0] if "scope" in best_by_kind else 0.0)
            )
            _set_evidence(clause, scan)
            return clause
    if negated_want and not anchors:
        # Only a concrete negated want ("we don't need payroll") lets a later "just X" carry it.
        if _content_count(scan, start, end, rules, covered) >= 1:
            clause.anchor_kind = "negated"
        return clause
    if not anchors:
        if answers_need and vague_total == 0:
            content = _content_count(scan, start, end, rules, covered)
            if content >= 2:
                clause.anchor, clause.anchor_kind, clause.anchor_start = (
                    "need.answer.to_need_question.v1",
                    "answer",
                    start,
                )
                clause.score = 2.0 + min(2.0, 0.5 * content) + sum(w for k, (w, *_r) in best_by_kind.items())
                _set_evidence(clause, scan)
        return clause
    # The anchor that starts the evidence: a want or action where there is one, else a problem or project.
    anchors.sort(
        key=lambda a: (_EVIDENCE_PRIORITY.get(a[1].kind, 9) + (1.5 if a[0] < 1.5 else 0.0), -a[0], a[2])
    )
    weight, pat, a_start, a_end = anchors[0]
    clause.anchor, clause.anchor_kind, clause.anchor_start = pat.id, pat.kind, a_start
    clause.clause_evidence = pat.clause_evidence
    # A want's object follows it; a project verb holds its object ("moving our file servers to").
    object_from = a_end if pat.kind == "want" else start
    content = _content_count(
        scan, object_from, end, rules, covered + ([(a_start, a_end)] if pat.kind == "want" else [])
    )
    if pat.kind == "want" and _PRONOUN_OBJECT.match(scan, a_end, end):
        content = 0  # "I want it under 5 days": the object is said elsewhere
    if pat.kind in ("want", "action") and content == 0:
        # "we need more info", "looking for a solution": the want has no concrete object.
        others = [a for a in anchors[1:] if a[1].kind in ("problem", "project")]
        if not others:
            clause.anchor = None
            return clause
        weight, pat, a_start, a_end = others[0]
        clause.anchor, clause.anchor_kind, clause.anchor_start = pat.id, pat.kind, a_start
        content = _content_count(scan, start, end, rules, covered + [(a_start, a_end)])
    score = sum(w for w, *_ in best_by_kind.values()) + vague_total + min(2.0, 0.5 * content)
    if negated_want:
        score -= 1.5
    clause.score = score
    _set_evidence(clause, scan)
    return clause


def _content_count(scan: str, start: int, end: int, rules: NeedRules, covered) -> int:
    """Words that make an object concrete: not function words, not vague words, not cue words."""
    stop = _function_words()
    # E-mail addresses, links and phone numbers are contact details, not the object of a need.
    covered = list(covered) + [(m.start(), m.end()) for m in _CONTACT_DETAIL.finditer(scan, start, end)]
    count = 0
    for w in words(scan, start, end):
        if any(s <= w.start < e for s, e in covered):
            continue
        raw = scan[w.start : w.end]
        acronym = raw.isupper() and len(raw) >= 2  # IT, CRM, SSO, AWS
        plain = len(w.text) > 1 and w.text not in stop and w.text not in rules.vague_words
        if acronym or w.text.isdigit() or plain:
            count += 1
    return count


def _set_evidence(clause: _Clause, scan: str) -> None:
    """The clause from its anchor on (a problem: the whole clause), trimmed to a short phrase."""
    from_cue = clause.anchor_kind in ("want", "action") and not clause.clause_evidence
    start = clause.anchor_start if from_cue else clause.start
    end = clause.end
    lead = _LEADING_FILLER.match(scan, start, end)
    if lead and lead.end() < end:
        start = lead.end()
    start += len(scan[start:end]) - len(scan[start:end].lstrip())
    toks = words(scan, start, end)
    if len(toks) > MAX_EVIDENCE_WORDS:
        if not from_cue:
            anchor_index = next((i for i, t in enumerate(toks) if t.end > clause.anchor_start), 0)
            first = max(0, min(anchor_index - 6, len(toks) - MAX_EVIDENCE_WORDS))
            start = toks[first].start
            end = toks[first + MAX_EVIDENCE_WORDS - 1].end
        else:
            end = toks[MAX_EVIDENCE_WORDS - 1].end
    while end > start and not (scan[end - 1].isalnum() or scan[end - 1] in ")%+"):
        end -= 1
    if end <= start:
        start, end = clause.start, clause.end
    clause.ev_start, clause.ev_end = start, end
