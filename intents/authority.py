"""Authority: the person's title, seniority and buying role, with the words that show it.

Sources, all in the person's own words (SCHEMA.md "authority"):
- the job-title field, read against the title lexicon (`lexicons/titles.tsv`:
  title words -> seniority; `ROLE_BY_SENIORITY` below turns seniority into a
  role, literally as SCHEMA.md's labelling conventions say);
- self-descriptions in free text ("I'm the CTO", "as head of ops", "owner
  here", "Mira (clinic manager)"): a cue pattern from
  `patterns/authority.jsonl` (kind `cue`) followed by title words;
- statements ("I sign off", "my boss decides", "need CFO approval", "not my
  call", "I'm compiling a comparison for our COO"): the other pattern kinds
  of `patterns/authority.jsonl`, each with a stable id, the role and
  needs_approval it implies, and what a negation turns it into;
- a terse chat answer read against the bot's or agent's question just before
  it ("yes" to "are you the one who signs off?"). The question is context,
  never evidence.

Every candidate is returned; `resolve.resolve_authority` merges them (a
statement beats a title, an own decision beats someone else's approval).
Rule ids are `authority.<kind>.<name>.vN`, and the resolver reads the kind
from the id.

Libraries considered: spaCy's Matcher/EntityRuler token patterns (the
statements need regex-like alternations and a bounded gap, and the titles need
"the title words after this cue", which is code either way), and the
`nameparser`/`probablepeople` family (they parse names, not job titles). No
maintained package we know of normalises job titles to seniority across
languages, so the lexicon and the patterns are hand-written data and the code
only walks them. Each pattern may list `requires` substrings, a cheap gate
that skips its regex when none occurs in the text; a gate read off each
regex (`intents.prefilter`) skips it, exactly, when the words every match
holds are absent from the windows read, and the regex is tried only where
the words its matches begin with occur.
Regexes use bounded gaps only, so a 100 KB message costs milliseconds.

Examples (the tests' corpus): `tests/intents/corpus/authority_en.py`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .context import function_words, is_hedged, is_negated
from .literals import segment_literals
from .prefilter import Gate, GateIndex, gate_for, holds_any, starts_for
from .text import Segment, TextView
from .types import Authority, Context, Finding

HERE = Path(__file__).parent
TITLES_FILE = HERE / "lexicons" / "titles.tsv"
PATTERNS_FILE = HERE / "patterns" / "authority.jsonl"

# SCHEMA.md: titles map literally to a role.
ROLE_BY_SENIORITY = {
    "c_level": "decision_maker",
    "founder": "decision_maker",
    "owner": "decision_maker",
    "vp": "decision_maker",
    "head": "decision_maker",
    "director": "influencer",
    "manager": "influencer",
    "lead": "influencer",
    "supervisor": "influencer",
    "consultant": "influencer",
    "procurement": "influencer",
    "intern": "end_user",
    "ic": "unknown",
    "student": "unknown",
}
# When one title holds several (Co-founder & CEO, Sócio-Diretor) the most senior wins.
RANK = {
    "c_level": 13,
    "founder": 12,
    "owner": 11,
    "vp": 10,
    "head": 9,
    "director": 8,
    "procurement": 7,
    "consultant": 6,
    "manager": 5,
    "lead": 4,
    "supervisor": 3,
    "intern": 2,
    "ic": 1,
    "student": 0,
}
KINDS = ("title", "self", "cue", "decide", "activity", "approval", "disclaim", "answer")
# What a free-text reply in a role dropdown or a title field can say instead of a title.
ROLE_WORDS = {
    "decision maker": "decision_maker",
    "decisionmaker": "decision_maker",
    "decision-maker": "decision_maker",
    "final decision maker": "decision_maker",
    "budget holder": "decision_maker",
    "economic buyer": "decision_maker",
    "influencer": "influencer",
    "evaluator": "influencer",
    "recommender": "influencer",
    "champion": "influencer",
    "researcher on behalf of a team": "influencer",
    "end user": "end_user",
    "user": "end_user",
    "end-user": "end_user",
}
# Values people type into a title field that say nothing.
_JUNK_TITLES = frozenset(
    {
        "",
        "na",
        "n a",
        "none",
        "null",
        "nil",
        "no",
        "yes",
        "test",
        "x",
        "xx",
        "xxx",
        "other",
        "asdf",
        "tbd",
        "n",
    }
)
# Field labels that ask about buying role rather than title.
_ROLE_FIELD_LABEL = re.compile(r"decision|buying\s*role|role\s*in|purchas|authority|involvement|approv", re.I)
# Field labels whose answer is a title or seniority although the form does not call it "title".
_TITLE_FIELD_LABEL = re.compile(
    r"seniority|job\s*level|management\s*level|occupation|profession|describes\s*you|"
    r"^\W*(?:i\s*am\s*an?|you\s*are\s*an?)\W*$",
    re.I,
)

# Tokens for title reading: words with inner apostrophes/periods kept apart from separators.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_PART_SEPARATOR = re.compile(r"[&/,|+;()\[\]]|\s[-–—]\s|[–—]")
_HARD_BREAK = re.compile(r"[.,;:!?()\[\]\n\r\"“”]|\s[-–—]+\s|[–—]")
_JOINERS = frozenset({"and", "und", "et", "y"})
# After these words the title names a department or place ("Director of Sales", "Manager at Acme").
_DEPARTMENT_WORDS = frozenset(
    {
        "of",
        "de",
        "des",
        "du",
        "der",
        "di",
        "do",
        "da",
        "del",
        "della",
        "dei",
        "van",
        "fur",
        "voor",
        "at",
        "in",
        "bei",
        "chez",
        "en",
        "für",
    }
)
# After these words the title names someone else ("Assistant to the CEO").
_OBJECT_WORDS = frozenset({"to", "for", "reporting", "supporting", "assisting"})
_FORMER = frozenset(
    {"former", "ex", "previous", "previously", "retired", "past", "future", "aspiring", "wannabe"}
)
# Stop words that may sit inside a title phrase.
_TITLE_INNER = frozenset(
    {"of", "and", "de", "des", "du", "di", "do", "da", "del", "della", "van", "y", "und", "et", "e"}
)
_C_SUITE = re.compile(r"C[A-Z]{1,3}O")  # CRO, CHRO, CISO written in capitals
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MAX_TITLE_TOKENS = 7
# No real message states its role twenty times the same way; the cap keeps pathological input fast.
_MAX_MATCHES_PER_PATTERN = 20
_HEAD_CHARS = 12_000
_TAIL_CHARS = 3_000
_NOT_TITLE_START = frozenset({"new", "current", "currently", "also", "now"})
# Stop words that may stand before a title word inside a title: "IT manager", "only developer".
_STOP_BEFORE_TITLE = frozenset({"it", "only", "sole", "first", "general", "chief", "head"})
# Seniorities whose title takes a department after it ("Head of Data", "Director of Sales").
_TAKES_DEPARTMENT = frozenset({"c_level", "vp", "head", "director", "manager", "lead", "supervisor"})


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    kind: str
    regex: re.Pattern[str]
    role: str | None
    needs_approval: bool
    confidence: float
    seniority: str | None = None
    question: re.Pattern[str] | None = None
    negatable: bool = False
    if_negated: dict | None = None
    title_follows: bool = False
    loose: bool = False  # a loose cue ("as a ...") does not accept mode-"field" words ("partner")
    # Substrings of the lower-cased text one of which the regex needs: a cheap gate before the regex runs.
    requires: tuple[str, ...] = ()
    example: str = ""
    # Words one of which every match holds, read off the regex (`intents.prefilter`): exact,
    # unlike `requires`, so a text without them is skipped with no change in results.
    gate: Gate | None = None
    # Strings one of which every match begins with: the regex is tried only where one occurs.
    starts: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class TitleReading:
    seniority: str | None  # None: title words we do not know ("Host & Producer")
    start: int
    end: int


def extract_authority(view: TextView, ctx: Context) -> list[Finding[Authority]]:
    """Every authority candidate in the person's words: titles, self-descriptions, statements, answers."""
    found: list[Finding[Authority]] = []
    for seg in view.segments:
        if seg.kind == "title" or (
            seg.kind == "other" and seg.label and _TITLE_FIELD_LABEL.search(seg.label)
        ):
            found.extend(_from_title_field(seg))
        elif seg.kind == "other" and seg.label and _ROLE_FIELD_LABEL.search(seg.label):
            found.extend(_from_role_field(seg, view))
        elif seg.kind in ("turn", "message", "subject", "other"):
            found.extend(_from_free_text(seg, view))
    return found


# ----------------------------------------------------------------------------- data


def _fold(word: str) -> str:
    """Lower case, accents dropped, curly apostrophes straightened: the lexicon's spelling."""
    word = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(c for c in word if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class TitleLexicon:
    entries: dict[tuple[str, ...], tuple[str, str]]  # folded tokens -> (seniority, mode)
    longest: int
    vocabulary: frozenset[str]


@lru_cache(maxsize=1)
def title_lexicon() -> TitleLexicon:
    entries: dict[tuple[str, ...], tuple[str, str]] = {}
    for n, line in enumerate(TITLES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{TITLES_FILE.name}:{n}: want 3 tab-separated columns, got {len(parts)}")
        words, seniority, mode = (p.strip() for p in parts)
        if seniority not in RANK:
            raise ValueError(f"{TITLES_FILE.name}:{n}: unknown seniority {seniority!r}")
        if mode not in ("any", "final", "field"):
            raise ValueError(f"{TITLES_FILE.name}:{n}: unknown mode {mode!r}")
        key = tuple(_fold(t) for t in _TOKEN.findall(words))
        if key in entries and entries[key] != (seniority, mode):
            raise ValueError(f"{TITLES_FILE.name}:{n}: {words!r} listed twice with different values")
        entries[key] = (seniority, mode)
    if not entries:
        raise ValueError(f"{TITLES_FILE.name} holds no titles")
    vocabulary = frozenset(t for key in entries for t in key)
    return TitleLexicon(entries, max(len(k) for k in entries), vocabulary)


def _expand(text: str, macros: dict[str, str]) -> str:
    for _ in range(5):
        new = re.sub(r"\{([A-Z][A-Z0-9_]*)\}", lambda m: macros.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    left = re.search(r"\{[A-Z][A-Z0-9_]*\}", text)
    if left:
        raise ValueError(f"{PATTERNS_FILE.name}: unknown macro {left.group()}")
    return text


@lru_cache(maxsize=1)
def authority_patterns() -> tuple[Pattern, ...]:
    """The patterns of `patterns/authority.jsonl`, macros expanded and compiled (loaded once)."""
    macros: dict[str, str] = {}
    patterns: list[Pattern] = []
    seen: set[str] = set()
    for n, line in enumerate(PATTERNS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "define" in row:
            macros[row["define"]] = _expand(row["regex"], macros)
            continue
        pid, kind = row["id"], row["kind"]
        if pid in seen:
            raise ValueError(f"{PATTERNS_FILE.name}:{n}: duplicate id {pid}")
        if kind not in KINDS or not pid.startswith(f"authority.{kind}."):
            raise ValueError(f"{PATTERNS_FILE.name}:{n}: id {pid} does not match kind {kind}")
        seen.add(pid)
        flag_letters = row.get("flags", "i")
        flags = (re.IGNORECASE if "i" in flag_letters else 0) | (re.MULTILINE if "m" in flag_letters else 0)
        question = row.get("question")
        regex = re.compile(_expand(row["regex"], macros), flags)
        patterns.append(
            Pattern(
                id=pid,
                kind=kind,
                regex=regex,
                role=row.get("role"),
                needs_approval=bool(row.get("needs_approval")),
                confidence=float(row.get("confidence", 0.8)),
                seniority=row.get("seniority"),
                question=re.compile(_expand(question, macros), re.IGNORECASE) if question else None,
                negatable=bool(row.get("negatable")),
                if_negated=row.get("if_negated"),
                title_follows=bool(row.get("title_follows")),
                loose=bool(row.get("loose")),
                requires=tuple(w.lower() for w in row.get("requires", ())),
                example=row.get("example", ""),
                # Read through `intents.literals` (one scan a segment), so big word lists cost little.
                gate=gate_for(regex, max_strings=200),
                starts=starts_for(regex),
            )
        )
    if not patterns:
        raise ValueError(f"{PATTERNS_FILE.name} holds no patterns")
    return tuple(patterns)


@lru_cache(maxsize=1)
def _break_words() -> frozenset[str]:
    """Words that end a title phrase in free text: function words of the supported languages."""
    words = {_fold(w) for w in function_words()}
    words |= {
        "here",
        "looking",
        "interested",
        "writing",
        "reaching",
        "trying",
        "hoping",
        "wondering",
        "based",
    }
    words |= {
        "i'm",
        "im",
        "i'd",
        "i'll",
        "i've",
        "we're",
        "we'd",
        "we'll",
        "we've",
        "you're",
        "it's",
        "that's",
        "there's",
        "he's",
        "she's",
        "they're",
        "let's",
        "who's",
        "what's",
    }
    return frozenset(words - _TITLE_INNER)


# ----------------------------------------------------------------------------- titles


def read_title(text: str, start: int = 0, end: int | None = None, loose: bool = False) -> TitleReading | None:
    """The seniority that the title words in text[start:end] give, or None when there are no words.

    `seniority` is None when there are words but none is a known title word. `loose` ignores
    words that are titles only in a title field ("partner": "as a launch partner").
    """
    end = len(text) if end is None else end
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
    if not tokens:
        return None
    # Cut at words that introduce someone else: "Assistant to the CEO".
    for i, (tok, _, _) in enumerate(tokens):
        if i > 0 and tok.lower() in _OBJECT_WORDS:
            tokens = tokens[:i]
            break
    if any(_fold(t) in _FORMER for t, _, _ in tokens):
        return TitleReading(None, tokens[0][1], tokens[-1][2])
    best: str | None = None
    for part in _split_parts(text, tokens):
        seniority = _part_seniority(part, loose)
        if seniority and (best is None or RANK[seniority] > RANK[best]):
            best = seniority
    return TitleReading(best, tokens[0][1], tokens[-1][2])


def _split_parts(text: str, tokens: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    parts: list[list[tuple[str, int, int]]] = [[]]
    for i, tok in enumerate(tokens):
        if i > 0 and _PART_SEPARATOR.search(text, tokens[i - 1][2], tok[1]):
            parts.append([])
        if tok[0].lower() in _JOINERS:
            parts.append([])
            continue
        parts[-1].append(tok)
    return [p for p in parts if p]


def _part_seniority(part: list[tuple[str, int, int]], loose: bool = False) -> str | None:
    lex = title_lexicon()
    folded = [_fold(t) for t, _, _ in part]
    # A possessive names someone else: "the CEO's assistant".
    folded = [("" if f.endswith("'s") else f) for f in folded]
    n = len(folded)
    matches: list[tuple[int, int, str, str]] = []  # (start, end, seniority, mode)
    i = 0
    while i < n:
        hit = None
        for size in range(min(lex.longest, n - i), 0, -1):
            key = tuple(folded[i : i + size])
            if key in lex.entries:
                hit = (i, i + size, *lex.entries[key])
                break
        if hit is None:
            hit = _special_title(part, folded, i)
        if hit:
            matches.append(hit)
            i = hit[1]
        else:
            i += 1
    # Words after an unmatched "of"/"at" name the department: "Director of Procurement".
    cut = n
    covered = {k for s, e, _, _ in matches for k in range(s, e)}
    for k, f in enumerate(folded):
        if f in _DEPARTMENT_WORDS and k not in covered and k > 0:
            cut = k
            break
    best: str | None = None
    for s, e, seniority, mode in matches:
        if s >= cut:
            continue
        if mode in ("final", "field") and e not in (cut, n):
            continue
        if mode == "field" and loose:
            continue
        if best is None or RANK[seniority] > RANK[best]:
            best = seniority
    return best


def _special_title(
    part: list[tuple[str, int, int]], folded: list[str], i: int
) -> tuple[int, int, str, str] | None:
    raw = part[i][0]
    # Chief <anything> Officer, and C-suite acronyms written in capitals (CRO, CHRO, CISO).
    if folded[i] == "chief":
        for j in range(i + 1, min(i + 5, len(folded))):
            if folded[j] == "officer":
                return (i, j + 1, "c_level", "any")
    if _C_SUITE.fullmatch(raw):
        return (i, i + 1, "c_level", "any")
    # Plurals: "one of the techs", "we're the founders".
    word = folded[i]
    if len(word) > 3 and word.endswith("s"):
        entry = title_lexicon().entries.get((word[:-1],))
        if entry:
            return (i, i + 1, entry[0], "any")
    return None


def _title_after(text: str, pos: int, loose: bool = False) -> TitleReading | None:
    """Title words starting at `pos` in free text ("the IT & security manager at ..."): the phrase
    up to its last title word, plus "of <department>"; None when the words hold no title."""
    lex = title_lexicon()
    breaks = _break_words()
    limit = min(len(text), pos + 160)
    # At most the title's length plus the department's few words: never the rest of the message.
    raw_tokens: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text, pos, limit):
        raw_tokens.append((m.group(), m.start(), m.end()))
        if len(raw_tokens) > _MAX_TITLE_TOKENS + 4:
            break
    phrase: list[tuple[str, int, int]] = []
    for i, tok in enumerate(raw_tokens):
        prev_end = phrase[-1][2] if phrase else pos
        if _HARD_BREAK.search(text, prev_end, tok[1]):
            break
        folded = _fold(tok[0])
        is_title_word = folded in lex.vocabulary or (folded.endswith("s") and folded[:-1] in lex.vocabulary)
        shouting = len(tok[0]) >= 2 and tok[0].isupper()
        next_is_title = i + 1 < len(raw_tokens) and _fold(raw_tokens[i + 1][0]) in lex.vocabulary
        if folded in breaks and not (
            is_title_word or shouting or (next_is_title and folded in _STOP_BEFORE_TITLE)
        ):
            break
        phrase.append(tok)
        if len(phrase) >= _MAX_TITLE_TOKENS:
            break
    if not any(
        _fold(t) in lex.vocabulary or _fold(t)[:-1] in lex.vocabulary or _C_SUITE.fullmatch(t)
        for t, _, _ in phrase
    ):
        return None
    # Shrink from the right until the phrase ends on a title word.
    while phrase:
        reading = read_title(text, phrase[0][1], phrase[-1][2], loose)
        last = _fold(phrase[-1][0])
        ends_on_title = (
            last in lex.vocabulary
            or (last.endswith("s") and last[:-1] in lex.vocabulary)
            or bool(_C_SUITE.fullmatch(phrase[-1][0]))
        )
        if last in _DEPARTMENT_WORDS or last in _TITLE_INNER:  # "host of": only "head of" may end so
            ends_on_title = len(phrase) > 1 and (_fold(phrase[-2][0]), last) in lex.entries
        if reading and reading.seniority and ends_on_title:
            break
        phrase.pop()
    if not phrase:
        return None
    end = _with_department(text, phrase, raw_tokens, breaks)
    # "the new IT manager": the title is "IT manager".
    while len(phrase) > 1 and _fold(phrase[0][0]) in _NOT_TITLE_START:
        phrase.pop(0)
    reading = read_title(text, phrase[0][1], end, loose)
    if reading is None or reading.seniority is None:
        return None
    return reading


# ----------------------------------------------------------------------------- sources


def _from_title_field(seg: Segment) -> list[Finding[Authority]]:
    text = seg.text
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    value = text[start:end]
    if start >= end or _NON_ALNUM.sub(" ", _fold(value)).strip() in _JUNK_TITLES or not _LETTER.search(value):
        return []
    if len(value.split()) > 12:
        return []
    role_word = ROLE_WORDS.get(_fold(value).strip(" ."))
    evidence = (TextView.evidence(seg, start, end),)
    if role_word:
        return [Finding(Authority(role=role_word), evidence, 0.8, "authority.title.role_word.v1")]
    reading = read_title(text, start, end)
    seniority = reading.seniority if reading else None
    role = ROLE_BY_SENIORITY.get(seniority, "unknown") if seniority else "unknown"
    confidence = 0.9 if seniority else 0.5
    rule = "authority.title.field.v1" if seniority else "authority.title.unknown.v1"
    return [Finding(Authority(role=role, title=value, seniority=seniority), evidence, confidence, rule)]


def _from_role_field(seg: Segment, view: TextView) -> list[Finding[Authority]]:
    """A form's buying-role question ("Your role in the decision: Decision maker", "Are you
    the decision maker? No"), read like a chat answer to the same question."""
    text = seg.text
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if start >= end:
        return []
    value = _fold(text[start:end]).strip(" .!")
    role = ROLE_WORDS.get(value)
    if role is None and value in ("yes", "y", "si", "ja", "oui", "sim", "yes i am", "i am"):
        role = "decision_maker"
    if role is None and value in ("no", "n", "nein", "non", "nao", "nee", "not me"):
        value_role = Authority(role="influencer", needs_approval=True)
        evidence = (TextView.evidence(seg, start, end),)
        return [Finding(value_role, evidence, 0.75, "authority.answer.role_field.v1")]
    if role is None:
        return _from_free_text(seg, view)
    rule = {
        "decision_maker": "authority.answer.role_field.v1",
        "influencer": "authority.activity.role_field.v1",
        "end_user": "authority.disclaim.role_field.v1",
    }[role]
    evidence = (TextView.evidence(seg, start, end),)
    return [Finding(Authority(role=role, needs_approval=role == "end_user"), evidence, 0.8, rule)]


def _matching_text(text: str) -> str:
    """Curly apostrophes straightened, same length, so match offsets stay valid."""
    return text.replace("’", "'").replace("‘", "'")


def _from_free_text(seg: Segment, view: TextView) -> list[Finding[Authority]]:
    text = seg.text
    if not text.strip():
        return []
    scan = _matching_text(text)
    found: list[Finding[Authority]] = []
    question = _last_question(seg.question)
    windows = _windows(len(scan))
    lowered = scan.lower()
    # Where the patterns' words occur (`intents.literals` reads at least these windows).
    words = segment_literals(view, seg)
    admitted = _pattern_gates().admitted(words)
    present: dict[str, bool] = {}  # each `requires` word looked up once, when a pattern asks
    for n, pat in enumerate(authority_patterns()):
        if n not in admitted:
            continue  # none of the words every match holds
        gate = pat.gate
        if pat.requires and not holds_any(lowered, pat.requires, present):
            continue
        if pat.kind == "answer" and not (question and pat.question and pat.question.search(question)):
            continue
        matches = (m for lo, hi in windows for m in words.finditer(pat.regex, scan, lo, hi, pat.starts, gate))
        for n, m in enumerate(matches):
            finding = _finding_for(pat, m, seg, scan)
            if finding is not None:
                found.append(finding)
            if pat.kind == "answer" or n + 1 >= _MAX_MATCHES_PER_PATTERN:
                break
    # A title as the whole answer to "what's your role?" / "who's the best contact?".
    if (
        question
        and _ROLE_QUESTION.search(question)
        and not any(f.rule.startswith("authority.cue.") for f in found)
    ):
        lead = _ANSWER_LEAD.match(scan)
        pos = lead.end() if lead else 0
        reading = _title_after(text, pos)
        if reading:
            found.append(_title_finding(seg, reading, "authority.self.answer_title.v1", 0.8))
    return _drop_overlapping_titles(found)


@lru_cache(maxsize=1)
def _pattern_gates() -> GateIndex:
    return GateIndex(p.gate for p in authority_patterns())


_ROLE_QUESTION = re.compile(
    r"\brole\b|\btitle\b|\bposition\b|\bjob\b|what\s+do\s+you\s+do|who\s+(?:am\s+i|are\s+you|is\s+this)|"
    r"best\s+(?:contact|person)|point\s+of\s+contact|your\s+(?:team|department)|decision|sign|approv|\bwho\b",
    re.IGNORECASE,
)


# What may stand before the title in an answer: "me, Sam Ortiz, purchasing lead", "I'm the ...".
_ANSWER_LEAD = re.compile(
    r"\W*(?:(?i:it['’]?s\s+|that['’]?s\s+)?(?i:me|myself)\b\W*)?(?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}\s*[,–—-]\s*)?"
    r"(?i:i['’]?m\s+|i\s+am\s+)?(?i:(?:a|an|the)\s+)?"
)


def _windows(length: int) -> tuple[tuple[int, int], ...]:
    """Where statements are looked for: the head of a text and its tail (the signature).

    People say who they are near the start or sign at the end; a pasted log or
    CV in between adds no authority and would only cost time.
    """
    if length <= _HEAD_CHARS + _TAIL_CHARS:
        return ((0, length),)
    return ((0, _HEAD_CHARS), (length - _TAIL_CHARS, length))


def _last_question(question: str | None) -> str | None:
    if not question:
        return None
    sentences = [s for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    asking = [s for s in sentences if "?" in s]
    return (asking or sentences or [question])[-1]


def _finding_for(pat: Pattern, m: re.Match[str], seg: Segment, scan: str) -> Finding[Authority] | None:
    text = seg.text
    if pat.kind == "cue":
        if "zone" in m.re.groupindex:  # a signature: some line, or part of a line, is a whole title
            reading = _title_in_zone(text, m.start("zone"), m.end("zone"))
            if not reading:
                return None
        elif "title" in m.re.groupindex:  # the title words are the group: "Owner here"
            reading = _whole_title(text, m.start("title"), m.end("title"))
            if not reading:
                return None
        else:
            reading = _title_after(text, m.end(), pat.loose)
            if not reading:
                return None
        if pat.role is not None:  # "I'm just a warehouse picker": a disclaimer with a title
            senior = reading.seniority and RANK[reading.seniority] >= RANK["supervisor"]
            role = "influencer" if senior else pat.role
            value = Authority(
                role=role,
                title=text[reading.start : reading.end],
                needs_approval=True,
                seniority=reading.seniority,
            )
            evidence = (TextView.evidence(seg, m.start(), reading.end),)
            return Finding(value, evidence, pat.confidence, pat.id.replace(".cue.", ".disclaim.cue_"))
        return _title_finding(seg, reading, pat.id, pat.confidence)
    head_start = m.start("head") if "head" in m.re.groupindex and m.start("head") >= 0 else m.start()
    start, end = m.start(), m.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    start += len(text[start:end]) - len(text[start:end].lstrip())
    if start >= end:
        return None
    negated = pat.negatable and (
        is_negated(scan, head_start, m.end(), window=5) or _negated_inside(scan, start, head_start)
    )
    role, needs_approval = pat.role, pat.needs_approval
    if negated:
        if pat.if_negated is None:
            return None
        role, needs_approval = pat.if_negated["role"], bool(pat.if_negated["needs_approval"])
    value = Authority(role=role or "unknown", needs_approval=needs_approval, seniority=pat.seniority)
    evidence = (TextView.evidence(seg, start, end),)
    hedged = is_hedged(scan, start, end)
    confidence = pat.confidence - (0.1 if hedged else 0.0)
    return Finding(value, evidence, confidence, pat.id, negated=negated, hedged=hedged)


def _with_department(text: str, phrase: list, raw_tokens: list, breaks: frozenset[str]) -> int:
    """Where a title phrase ends once its department is added: "head of operations",
    "VP Engineering", "directora de marketing" -- but not "host of the podcast" (only
    department heads take one) nor "diretora da Integra" (a capitalised name after a
    Romance "de/da" is the company)."""
    end = phrase[-1][2]
    last = _fold(phrase[-1][0])
    entry = title_lexicon().entries.get((last,)) or title_lexicon().entries.get(
        ("head", "of") if last == "of" else ("",)
    )
    if not entry or entry[0] not in _TAKES_DEPARTMENT:
        return end
    rest = [t for t in raw_tokens if t[1] >= end]
    if not rest or _HARD_BREAK.search(text, end, rest[0][1]):
        return end
    first = _fold(rest[0][0])
    if last == "of":  # "head of" + department
        words = rest
    elif first in ("of", "de", "di", "do", "da", "del"):
        words = rest[1:]
        if not words or (first != "of" and words[0][0][:1].isupper()):
            return end
    elif entry[0] == "vp":  # "VP Engineering", "vp sales"
        words = rest
    else:
        return end
    taken: list = []
    for tok in words[:3]:
        prev = taken[-1][2] if taken else (rest[0][2] if words is not rest else end)
        if (
            _HARD_BREAK.search(text, prev, tok[1])
            or _fold(tok[0]) in breaks
            or _fold(tok[0]) in _DEPARTMENT_WORDS
        ):
            break
        if _fold(tok[0]) in title_lexicon().vocabulary and taken:
            break
        taken.append(tok)
    return taken[-1][2] if taken else end


def _whole_title(text: str, start: int, end: int) -> TitleReading | None:
    """text[start:end] read as a title in which every word belongs: "Owner", not "Sam from Acme"."""
    while end > start and text[end - 1] in " \t.":
        end -= 1
    reading = read_title(text, start, end)
    if not reading or not reading.seniority or _has_break_word(text, start, end):
        return None
    return reading


_ZONE_PART = re.compile(r"[^\n,|–—]+")


def _title_in_zone(text: str, start: int, end: int) -> TitleReading | None:
    """The first line or comma/bar-separated part of a signature that is a whole title."""
    for part in _ZONE_PART.finditer(text, start, end):
        s, e = part.start(), part.end()
        s += len(text[s:e]) - len(text[s:e].lstrip())
        e = s + len(text[s:e].strip())
        if s < e and len(text[s:e].split()) <= 6:
            reading = _whole_title(text, s, e)
            if reading:
                return reading
    return None


def _negated_inside(scan: str, start: int, head_start: int) -> bool:
    """A negator between the subject and the head of the match: "I'm not the one signing"."""
    return head_start > start and is_negated(scan, head_start, head_start + 1, window=6)


def _has_break_word(text: str, start: int, end: int) -> bool:
    lex = title_lexicon()
    breaks = _break_words()
    for m in _TOKEN.finditer(text, start, end):
        f = _fold(m.group())
        if f in breaks and f not in lex.vocabulary and not m.group().isupper():
            return True
    return False


def _title_finding(seg: Segment, reading: TitleReading, rule: str, confidence: float) -> Finding[Authority]:
    seniority = reading.seniority
    role = ROLE_BY_SENIORITY.get(seniority, "unknown") if seniority else "unknown"
    title = seg.text[reading.start : reading.end]
    evidence = (TextView.evidence(seg, reading.start, reading.end),)
    return Finding(Authority(role=role, title=title, seniority=seniority), evidence, confidence, rule)


def _drop_overlapping_titles(found: list[Finding[Authority]]) -> list[Finding[Authority]]:
    """Two cues may read the same title words; keep one finding per span."""
    kept: list[Finding[Authority]] = []
    spans: set[tuple[str, int, int]] = set()
    for f in found:
        if f.value.title is not None:
            ev = f.evidence[0]
            key = (ev.source, ev.start, ev.end)
            if key in spans:
                continue
            spans.add(key)
        kept.append(f)
    return kept
