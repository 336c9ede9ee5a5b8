"""Contact requests: did the person ask sales to get in touch?

SCHEMA.md's `sql` rule needs "an explicit request for contact with sales":
asking for a demo, call, meeting, quote or proposal, "have someone reach
out", saying yes to an offered call or time slot, submitting a demo or quote
form, or asking the price of a concrete deployment ("pricing for 45
technicians"). Not: brochures, case studies, "send info", free trials, docs.

`extract_contact_request(view, ctx)` returns candidates, each with the words
that show it; `resolve.resolve_contact_request` decides whether one stands.
What it looks for, in this order:

- requests in free text (message fields, subject lines, visitor chat turns),
  in English and the basics of es, de, fr, pt, nl and it ("una demo", "ein
  Angebot", "un devis", "uma reunião", "een offerte", "un preventivo");
- a whole field value that is a request ("Request a demo", "Quote");
- answers to an offer: a visitor's "yes", a picked time slot or a phone
  number given after the bot or agent offered a call (the turn's `question`),
  and a form checkbox whose label offers one ("Would you like a demo?": Yes).
  A "no" / "not right now" becomes a `declined_offer` candidate (negated);
- on a demo or quote form (its form id or page path says so), any plain
  mention of a demo, quote, price, call or meeting. A demo form whose fields
  never mention one yields nothing: evidence must be the person's words, so
  routing has to read the form metadata itself if it wants to.

Each request is checked in its clause for a negator before it ("we don't
need a call"), a negation after it ("a demo isn't necessary"), a deferral
("at some point") and for someone else being the one who books ("so our
customers can book a call"). Vendor pitches asking us for a call are found
like any request; the intent classifier decides they are junk.

Patterns are data: `patterns/contact.tsv` (regular expressions with ids,
every repetition bounded so a 100 KB message stays linear) and
`lexicons/contact_objects.tsv` (object word -> kind). Regular expressions
rather than spaCy's Matcher: the requests are short fixed phrases with
bounded gaps, across seven languages, and the blank pipeline has no lemmas
or parser a token pattern could use; regexes are ten times faster here and
as easy to read in a table. No library ships such a lexicon. Each rule has a
gate (`intents.prefilter`): the words one of which every match holds, read
off the regex; the free-text rules' words are found in one pass a segment,
and a rule whose words are absent is not run (same results, a third of the time).
Where the words a match begins with are known, the regex is tried only where
they occur.
Examples: `tests/intents/test_contact.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from forms.types import Inquiry

from .literals import segment_literals
from .prefilter import Gate, GateIndex, Occurrences, gate_for, starts_for
from .text import Segment, TextView
from .types import ContactRequest, Context, Finding

PATTERNS_FILE = Path(__file__).with_name("patterns") / "contact.tsv"
OBJECTS_FILE = Path(__file__).with_name("lexicons") / "contact_objects.tsv"

ROLES = (
    "request",
    "choice",
    "form_page",
    "form_mention",
    "offer",
    "offer_label",
    "slot_offer",
    "yes",
    "no",
    "slot_pick",
    "contact_details",
    "negator",
    "negator_after",
    "hedge",
    "gap_blocker",
    "subject_blocker",
    "info_only",
)
KINDS = (
    "demo",
    "call",
    "meeting",
    "quote",
    "proposal",
    "pricing",
    "contact",
    "yes_to_offer",
    "declined_offer",
)

# Segments a person wrote in their own words.
FREE_TEXT_KINDS = ("turn", "message", "subject", "other")
# A clause ends at sentence punctuation; for negation a comma or "but" ends it too.
_SENTENCE_END = re.compile(r"[.!?;\n]")
_CLAUSE_END = re.compile(r"[.!?;:,\n–—]|\b(?:but|and|so|then|just|only|though|however|although)\b", re.I)
_WORD = re.compile(r"\w+")
_QUESTION = re.compile(r"[^.!?\n]{1,400}\?")
_WORD_AS_WRITTEN = re.compile(r"\w+(?:['’]\w+)*")
# How many words before a request the negation and subject checks look at.
NEGATION_WINDOW_WORDS = 6
SUBJECT_WINDOW_WORDS = 6
HEDGE_PENALTY = 0.3
# How far around a request its sentence is looked for, and how much of a text is scanned.
SENTENCE_WINDOW_CHARS = 300
MAX_SCAN_CHARS = 10_000
# A form answer to an offer is a short value ("Yes", "Yes please").
SHORT_ANSWER_WORDS = 5


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    role: str
    kind: str
    confidence: float
    regex: re.Pattern[str]
    # Words one of which every match holds (`intents.prefilter`): a text without them is not scanned.
    gate: Gate | None = None
    # Strings one of which every match begins with (free-text rules): the regex is tried only there.
    starts: frozenset[str] | None = None


def extract_contact_request(view: TextView, ctx: Context) -> list[Finding[ContactRequest]]:
    """Every contact-request candidate in the inquiry, with its evidence."""
    rules = load_rules()
    request_form = is_request_form(view.inquiry)
    findings: list[Finding[ContactRequest]] = []
    for segment in view.segments:
        if segment.kind in FREE_TEXT_KINDS:
            found = segment_literals(view, segment)
            scanned = scanned_rules()
            admitted = {scanned[n].id for n in _scanned_gates().admitted(found)}
            findings.extend(_requests(segment, rules["request"], found, admitted))
            findings.extend(_requests(segment, rules["choice"], found, admitted))
            if request_form:
                findings.extend(_requests(segment, rules["form_mention"], found, admitted))
        if segment.kind == "turn":
            if segment.question:
                findings.extend(_answer_to_offer(segment, segment.question))
        elif segment.label:
            findings.extend(_form_answer(segment))
    return _without_overlaps(findings)


def is_request_form(inquiry: Inquiry) -> bool:
    """Whether the form's id or page path says it is a demo or quote request form."""
    if inquiry.channel != "form":
        return False
    places = [inquiry.vendor.form_id or ""]
    if inquiry.page_url:
        parts = urlsplit(inquiry.page_url)
        places.append(f"{parts.path}?{parts.query}")
    return any(rule.regex.search(place) for rule in load_rules()["form_page"] for place in places if place)


# ---------------------------------------------------------------- free text


def _requests(
    segment: Segment, rules: Iterable[Rule], found: Occurrences, admitted: set[str]
) -> Iterator[Finding[ContactRequest]]:
    """`found`: where the rules' words occur in the segment (`intents.literals`); `admitted`: the
    ids of the rules whose gates those words pass (the others cannot match)."""
    # A request sits near the start of what a person writes; past MAX_SCAN_CHARS a
    # text is a pasted document, and scanning it all would only cost time.
    text = segment.text[:MAX_SCAN_CHARS]
    for rule in rules:
        if rule.id not in admitted:
            continue  # none of the words every match holds: the regex cannot match
        for match in found.finditer(rule.regex, text, 0, len(text), rule.starts, rule.gate):
            if not _plausible(match, text, rule):
                continue
            kind = rule.kind if rule.kind != "auto" else object_kind(_group(match, "obj") or "")
            hedged = _hedged(text, match.start(), match.end())
            confidence = rule.confidence - (HEDGE_PENALTY if hedged else 0.0)
            evidence = _evidence(segment, match.start(), match.end())
            if evidence is None:
                continue
            yield Finding(
                value=ContactRequest(kind),
                evidence=(evidence,),
                confidence=round(max(confidence, 0.05), 3),
                rule=rule.id,
                negated=_negated(text, match.start(), match.end()),
                hedged=hedged,
            )


def _plausible(match: re.Match[str], text: str, rule: Rule) -> bool:
    """False when the words around a match show it is not this person asking us."""
    rules = load_rules()
    gap = _group(match, "gap")
    if gap and any(r.regex.search(gap) for r in rules["gap_blocker"]):
        return False
    before = _last_words(_clause_before(text, match.start()), SUBJECT_WINDOW_WORDS)
    if any(r.regex.search(before) for r in rules["subject_blocker"]):
        return False
    if rule.kind == "contact":
        after = text[match.end() : match.end() + 80]
        if any(r.regex.search(after) for r in rules["info_only"]):
            return False
    return True


def _negated(text: str, start: int, end: int) -> bool:
    rules = load_rules()
    before = _last_words(_clause_before(text, start), NEGATION_WINDOW_WORDS)
    if any(r.regex.search(before) for r in rules["negator"]):
        return True
    after = text[end : end + 60]
    return any(r.regex.search(after) for r in rules["negator_after"])


def _hedged(text: str, start: int, end: int) -> bool:
    """A deferral anywhere in the sentence around the request ("at some point")."""
    window_start = max(0, start - SENTENCE_WINDOW_CHARS)
    sentence_start = max(
        (m.end() for m in _SENTENCE_END.finditer(text, window_start, start)), default=window_start
    )
    following = _SENTENCE_END.search(text, end, end + SENTENCE_WINDOW_CHARS)
    sentence = text[
        sentence_start : following.start() if following else min(len(text), end + SENTENCE_WINDOW_CHARS)
    ]
    return any(r.regex.search(sentence) for r in load_rules()["hedge"])


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - 200) : start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    return window[cut:]


def _last_words(text: str, count: int) -> str:
    """The end of `text` from its `count`-th last word on, as written ("don't" stays whole)."""
    starts = [m.start() for m in _WORD_AS_WRITTEN.finditer(text)]
    return text[starts[-count] :] if len(starts) >= count else text


# ---------------------------------------------------------------- answers to offers


def _answer_to_offer(segment: Segment, question: str) -> Iterator[Finding[ContactRequest]]:
    """A visitor's reply to a bot or agent turn that offered a call or times.

    A yes or no answers the turn's last question, so only an offer in that question
    counts for them ("I can have someone call you. Are you the one who signs off?"
    -> "yes" is about signing off); a phone number or email given after an offer
    anywhere in the turn accepts it ("Our team will call you. What's your number?").
    """
    rules = load_rules()
    last_question = _last_question(question)
    offered = segment.asked == "contact" or any(r.regex.search(last_question) for r in rules["offer"])
    offered_anywhere = offered or any(r.regex.search(question) for r in rules["offer"])
    slots_offered = any(r.regex.search(question) for r in rules["slot_offer"])
    if not (offered_anywhere or slots_offered):
        return
    reply = segment.text
    answer = _reply_answer(reply) if offered or slots_offered else None
    if answer is None and slots_offered:
        answer = _first_match(reply, rules["slot_pick"])
    if answer is None and offered_anywhere:
        answer = _first_match(reply, rules["contact_details"])
    if answer is None:
        return
    yield from _answer_finding(segment, answer)


def _last_question(text: str) -> str:
    """The last sentence of a bot turn that ends in "?", or the whole turn when none does."""
    questions = _QUESTION.findall(text)
    return questions[-1] if questions else text


def _reply_answer(reply: str) -> tuple[Rule, re.Match[str]] | None:
    """(rule, match) of a yes or a no in a reply; a leading yes wins unless "but" declines it."""
    rules = load_rules()
    yes = _first_match(reply, [r for r in rules["yes"] if r.regex.pattern.startswith("^")])
    no_start = _first_match(reply, [r for r in rules["no"] if r.regex.pattern.startswith("^")])
    no_phrase = _first_match(reply, [r for r in rules["no"] if not r.regex.pattern.startswith("^")])
    if yes and not no_start:
        if no_phrase and re.search(
            r"\b(?:but|though|however)\b", reply[yes[1].end() : no_phrase[1].start()], re.I
        ):
            return no_phrase
        return yes
    if no_start or no_phrase:
        return no_start or no_phrase
    return _first_match(reply, [r for r in rules["yes"] if not r.regex.pattern.startswith("^")])


def _form_answer(segment: Segment) -> Iterator[Finding[ContactRequest]]:
    """A form field whose label offers contact ("Would you like a demo?") answered yes or no."""
    rules = load_rules()
    label = segment.label or ""
    if not any(r.regex.search(label) for r in rules["offer_label"]):
        return
    if len(_WORD.findall(segment.text)) > SHORT_ANSWER_WORDS:
        return
    starts = [r for r in (*rules["no"], *rules["yes"]) if r.regex.pattern.startswith("^")]
    answer = _first_match(segment.text, starts)
    if answer is None:
        return
    yield from _answer_finding(segment, answer)


def _answer_finding(
    segment: Segment, answer: tuple[Rule, re.Match[str]]
) -> Iterator[Finding[ContactRequest]]:
    """A yes or a no to an offer of contact, as a finding (a no is negated)."""
    rule, match = answer
    evidence = _evidence(segment, match.start(), match.end())
    if evidence is None:
        return
    declined = rule.role == "no"
    yield Finding(
        value=ContactRequest("declined_offer" if declined else "yes_to_offer"),
        evidence=(evidence,),
        confidence=rule.confidence,
        rule=rule.id,
        negated=declined,
    )


def _first_match(text: str, rules: Iterable[Rule]) -> tuple[Rule, re.Match[str]] | None:
    best: tuple[Rule, re.Match[str]] | None = None
    for rule in rules:
        match = rule.regex.search(text)
        if match and match.end() > match.start() and (best is None or match.start() < best[1].start()):
            best = (rule, match)
    return best


# ---------------------------------------------------------------- helpers


def _evidence(segment: Segment, start: int, end: int):
    """Evidence for the span with surrounding punctuation and spaces trimmed, or None."""
    text = segment.text
    while start < end and not text[start].isalnum() and text[start] not in "+€$£":
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if start >= end:
        return None
    return TextView.evidence(segment, start, end)


def _group(match: re.Match[str], name: str) -> str | None:
    return match.groupdict().get(name)


def _without_overlaps(findings: list[Finding[ContactRequest]]) -> list[Finding[ContactRequest]]:
    """One candidate per overlapping span of a source: the most confident, the earliest rule first."""
    kept: list[Finding[ContactRequest]] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for finding in sorted(findings, key=lambda f: -f.confidence):
        span = finding.evidence[0]
        spans = taken.setdefault(span.source, [])
        if any(start < span.end and span.start < end for start, end in spans):
            continue
        spans.append((span.start, span.end))
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.evidence[0].source, f.evidence[0].start))


def object_kind(word: str) -> str:
    """The kind of request an object word names ("a quick demo" -> demo); "contact" if unknown."""
    key = " ".join(word.casefold().split())
    exact, prefixes = _objects()
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in exact:
            return exact[candidate]
    for prefix, kind in prefixes:
        if key.startswith(prefix):
            return kind
    last = key.rsplit(" ", 1)[-1]
    return exact.get(last, "contact")


@lru_cache(maxsize=1)
def _objects() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for number, line in enumerate(OBJECTS_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, kind = line.partition("\t")
        if kind not in KINDS:
            raise ValueError(f"{OBJECTS_FILE.name}:{number}: unknown kind {kind!r}")
        if word.endswith("*"):
            prefixes.append((word[:-1].casefold(), kind))
        else:
            exact[word.casefold()] = kind
    if not exact:
        raise ValueError(f"{OBJECTS_FILE.name} has no entries")
    return exact, tuple(prefixes)


@lru_cache(maxsize=1)
def load_rules() -> dict[str, tuple[Rule, ...]]:
    """The rules of `patterns/contact.tsv`, by role, compiled once per process."""
    macros: dict[str, str] = {}
    by_role: dict[str, list[Rule]] = {role: [] for role in ROLES}
    seen: set[str] = set()
    for number, line in enumerate(PATTERNS_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{PATTERNS_FILE.name}:{number}"
        if line.startswith("@"):
            name, _, body = line[1:].partition("\t")
            macros[name] = _expand(body, macros, where)
            continue
        columns = line.split("\t")
        if len(columns) != 5:
            raise ValueError(f"{where}: expected 5 tab-separated columns, got {len(columns)}")
        rule_id, role, kind, confidence, pattern = columns
        if role not in by_role:
            raise ValueError(f"{where}: unknown role {role!r}")
        if kind not in (*KINDS, "auto", "-"):
            raise ValueError(f"{where}: unknown kind {kind!r}")
        if rule_id in seen:
            raise ValueError(f"{where}: duplicate id {rule_id}")
        seen.add(rule_id)
        try:
            regex = re.compile(_expand(pattern, macros, where), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{where}: {rule_id}: {exc}") from None
        # Free-text rules are gated through `intents.literals` (one scan a segment): big lists cost little.
        scanned = role in ("request", "choice", "form_mention")
        gate = gate_for(regex, max_strings=200, min_length=2) if scanned else gate_for(regex)
        starts = starts_for(regex) if scanned else None
        by_role[role].append(Rule(rule_id, role, kind, float(confidence), regex, gate, starts))
    for role in ("request", "offer", "yes", "no", "negator"):
        if not by_role[role]:
            raise ValueError(f"{PATTERNS_FILE.name} has no {role} rules")
    return {role: tuple(rules) for role, rules in by_role.items()}


@lru_cache(maxsize=1)
def scanned_rules() -> tuple[Rule, ...]:
    """The rules run over free text, whose words `intents.literals` looks for."""
    return tuple(
        r for rules in load_rules().values() for r in rules if r.role in ("request", "choice", "form_mention")
    )


@lru_cache(maxsize=1)
def _scanned_gates() -> GateIndex:
    return GateIndex(r.gate for r in scanned_rules())


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ValueError(f"{where}: unknown macro <<{name}>>")
        return macros[name]

    return re.sub(r"<<(\w+)>>", replace, pattern)
