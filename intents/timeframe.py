"""Timeframe extraction: when a buyer wants to act, resolved to a date and an urgency.

`extract_timeframe(view, ctx)` reads every segment a person wrote and proposes
candidates (`Finding[Timeframe]`), each with the exact phrase as evidence, the
id of the rule that fired, a confidence and a hedged flag; `resolve.py` picks
one. Dates are resolved against `ctx.today` (the received date in its own
offset) exactly as SCHEMA.md's "Time" conventions say: a period stands for its
last day, ASAP and its idioms for the received week's Sunday, "after X" for the
day after X, "not until X" gives only an earliest date, and so on.

How it reads a phrase (Duckling's split of a time expression into pieces, with
spaCy-style pattern data):
- anchors (`patterns/timeframe.jsonl`, type `anchor`) find a period: "Q3",
  "next month", "March 15", "in 2 weeks", "Christmas", "FY27"; each names a
  resolver in `RESOLVERS` that turns the match into a `dates.Period`;
- modifiers just before or after an anchor change what the period means:
  "by", "not until", "right after", "end of", "start of", "at the latest";
- phrases (type `phrase`) are whole statements with no date: "no rush", "just
  researching", "the project is already under way", "just renewed for 2 more
  years";
- cues in the same clause drop what is not a buying timeframe: when to talk
  ("call me this week"), past events, growth plans, recurring events and
  durations ("a 6 month project").
Ambiguous anchors (a bare month, year, quarter, weekday, "2 weeks") need a
modifier, or a terse answer to a timing question (`segment.asked`), or a
timeline field.

Libraries tried: `dateparser` turns almost any token into a date ("to", "may",
"March" in "march forward"), knows nothing of business periods (end of Q3,
FY27, H2, EOM) or of SCHEMA.md's latest-date convention, and reads the clock
when no base is given; `python-dateutil`'s fuzzy parser has the same
over-reach. Both lose the span we need as evidence. So the grammar is our own,
and `dateutil` is used only for calendar arithmetic (`dates.py`) and Easter
(`holidays.py`). Month, weekday, number, unit, holiday and season words in
English, Spanish, German, French, Portuguese, Dutch and Italian are in
`lexicons/time_words.tsv`. The example corpus is
`tests/intents/corpus/timeframe_en.py`.

Speed: anchors and phrases are tried only where one of their triggers (the
first characters any match must start with) starts a word, found in one pass
over the segment; modifiers and cues carry gates and start strings
(`intents.prefilter`): they are not searched in text that lacks the words they
need, and are tried only where the words they begin with occur (found with
the other extractors' words, once a segment: `intents.literals`). Both
shortcuts are exact: they skip only what could not match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from . import dates
from .dates import Period
from .holidays import next_holiday
from .literals import segment_literals
from .prefilter import Gate, LiteralIndex, Occurrences, gate_for, starts_for, trie
from .prefilter import fold as gate_fold
from .text import Segment, TextView
from .types import Context, Finding, Timeframe

PATTERNS_FILE = Path(__file__).parent / "patterns" / "timeframe.jsonl"
LEXICON_FILE = Path(__file__).parent / "lexicons" / "time_words.tsv"

THE_AT_END = re.compile(r"\bthe\s+$", re.I)
BOUNDARY = re.compile(r"[.!?;]+(?=\s|$)|\n|\s[-–—]\s|\bbut\b", re.I)
SENTENCE = re.compile(r"[.!?;]+(?=\s|$)|\n")
WINDOW = 150  # characters a clause may extend either side of an anchor
MODIFIER_REACH = 90  # how far before an anchor a modifier may start
# Only the first MAX_SCAN characters of a segment are read: a timeframe is stated early, and
# a pasted 100 KB document must not cost more than a normal message (Presidio caps text too).
MAX_SCAN = 20_000
MAX_MATCHES = 200  # and at most this many pattern matches of a segment, in text order


# ---------------------------------------------------------------------------- public


def extract_timeframe(view: TextView, ctx: Context) -> list[Finding[Timeframe]]:
    """Timeframe candidates from every segment the person wrote."""
    return _extract(view, ctx, None)


def fired_rules(view: TextView, ctx: Context) -> set[str]:
    """Every rule id that took part in reading this view: anchors and phrases that gave a
    finding, and the modifiers and cues that shaped or dropped one (for --explain and the
    rule-coverage test)."""
    trace: set[str] = set()
    _extract(view, ctx, trace)
    return trace


def _extract(view: TextView, ctx: Context, trace: set[str] | None) -> list[Finding[Timeframe]]:
    rules = rule_set()
    fiscal_start = _fiscal_year_start(view, rules, trace) or ctx.fiscal_year_start_month
    env = _Env(ctx=ctx, today=ctx.today, fiscal_start=fiscal_start, trace=trace)
    findings: list[Finding[Timeframe]] = []
    for segment in view.segments:
        mode = _mode(segment)
        if segment.kind == "other" and mode != "free":
            env.note(rules.cues["talk_label" if mode is None else "timing_label"])
        if mode is not None:
            findings.extend(_scan(segment, mode, env, rules, segment_literals(view, segment)))
    return findings


def read_around_rules() -> tuple[Rule, ...]:
    """The rules read in the words around an anchor, whose words `intents.literals` looks for."""
    return tuple(r for r in rule_set().all if _read_around(r))


def _read_around(rule: Rule) -> bool:
    return rule.type in ("modifier", "cue") or (rule.type == "phrase" and rule.kind == "research")


def rule_ids() -> tuple[str, ...]:
    """Every rule id of the pattern file (for the rule-coverage test and --explain)."""
    return tuple(r.id for r in rule_set().all)


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    type: str  # anchor | phrase | modifier | cue | fiscal_start
    regex: re.Pattern[str]
    resolve: str | None = None
    context: str = "free"  # free | modifier | deadline | latent
    kind: str | None = None
    confidence: float = 0.8
    effect: str | None = None
    role: str | None = None
    cls: str | None = None
    arg: object = None
    triggers: frozenset[str] | None = None  # see _triggers()
    reach: int = 32  # modifiers: how far back from the anchor the match may start
    # Words one of which every match holds (`intents.prefilter`): a text without them is not searched.
    gate: Gate | None = None
    # Rules read around an anchor (modifiers, cues, research phrases): the strings one of which
    # every match begins with, so the regex is tried only where one occurs (`_find`).
    starts: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    all: tuple[Rule, ...]
    anchors: tuple[Rule, ...]
    phrases: tuple[Rule, ...]
    fiscal: tuple[Rule, ...]
    position: tuple[Rule, ...]
    lead: tuple[Rule, ...]
    lead_offset: tuple[Rule, ...]
    suffix: tuple[Rule, ...]
    cues: dict[str, Rule]
    # The rules `_scan` looks for, in order, and where each may start: trigger -> their indexes;
    # the few triggers shorter than PREFIX_LEN are also kept apart (a small set, looked up often).
    scanned: tuple[Rule, ...] = ()
    by_trigger: dict[str, tuple[int, ...]] = field(default_factory=dict)
    short_triggers: frozenset[str] = frozenset()
    short_heads: frozenset[str] = frozenset()  # every leading part of a short trigger
    trigger_index: LiteralIndex | None = None  # every trigger, found in one pass over a segment


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, str]]:
    """kind -> {word (lower case): value} from lexicons/time_words.tsv."""
    table: dict[str, dict[str, str]] = {}
    with LEXICON_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#") or line.startswith("kind\t"):
                continue
            kind, value, _lang, word = line.rstrip("\n").split("\t")
            table.setdefault(kind, {}).setdefault(_fold(word).lower(), value)
    if not table:
        raise RuntimeError(f"{LEXICON_FILE.name} is empty")
    return table


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words` as a trie: "(?:ju(?:ly|ne)|...)" (`prefilter.trie`)."""
    return "(?:" + trie(set(words)) + ")"


PREFIX_LEN = 5
_START = re.compile(r"(?<!\w)\w|(?<!\d)\d|[^\w\s]")
_DIGITS = str.maketrans("0123456789", "##########")


def _triggers(pattern: str) -> frozenset[str] | None:
    """The first PREFIX_LEN characters (lower case, digits as '#') any match must start with,
    or None when that cannot be told. A segment that holds none of them is not scanned."""
    try:
        parsed = re._parser.parse(pattern, re.I)  # type: ignore[attr-defined]
        found = _first(list(parsed), {("", False)})
    except Exception:  # noqa: BLE001 - an unknown construct only disables the shortcut
        return None
    if not found or any(not text for text, _ in found):
        return None
    return frozenset(text for text, _ in found)


def _first(items: list, prefixes: set[tuple[str, bool]]) -> set[tuple[str, bool]]:
    """Walk a parsed regex, extending each (prefix, done) with the characters it must match."""
    from re import _constants as c  # type: ignore[attr-defined]

    def extend(chars: list[str]) -> set[tuple[str, bool]]:
        out = set()
        for text, done in prefixes:
            if done:
                out.add((text, done))
                continue
            for ch in chars:
                new = text + ch
                out.add((new, len(new) >= PREFIX_LEN))
        return out

    def stop() -> set[tuple[str, bool]]:
        return {(text, True) for text, _ in prefixes}

    for op, arg in items:
        if all(done for _, done in prefixes):
            break
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        if op is c.LITERAL:
            prefixes = extend([chr(arg).lower().translate(_DIGITS)])
        elif op is c.IN:
            chars: set[str] = set()
            for kind, value in arg:
                if kind is c.LITERAL:
                    chars.add(chr(value).lower().translate(_DIGITS))
                elif (
                    kind is c.RANGE
                    and value[0] >= 48
                    and value[1] <= 57
                    or kind is c.CATEGORY
                    and value is c.CATEGORY_DIGIT
                ):
                    chars.add("#")
                else:
                    chars = set()
                    break
            prefixes = extend(sorted(chars)) if chars and len(chars) <= 12 else stop()
        elif op is c.SUBPATTERN:
            prefixes = _first(list(arg[-1]), prefixes)
        elif op is c.BRANCH:
            merged: set[tuple[str, bool]] = set()
            for alternative in arg[1]:
                merged |= _first(list(alternative), prefixes)
            prefixes = merged
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            once = _first(list(sub), prefixes)
            if high != 1:
                once = {(text, True) for text, _ in once}
            prefixes = (prefixes | once) if low == 0 else once
        else:
            prefixes = stop()
    return prefixes


def _segment_prefixes(search: str, rules: RuleSet) -> dict[str, list[int]]:
    """Where each trigger (a PREFIX_LEN-or-shorter string) starts a word, a digit run or a symbol."""
    lowered = search.lower().translate(_DIGITS)
    if len(lowered) != len(search) or rules.trigger_index is None:  # "İ".lower() is two characters long
        return _segment_prefixes_by_position(search, rules)
    # Every place a trigger begins, found in one pass, then kept where a word, number or symbol
    # starts (`_START` matches one character, so it matches at i exactly when finditer finds i).
    at_start: dict[int, bool] = {}
    found: dict[str, list[int]] = {}
    for trigger, positions in rules.trigger_index.scan(lowered).starts.items():
        kept = []
        for i in positions:
            starts = at_start.get(i)
            if starts is None:
                starts = at_start[i] = _START.match(search, i) is not None
            if starts:
                kept.append(i)
        if kept:
            found[trigger] = kept
    return found


def _segment_prefixes_by_position(search: str, rules: RuleSet) -> dict[str, list[int]]:
    """`_segment_prefixes`, reading the lower-cased head at each start on its own."""
    lowered = search.lower().translate(_DIGITS)
    aligned = len(lowered) == len(search)
    short, short_heads, triggers = rules.short_triggers, rules.short_heads, rules.by_trigger
    found: dict[str, list[int]] = {}
    for m in _START.finditer(search):
        i = m.start()
        head = (
            lowered[i : i + PREFIX_LEN] if aligned else search[i : i + PREFIX_LEN].lower().translate(_DIGITS)
        )
        for n in range(1, min(len(head) + 1, PREFIX_LEN)):
            part = head[:n]
            if part not in short_heads:
                break  # no short trigger begins so, nor with anything longer
            if part in short:
                found.setdefault(part, []).append(i)
        if len(head) >= PREFIX_LEN and (part := head[:PREFIX_LEN]) in triggers:
            found.setdefault(part, []).append(i)
    return found


def _scanned_matches(search: str, rules: RuleSet) -> list[tuple[Rule, re.Match[str]]]:
    """Every match of the scanned rules, rule by rule; a rule with triggers is tried only where
    one of them starts (like finditer, without trying every other position)."""
    starts: dict[int, set[int]] = {}
    for trigger, positions in _segment_prefixes(search, rules).items():
        for index in rules.by_trigger[trigger]:
            starts.setdefault(index, set()).update(positions)
    found: list[tuple[Rule, re.Match[str]]] = []
    for index, rule in enumerate(rules.scanned):
        if rule.triggers is None:
            found.extend((rule, m) for m in rule.regex.finditer(search))
            continue
        if index not in starts:
            continue
        last_end = -1
        for pos in sorted(starts[index]):
            if pos < last_end:
                continue
            m = rule.regex.match(search, pos)
            if m and m.end() > m.start():
                last_end = m.end()
                found.append((rule, m))
    return found


@lru_cache(maxsize=1)
def rule_set() -> RuleSet:
    lex = lexicon()
    macros = {
        "{MONTH}": _alternation(lex["month"]),
        "{WEEKDAY}": _alternation(lex["weekday"]),
        "{NUM}": _alternation(lex["number"]),
        "{UNIT}": _alternation(lex["unit"]),
        "{HOLIDAY}": _alternation(lex["holiday"]),
        "{SEASON}": _alternation(lex["season"]),
        "{ORD}": _alternation(lex["ordinal"]),
    }
    rules: list[Rule] = []
    with PATTERNS_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            data = json.loads(line)
            pattern = data["pattern"]
            for name, alternation in macros.items():
                pattern = pattern.replace(name, alternation)
            kind_of_match = data.get("role")
            if data["type"] == "modifier" and kind_of_match in ("position", "lead", "lead_offset"):
                pattern = f"(?:{pattern})\\s*$"  # right-anchored on the text before an anchor
            rules.append(
                Rule(
                    id=data["id"],
                    type=data["type"],
                    regex=re.compile(pattern, re.I),
                    resolve=data.get("resolve"),
                    context=data.get("context", "free"),
                    kind=data.get("kind"),
                    confidence=float(data.get("confidence", 0.8)),
                    effect=data.get("effect"),
                    role=data.get("role"),
                    cls=data.get("class"),
                    arg=data.get("arg"),
                    triggers=_triggers(pattern)
                    if data["type"] in ("anchor", "phrase", "fiscal_start")
                    else None,
                    reach=MODIFIER_REACH if "{0," in data["pattern"] else 32,
                )
            )
    if not rules:
        raise RuntimeError(f"{PATTERNS_FILE.name} has no patterns")
    rules = [
        replace(r, gate=gate_for(r.regex, max_strings=200, min_length=2), starts=starts_for(r.regex))
        if _read_around(r)
        else replace(r, gate=gate_for(r.regex))
        for r in rules
    ]
    by_role = lambda role: tuple(r for r in rules if r.type == "modifier" and r.role == role)  # noqa: E731
    scanned = (
        *(r for r in rules if r.type == "anchor"),
        *(r for r in rules if r.type == "phrase"),
        *(r for r in rules if r.type == "fiscal_start"),
    )
    by_trigger: dict[str, list[int]] = {}
    for index, rule in enumerate(scanned):
        for trigger in sorted(rule.triggers or ()):
            by_trigger.setdefault(trigger, []).append(index)
    return RuleSet(
        all=tuple(rules),
        anchors=tuple(r for r in rules if r.type == "anchor"),
        phrases=tuple(r for r in rules if r.type == "phrase"),
        fiscal=tuple(r for r in rules if r.type == "fiscal_start"),
        position=by_role("position"),
        lead=by_role("lead"),
        lead_offset=by_role("lead_offset"),
        suffix=by_role("suffix"),
        cues={r.cls: r for r in rules if r.type == "cue" and r.cls},
        scanned=scanned,
        by_trigger={trigger: tuple(indexes) for trigger, indexes in by_trigger.items()},
        short_triggers=frozenset(t for t in by_trigger if len(t) < PREFIX_LEN),
        short_heads=frozenset(t[:n] for t in by_trigger if len(t) < PREFIX_LEN for n in range(1, len(t) + 1)),
        trigger_index=LiteralIndex((), [frozenset(by_trigger)]),
    )


# ---------------------------------------------------------------------------- scanning


@dataclass(frozen=True, slots=True)
class _Env:
    ctx: Context
    today: date
    fiscal_start: int
    trace: set[str] | None = None

    def note(self, *rules: Rule | None) -> None:
        if self.trace is not None:
            self.trace.update(r.id for r in rules if r is not None)


@dataclass(slots=True)
class _Cand:
    rule: Rule
    match: re.Match[str]
    start: int  # evidence start (modifiers included)
    end: int  # evidence end (suffix included)
    lead: Rule | None = None
    lead_text: str = ""
    position: Rule | None = None
    suffix: Rule | None = None
    notes: list[Rule] = field(default_factory=list)  # cues that let it through, for the trace


def _fold(text: str) -> str:
    """Same-length folding so offsets stay valid: curly quotes and odd spaces."""
    return text.translate(_FOLD)


_FOLD = str.maketrans({"’": "'", "‘": "'", "`": "'", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " "})


def _mode(segment: Segment) -> str | None:
    """free (ordinary text), latent (terse answer allowed), field (a timeline dropdown) or None (skip)."""
    if segment.kind == "timeline":
        return "field"
    if segment.kind == "other":
        label = segment.label or ""
        cues = rule_set().cues
        if cues["talk_label"].regex.search(label):
            return None
        return "field" if cues["timing_label"].regex.search(label) else "free"
    if segment.kind == "turn":
        if segment.asked == "timeframe" and not (segment.question and _talk_question(segment.question)):
            return "latent"
        return "free"
    if segment.kind in ("message", "subject"):
        return "free"
    return None


def _talk_question(question: str) -> bool:
    tail = re.split(r"(?<=[.!])\s+", question.strip())[-1]
    return bool(rule_set().cues["talk"].regex.search(_fold(tail)))


def _fiscal_year_start(view: TextView, rules: RuleSet, trace: set[str] | None = None) -> int | None:
    """The fiscal year's first month when the person says when it starts or ends."""
    months = lexicon()["month"]
    for segment in view.segments:
        text = _fold(segment.text)
        folded = gate_fold(text)
        for rule in rules.fiscal:
            if rule.gate is not None and not rule.gate.admits(folded):
                continue
            m = rule.regex.search(text)
            if not m:
                continue
            word = next((g for g in m.groups() if g), None)
            if word is None or word.lower() not in months:
                continue
            month = int(months[word.lower()])
            if trace is not None:
                trace.add(rule.id)
            return month if rule.effect == "start" else month % 12 + 1
    return None


def _scan(
    segment: Segment, mode: str, env: _Env, rules: RuleSet, words: Occurrences
) -> list[Finding[Timeframe]]:
    """`words`: where the rules' words occur in the segment (`intents.literals`: its text folded,
    which folds the same as `search`)."""
    search = _fold(segment.text[:MAX_SCAN])
    found = _scanned_matches(search, rules)
    found.sort(key=lambda rule_match: rule_match[1].start())
    candidates: list[_Cand] = []
    for rule, m in found[:MAX_MATCHES]:
        if rule.type == "anchor":
            cand = _anchor_candidate(rule, m, search, mode, rules, words)
            if cand is not None:
                candidates.append(cand)
        else:
            candidates.append(_Cand(rule, m, m.start(), m.end()))
    findings = []
    for cand in _non_overlapping(candidates):
        finding = _finding(cand, segment, search, words, mode, env, rules)
        if finding is not None:
            findings.append(finding)
    return findings


def _non_overlapping(candidates: list[_Cand]) -> list[_Cand]:
    """Longest match first (its core, without modifiers), then the earlier one."""
    chosen: list[_Cand] = []
    taken: list[tuple[int, int]] = []
    ordered = sorted(candidates, key=lambda c: (-(c.match.end() - c.match.start()), c.match.start()))
    for cand in ordered:
        s, e = cand.match.start(), cand.match.end()
        if any(s < te and ts < e for ts, te in taken):
            continue
        chosen.append(cand)
        taken.append((s, e))
    return sorted(chosen, key=lambda c: c.start)


def _clause_bounds(
    search: str, start: int, end: int, boundary: re.Pattern[str] = BOUNDARY
) -> tuple[int, int]:
    """The clause (or, with SENTENCE, the sentence) around search[start:end], bounded by WINDOW."""
    lo = max(0, start - WINDOW)
    left = lo
    for b in boundary.finditer(search, lo, start):
        left = b.end()
    right = min(len(search), end + WINDOW)
    b = boundary.search(search, end, right)
    return left, (b.start() if b else right)


def _right_match(
    mods: tuple[Rule, ...], text: str, at: int | None = None, words: Occurrences | None = None
) -> tuple[Rule, re.Match[str]] | None:
    """The modifier that ends where `text` ends and starts earliest (within MODIFIER_REACH).

    `text` is the segment's text from `at` on, when `words` (its literals) are given."""
    best: tuple[Rule, re.Match[str]] | None = None
    folded = gate_fold(text) if words is None else ""
    for rule in mods:
        start = max(0, len(text) - rule.reach)
        if words is not None and at is not None:
            m = _find(rule, text, at, words, start)
        elif rule.gate is not None and not rule.gate.admits_within(folded, start, len(text)):
            continue
        else:
            m = rule.regex.search(text, start)
        if m and (best is None or m.start() < best[1].start()):
            best = (rule, m)
    return best


def _find(rule: Rule, text: str, at: int, words: Occurrences, pos: int = 0) -> re.Match[str] | None:
    """`rule.regex.search(text, pos)`, where `text` is the segment's text from `at` on and `words`
    its literals: the regex is tried only where the rule's words say a match may begin."""
    end = len(text)
    if rule.gate is not None and not words.admits_within(rule.gate, at + pos, at + end):
        return None
    return next(words.finditer(rule.regex, text, pos, end, rule.starts, rule.gate, offset=at), None)


def _finditer(rule: Rule, text: str, at: int, words: Occurrences) -> Iterator[re.Match[str]]:
    """`rule.regex.finditer(text)`, `text` being the segment's text from `at` on (see `_find`)."""
    if rule.gate is not None and not words.admits_within(rule.gate, at, at + len(text)):
        return iter(())
    return words.finditer(rule.regex, text, 0, len(text), rule.starts, rule.gate, offset=at)


def _anchor_candidate(
    rule: Rule, m: re.Match[str], search: str, mode: str, rules: RuleSet, words: Occurrences
) -> _Cand | None:
    s, e = m.span()
    if e <= s:
        return None
    clause_start, _ = _clause_bounds(search, s, e)
    left = search[clause_start:s]
    cand = _Cand(rule, m, s, e)
    is_offset = rule.resolve in ("offset", "offset_fixed", "offset_plus")
    if not is_offset:
        pos = _right_match(rules.position, left, clause_start, words)
        if pos:
            cand.position = pos[0]
            cand.start = clause_start + pos[1].start()
            left = left[: pos[1].start()]
    leads = rules.lead_offset if is_offset else rules.lead
    lead = _right_match(leads, left, clause_start, words)
    if lead is None and not m.group(0).lower().startswith("the "):
        article = THE_AT_END if is_offset else rules.cues["article"].regex
        lead = _right_match(leads, article.sub("", left))  # "in the summer", "in het kwartaal"
        if lead and not is_offset:
            cand.notes.append(rules.cues["article"])
    if (
        lead
        and lead[1].group(0).strip().lower() in ("a", "à")
        and rule.resolve not in ("month_named", "season")
    ):
        lead = None  # Italian "a settembre", French "à l'automne"; in English "a Q3 launch" is no lead
    if lead:
        cand.lead, cand.lead_text = lead[0], lead[1].group(0).strip().lower()
        cand.start = clause_start + lead[1].start()
    tail = search[e : e + 40]
    for suffix in rules.suffix:
        sm = suffix.regex.match(tail)
        if sm and sm.end() > 0:
            cand.suffix = suffix
            cand.end = e + sm.end()
            break
    return cand if _context_ok(cand, search, mode) else None


def _alone_in_clause(cand: _Cand, search: str) -> bool:
    """The anchor is its own short clause, give or take a hedge: "Maybe Q3.", "June, probably." """
    start, end = _clause_bounds(search, cand.match.start(), cand.match.end())
    rest = (search[start : cand.match.start()] + " " + search[cand.match.end() : end]).lower()
    words = re.findall(r"[a-z']+", rest)
    if len(words) > 3 or not all(w in lexicon()["filler"] for w in words):
        return False
    # A bare "q3" as the whole message is a terse answer: it needs a timing question.
    return bool(words) or bool(search[:start].strip(" .,!?;\n") or search[end:].strip(" .,!?;\n"))


def _context_ok(cand: _Cand, search: str, mode: str) -> bool:
    rule, m = cand.rule, cand.match
    latent = mode in ("latent", "field")
    groups = m.groupdict()
    month_word = groups.get("month")
    if (
        month_word
        and month_word.lower() in lexicon()["ambiguous_month"]
        and not month_word[0].isupper()
        and cand.lead is None
        and cand.position is None
        and not latent
    ):
        return False
    context = rule.context
    if rule.resolve in ("date", "slash_date") and groups.get("year"):
        context = "free"
    if context == "free":
        return True
    if context == "latent":
        return latent
    if latent:
        return True
    if any(groups.get(g) for g in ("year", "year2", "yy", "yy2", "yrel")) and rule.resolve != "year_named":
        return True  # "January next year", "Q3 2026"
    if (groups.get("rel") or "").lower() in lexicon()["qualifying_rel"]:
        return True  # "this fall", "next Friday"
    if context == "modifier":
        if cand.lead or cand.position or cand.suffix:
            return True
        act_noun = rule_set().cues["act_noun_after"]
        if act_noun.regex.match(search[m.end() : m.end() + 20]):
            cand.notes.append(act_noun)
            return True
        return _alone_in_clause(cand, search)
    if context == "deadline":
        if cand.position is not None or (cand.lead is not None and cand.lead.effect != "by"):
            return True
        return cand.lead is not None and cand.lead_text.startswith(tuple(lexicon()["deadline_lead"]))
    return False


# ---------------------------------------------------------------------------- findings


def _finding(
    cand: _Cand, segment: Segment, search: str, words: Occurrences, mode: str, env: _Env, rules: RuleSet
) -> Finding[Timeframe] | None:
    """`words`: where the rules' words occur in `search` (`intents.literals`)."""
    rule, m = cand.rule, cand.match
    clause_start, clause_end = _clause_bounds(search, m.start(), m.end())
    left = search[clause_start : cand.start]
    right = search[m.end() : clause_end]
    cues = rules.cues
    sentence_start, sentence_end = _clause_bounds(search, m.start(), m.end(), SENTENCE)
    contract = bool(_cue_search(cues["contract"], search, words, sentence_start, sentence_end))
    hedged = bool(
        _cue_search(
            cues["hedge"], search, words, max(clause_start, cand.start - 40), min(clause_end, cand.end + 25)
        )
    )

    if rule.type == "fiscal_start":
        value = _fiscal_statement_value(cand, search, clause_start, env, rules, words)
    elif rule.type == "phrase":
        value = _phrase_value(rule, m, env)
    else:
        if mode != "field" and not _is_buying_time(
            cand, segment, search, (left, clause_start), (right, m.end()), contract, rules, env, words
        ):
            return None
        if mode == "latent" and not _terse_enough(cand, search, clause_start, clause_end):
            return None
        if cues["possessive_after"].regex.match(right):
            env.note(cues["possessive_after"])
            return None
        budget_after = bool(cues["budget_after"].regex.match(search[m.end() : m.end() + 20]))
        budget = (
            budget_after
            or _nearest_cue(left, clause_start, words, rules, ("budget", "act", "talk")) == "budget"
        )
        if budget:
            env.note(cues["budget_after"] if budget_after else cues["budget"])
        clause = search[clause_start:clause_end]
        researching = mode != "field" and any(
            _find(r, clause, clause_start, words) for r in rules.phrases if r.kind == "research"
        )
        until_then = contract and bool(
            _cue_search(cues["until_then"], search, words, sentence_start, sentence_end)
        )
        if until_then:
            env.note(cues["until_then"])
        value = _anchor_value(cand, env, mode, contract, budget or researching, until_then)
    if value is None:
        return None
    env.note(rule, cand.lead, cand.position, cand.suffix, *cand.notes)
    if contract:
        env.note(cues["contract"])
    if hedged:
        env.note(cues["hedge"])
    confidence = rule.confidence - (0.1 if hedged else 0.0) - (0.05 if mode == "latent" else 0.0)
    return Finding(
        value=value,
        evidence=(TextView.evidence(segment, cand.start, cand.end),),
        confidence=round(max(0.05, min(1.0, confidence)), 3),
        rule=rule.id,
        hedged=hedged,
    )


def _cue_search(cue: Rule, search: str, words: Occurrences, start: int, end: int) -> re.Match[str] | None:
    """`cue.regex.search(search[start:end])`, not run where its words say it cannot match."""
    if cue.gate is not None and not words.admits_within(cue.gate, start, end):
        return None
    return _find(cue, search[start:end], start, words)


def _nearest_cue(
    left: str, at: int, words: Occurrences, rules: RuleSet, classes: tuple[str, ...]
) -> str | None:
    return _nearest_cue_at(left, at, words, rules, classes)[0]


def _nearest_cue_at(
    left: str, at: int, words: Occurrences, rules: RuleSet, classes: tuple[str, ...]
) -> tuple[str | None, int]:
    """The cue class whose last match ends nearest the end of `left` (the segment's text from `at`
    on), and its distance."""
    best, best_end = None, -1
    for cls in classes:
        for m in _finditer(rules.cues[cls], left, at, words):
            if m.end() > best_end:
                best, best_end = cls, m.end()
    return best, (len(left) - best_end if best else len(left) + 1)


def _terse_enough(cand: _Cand, search: str, clause_start: int, clause_end: int) -> bool:
    """A bare anchor counts as an answer only when the turn (or its first clause) is short:
    "q3", "next month probably", not "there are only three of us right now"."""
    if cand.lead or cand.position or cand.suffix or cand.rule.context == "free":
        return True
    words = len(re.findall(r"\w+", search))
    if words <= 6:
        return True
    if clause_start == 0 and len(re.findall(r"\w+", search[clause_start:clause_end])) <= 5:
        return True
    # "before the new school year, so august": the anchor's own comma-separated piece is short.
    lo = max(search.rfind(",", clause_start, cand.match.start()) + 1, clause_start)
    hi = search.find(",", cand.match.end(), clause_end)
    piece = search[lo : hi if hi >= 0 else clause_end]
    return len(re.findall(r"\w+", piece)) <= 3


def _is_buying_time(
    cand: _Cand,
    segment: Segment,
    search: str,
    left_at: tuple[str, int],
    right_at: tuple[str, int],
    contract: bool,
    rules: RuleSet,
    env: _Env,
    words: Occurrences,
) -> bool:
    """Drop when-to-talk, past, growth-plan, recurring and duration readings.

    `left_at`, `right_at`: the clause's words before and after the anchor, each with where it
    begins in `search`; `words`: where the rules' words occur in `search`."""
    cues = rules.cues
    left, at_left = left_at
    right, at_right = right_at

    def in_left(cls: str, pos: int = 0) -> re.Match[str] | None:
        return _find(cues[cls], left, at_left, words, pos)

    def in_right(cls: str) -> re.Match[str] | None:
        return _find(cues[cls], right, at_right, words)

    if in_left("recurring"):
        env.note(cues["recurring"])
        return False
    if cand.rule.resolve in ("offset", "offset_fixed") and cues["duration_after"].regex.match(right):
        env.note(cues["duration_after"])
        return False
    deadline_lead = cand.lead is not None and cand.lead_text.startswith(tuple(lexicon()["deadline_lead"]))
    if cues["attributive_after"].regex.match(right) and not deadline_lead:
        env.note(cues["attributive_after"])
        return False
    habit_ends = [h.end() for h in _finditer(cues["habitual"], left, at_left, words)]
    if habit_ends or in_right("habitual"):
        # A habit ("we onboard 200 people every autumn in three weeks") unless a need of
        # their own comes after it: "we ship 200 orders a month and need it within a month".
        since = habit_ends[-1] if habit_ends else 0
        if not in_left("act_strong", since):
            env.note(cues["habitual"])
            return False
    nearest, distance = _nearest_cue_at(
        left, at_left, words, rules, ("talk", "act", "past", "growth", "event", "vendor", "identifier")
    )
    if cues["then_after"].regex.match(right):
        env.note(cues["then_after"])
        nearest = "act"
    if nearest is not None:
        env.note(cues[nearest])
    if nearest in ("talk", "vendor", "identifier"):
        return False
    if (
        in_left("vendor")
        and search[_clause_bounds(search, cand.match.start(), cand.match.end())[1] :][:1] == "?"
    ):
        env.note(cues["vendor"])
        return False  # "Do you support fiscal years that start in April?"
    talk_right = _find(cues["talk"], right[:30], at_right, words)
    if (nearest != "act" and cues["talk_after"].regex.match(right)) or (
        talk_right and talk_right.start() < distance
    ):
        env.note(cues["talk_after"])
        return False
    if (
        nearest is None
        and segment.question
        and (segment.asked == "contact" or _talk_question(segment.question))
    ):
        return False  # "ideally next week" in answer to "Would you like a demo?"
    if in_left("past_attempt") or cues["past_after"].regex.match(right):
        env.note(cues["past_attempt"], cues["past_after"])
        return False
    if nearest == "past":
        return contract and _contract_after_past(
            search[at_left : cand.match.start()], at_left, right, at_right, rules, words
        )
    acting = bool(in_left("act") or in_right("act"))
    if nearest == "event":
        if not acting and in_left("deadline_word"):
            env.note(cues["deadline_word"])
            return True
        return acting
    if nearest == "growth" or (not acting and in_right("growth")):
        if in_left("act_strong"):
            env.note(cues["act_strong"])
            return True
        return False
    return True


def _contract_after_past(
    left: str, at_left: int, right: str, at_right: int, rules: RuleSet, words: Occurrences
) -> bool:
    """ "We signed a contract that runs until 2028": the contract is still running.
    (`left` and `right` begin at `at_left` and `at_right` in the text `words` were found in.)"""
    ends = [m.end() for m in _finditer(rules.cues["past"], left, at_left, words)]
    cut = ends[-1] if ends else 0
    contract = rules.cues["contract"]
    return bool(_find(contract, left[cut:], at_left + cut, words) or _find(contract, right, at_right, words))


def _fiscal_statement_value(
    cand: _Cand, search: str, clause_start: int, env: _Env, rules: RuleSet, words: Occurrences
) -> Timeframe | None:
    """ "Our fiscal year starts in April" says when a year starts: no timeframe, unless it
    follows "until" ("nothing can be spent until the next fiscal year starts in October"): then the
    start is an earliest date."""
    lead = _right_match(rules.lead, search[clause_start : cand.start], clause_start, words)
    if lead is None or lead[0].effect not in ("earliest", "earliest_after"):
        return None
    word = next((g for g in cand.match.groups() if g), None)
    months = lexicon()["month"]
    if word is None or word.lower() not in months:
        return None
    month = int(months[word.lower()])
    if cand.rule.effect == "end":
        month = month % 12 + 1
    first = dates.next_month_named(month, env.today).start
    if first < env.today:
        first = date(first.year + 1, month, 1)
    cand.lead, cand.start = lead[0], clause_start + lead[1].start()
    return Timeframe(urgency=dates.urgency_of(first, env.today), earliest=first, kind="earliest")


def _phrase_value(rule: Rule, m: re.Match[str], env: _Env) -> Timeframe | None:
    if rule.kind in ("vague", "research"):
        return Timeframe(urgency="none", kind="vague")
    if rule.kind == "ongoing":
        return Timeframe(urgency="immediate", kind="ongoing")
    if rule.resolve in ("contract_offset", "contract_vague"):
        amount = _number(_group(m, "num", "num2", "num3"))
        unit = _unit(_group(m, "unit", "unit2", "unit3"))
        if amount is None or unit is None or amount <= 0:
            return None
        end = dates.add_units(env.today, amount, unit)
        if rule.resolve == "contract_offset":
            return Timeframe(urgency=dates.urgency_of(end, env.today), by=end, kind="deadline")
        return Timeframe(urgency=dates.urgency_of(end, env.today), kind="deadline")
    return None


def _anchor_value(
    cand: _Cand, env: _Env, mode: str, contract: bool, not_before: bool = False, until_then: bool = False
) -> Timeframe | None:
    """The value of an anchor and its modifiers. `not_before`: the period says when money or
    attention is there ("budget allocated for Q2", "researching options for next year"), so it
    is an earliest date; `until_then`: "locked in until then" makes "not until X" the contract end."""
    rule, m = cand.rule, cand.match
    today = env.today
    if rule.resolve == "offset_plus":
        bound = _offset_bound(m, today)
        if bound is None:
            return None
        return Timeframe(
            urgency=_urgency_beyond(bound, today),
            earliest=bound,
            kind="dropdown" if mode == "field" else "earliest",
        )
    try:
        period = RESOLVERS[rule.resolve or ""](m, env, rule.arg)
    except (ValueError, KeyError, OverflowError):
        return None
    if period is None:
        return None
    pos = cand.position.effect if cand.position else None
    if pos == "start":
        target = period.start
    elif pos == "first_week":
        target = min(period.start + timedelta(days=6), period.end)
    elif pos == "mid":
        target = _midpoint(period)
    else:
        target = period.end
    lead = cand.lead.effect if cand.lead else None
    suffix = cand.suffix.effect if cand.suffix else None
    if lead == "earliest" and until_then and re.search(r"\b(?:until|till|'til|til)\b", cand.lead_text):
        lead = "deadline"  # "won't change anything until 2028, we're tied in until then": the contract end
    if (
        not_before
        and lead not in ("earliest", "earliest_after", "after")
        and mode != "field"
        and period.start > today
    ):
        lead = "earliest"  # "budget allocated for Q2": money is there from then on
    if lead == "earliest" or suffix == "earliest" or lead == "earliest_after":
        first = period.start if pos is None else target
        if lead == "earliest_after":
            first = period.end + timedelta(days=1)
        if first < today:
            return None
        return Timeframe(urgency=dates.urgency_of(first, today), earliest=first, kind="earliest")
    if lead == "after":
        target = target + timedelta(days=1)
    if target < today:
        return None  # a past date is not a buying timeframe
    if mode == "field":
        kind = "dropdown"
    elif lead == "deadline" or suffix == "deadline" or contract:
        kind = "deadline"
    else:
        kind = "date"
    return Timeframe(urgency=dates.urgency_of(target, today), by=target, kind=kind)


def _midpoint(period: Period) -> date:
    """ "mid-April" is the 15th; "mid-2027" the end of June; "mid-Q3" the end of July."""
    if (period.end - period.start).days <= 31:
        return period.start + timedelta(days=14)
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    return dates.add_months(period.start, months // 2) - timedelta(days=1)


def _urgency_beyond(bound: date, today: date) -> str:
    """Urgency of "more than N" (a dropdown's "12+ months"): the bucket just past the bound."""
    if bound >= dates.add_months(today, 12):
        return "later"
    if bound >= dates.add_months(today, 3):
        return "year"
    if bound >= dates.add_months(today, 1):
        return "quarter"
    return "immediate"


# ---------------------------------------------------------------------------- resolvers


def _number(word: str | None) -> float | None:
    if not word:
        return None
    word = word.strip().lower()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", word):
        return float(word.replace(",", "."))
    value = lexicon()["number"].get(word)
    return float(value) if value is not None else None


def _unit(word: str | None) -> str | None:
    return lexicon()["unit"].get(word.strip().lower()) if word else None


def _group(m: re.Match[str], *names: str) -> str | None:
    groups = m.groupdict()
    for name in names:
        if groups.get(name):
            return groups[name]
    return None


def _year(m: re.Match[str], env: _Env) -> int | None:
    full = _group(m, "year", "year2")
    if full:
        year = int(full)
        return year + 2000 if year < 100 else year
    short = _group(m, "yy", "yy2")
    if short:
        return 2000 + int(short)
    rel = (_group(m, "yrel", "rel") or "").lower()
    if rel == "this":
        return env.today.year
    if rel == "next":
        return env.today.year + 1
    return None


def _month(m: re.Match[str]) -> int | None:
    word = _group(m, "month")
    if word:
        return int(lexicon()["month"][word.lower().rstrip(".")])
    number = _group(m, "month_n")
    return int(number) if number else None


def _offset_amount(m: re.Match[str]) -> tuple[float, str] | None:
    amount = _number(_group(m, "num2", "num3")) or _number(_group(m, "num"))
    unit = _unit(_group(m, "unit", "unit2"))
    if amount is None or unit is None or amount <= 0 or amount > 400:
        return None
    return amount, unit


def _offset_bound(m: re.Match[str], today: date) -> date | None:
    found = _offset_amount(m)
    return dates.add_units(today, *found) if found else None


def _r_asap(m, env, arg):
    return Period(env.today, dates.week_period(env.today).end)


def _r_today(m, env, arg):
    return Period(env.today, env.today)


def _r_tomorrow(m, env, arg):
    days = 2 if "after" in m.group(0).lower() else 1
    day = env.today + timedelta(days=days)
    return Period(day, day)


def _r_week(m, env, arg):
    return dates.week_period(env.today, int(arg or 0))


def _r_month(m, env, arg):
    first = dates.add_months(env.today.replace(day=1), int(arg or 0))
    return dates.month_period(first.year, first.month)


def _r_quarter(m, env, arg):
    start = dates.quarter_period(env.today.year, dates.quarter_of(env.today)).start
    shifted = dates.add_months(start, 3 * int(arg or 0))
    return dates.quarter_period(shifted.year, dates.quarter_of(shifted))


def _r_year(m, env, arg):
    return dates.year_period(env.today.year + int(arg or 0))


def _r_mid_year(m, env, arg):
    mid = date(env.today.year, 6, 30)
    if mid < env.today:
        mid = date(env.today.year + 1, 6, 30)
    return Period(mid, mid)


def _r_current_period(m, env, arg):
    resolver = {"week": _r_week, "month": _r_month, "quarter": _r_quarter, "year": _r_year}
    return resolver[m.group("per").lower()](m, env, 0)


def _r_after_holidays(m, env, arg):
    day = date(env.today.year, 1, 2)
    if day < env.today:
        day = date(env.today.year + 1, 1, 2)
    return Period(day, day)


def _r_quarter_named(m, env, arg):
    q = _group(m, "q", "q2", "q3")
    quarter = int(q) if q else int(lexicon()["ordinal"][_group(m, "ord").lower()])
    return dates.next_quarter_named(quarter, env.today, _year(m, env))


def _r_half(m, env, arg):
    h = _group(m, "half", "half2")
    half = int(h) if h else 1 if (_group(m, "ord") or "").lower() in ("first", "1st") else 2
    return dates.next_half_named(half, env.today, _year(m, env))


def _r_month_named(m, env, arg):
    month = _month(m)
    if not month or not 1 <= month <= 12:
        return None
    return dates.next_month_named(month, env.today, _year(m, env))


def _r_date(m, env, arg):
    month, day = _month(m), int(_group(m, "day"))
    if not month or not 1 <= month <= 12:
        return None
    found = dates.next_day_of_month(day, env.today, month, _year(m, env))
    return Period(found, found) if found else None


def _r_slash_date(m, env, arg):
    a, b = int(m.group("a")), int(m.group("b"))
    if a > 12:
        day, month = a, b
    elif b > 12:
        month, day = a, b
    elif env.ctx.day_first:
        day, month = a, b
    else:
        month, day = a, b
    if not 1 <= month <= 12:
        return None
    found = dates.next_day_of_month(day, env.today, month, _year(m, env))
    return Period(found, found) if found else None


def _r_year_named(m, env, arg):
    year = _year(m, env)
    if year is None or year > env.today.year + 15:
        return None
    return dates.year_period(year)


def _r_day_of_month(m, env, arg):
    found = dates.next_day_of_month(int(m.group("day")), env.today)
    return Period(found, found) if found else None


def _r_weekday(m, env, arg):
    weekday = int(lexicon()["weekday"][m.group("weekday").lower()])
    rel = (m.group("rel") or "").lower()
    after = m.group(0).lower()
    if rel in ("next", "nächsten", "naechsten", "volgende", "prossimo") or after.endswith(
        ("prochain", "que vem", "prossimo")
    ):
        day = dates.next_weekday(weekday, env.today, weeks_ahead=1)
    else:
        day = dates.next_weekday(weekday, env.today)
    return Period(day, day)


def _r_holiday(m, env, arg):
    key = lexicon()["holiday"][m.group("holiday").lower()]
    day = next_holiday(key, env.today, _year(m, env))
    return Period(day, day)


def _r_season(m, env, arg):
    season = lexicon()["season"][m.group("season").lower()]
    year = _group(m, "year")
    period = dates.next_season(season, env.today, int(year) if year else None)
    rel = (m.group("rel") or "").lower()
    if (
        not year
        and rel in ("next", "nächsten", "naechsten", "volgende", "prossima")
        and period.start <= env.today
    ):
        period = dates.season_period(season, period.start.year + 1)
    return period


def _r_offset(m, env, arg):
    found = _offset_amount(m)
    if not found:
        return None
    day = dates.add_units(env.today, *found)
    return Period(day, day)


def _r_offset_fixed(m, env, arg):
    """A fixed amount ("14 day" for a fortnight), or a number of the matched unit ("3")."""
    parts = str(arg).split()
    unit = parts[1] if len(parts) > 1 else _unit(_group(m, "unit"))
    if unit is None:
        return None
    day = dates.add_units(env.today, float(parts[0]), unit)
    return Period(day, day)


def _fy_year(word: str) -> int:
    year = int(word)
    return year + 2000 if year < 100 else year


def _r_fiscal_named(m, env, arg):
    word = _group(m, "fy_to", "fy")
    if not word:
        return None
    return dates.fiscal_year_period(_fy_year(word), env.fiscal_start)


def _r_fiscal_rel(m, env, arg):
    current = dates.fiscal_year_containing(env.today, env.fiscal_start)
    rel = (_group(m, "rel", "rel2") or "").lower()
    if "next" in rel or "coming" in rel or "following" in rel:
        return dates.fiscal_year_containing(current.end + timedelta(days=1), env.fiscal_start)
    return current


def _r_fiscal_quarter(m, env, arg):
    quarter = int(_group(m, "q", "q2", "q3"))
    word = _group(m, "fy", "fy2")
    if word:
        return dates.fiscal_quarter_period(_fy_year(word), quarter, env.fiscal_start)
    current = dates.fiscal_year_containing(env.today, env.fiscal_start)
    for end_year in (current.end.year, current.end.year + 1):
        period = dates.fiscal_quarter_period(end_year, quarter, env.fiscal_start)
        if period.end >= env.today:
            return period
    return None


Resolver = Callable[[re.Match[str], _Env, object], "Period | None"]

# Resolver name (the `resolve` key of an anchor pattern) -> function.
RESOLVERS: dict[str, Resolver] = {
    "asap": _r_asap,
    "today": _r_today,
    "tomorrow": _r_tomorrow,
    "week": _r_week,
    "month": _r_month,
    "quarter": _r_quarter,
    "year": _r_year,
    "mid_year": _r_mid_year,
    "current_period": _r_current_period,
    "after_holidays": _r_after_holidays,
    "quarter_named": _r_quarter_named,
    "half": _r_half,
    "month_named": _r_month_named,
    "date": _r_date,
    "slash_date": _r_slash_date,
    "year_named": _r_year_named,
    "day_of_month": _r_day_of_month,
    "weekday": _r_weekday,
    "holiday": _r_holiday,
    "season": _r_season,
    "offset": _r_offset,
    "offset_fixed": _r_offset_fixed,
    "fiscal_named": _r_fiscal_named,
    "fiscal_rel": _r_fiscal_rel,
    "fiscal_quarter": _r_fiscal_quarter,
}

__all__ = ["RESOLVERS", "extract_timeframe", "fired_rules", "lexicon", "rule_ids", "rule_set"]
