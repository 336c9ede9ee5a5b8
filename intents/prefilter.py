"""Cheap gates in front of regular expressions: words a match cannot do without.

Python's `re` has no fast path for a case-insensitive pattern that starts with
a letter or an alternation: it tries the pattern at every position of the
text. Most of our patterns (need, contact, authority) match nowhere in a given
message, so most of that work finds nothing. `gate_for(regex)` reads the
parsed pattern once and returns a `Gate`: groups of lower-case strings such
that every match contains at least one string of each group ("we need" or
"we're looking"; "demo" or "call"). `Gate.admits(fold(text))` is a few
substring tests; when it says no, the regex cannot match and is not run, so
the results are exactly those of running it.

Soundness rests on `fold`: it maps each character to one representative of
the set of characters `re.IGNORECASE` treats as equal to it (Unicode simple
lower case, plus the few extra equivalences `re` knows, such as "ı" and "i",
"ſ" and "s"), keeping the text's length, so a gated span keeps its offsets. A
literal in the pattern is folded the same way, so "contains a folded literal"
is necessary for a match with or without IGNORECASE. `fold` also puts together
characters the patterns treat alike: every whitespace character (what `\\s`
matches) becomes a space, so that `\\s` reads as one literal, " ", and the
typographic apostrophes and the backtick become "'", as the extractors
straighten them before matching. Folding more characters together can only
make a gate admit more.

A pattern whose every branch may match without a literal (".{0,3}\\d+", a
lone character class) gets no gate and always runs.

Where a match may begin is read off the pattern the same way: `starts_for(regex)`
gives the strings one of which every match begins with ("we need" begins with
"we"; "\\b(?:demo|call)" with "demo" or "call"), and `Occurrences.finditer`
tries the regex only where one of them occurs, instead of at every position:
`re` has no fast scan for a case-insensitive pattern, so a text of 500
characters otherwise costs 500 attempts of every pattern whose words it holds.
The matches are exactly those of `regex.finditer`. No library does this for
Python's `re` (google-re2 and Hyperscan do it internally, for their own regex
dialects); the analysis below walks `re`'s own parser output.
"""

from __future__ import annotations

import _sre
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

# `re`'s own parser, constants and case table (Python 3.11's layout; the project needs 3.11+).
from re import _casefix  # type: ignore[attr-defined]
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]

# Limits that keep the analysis (done once per pattern at load time) small.
_MAX_EXACT = 64  # strings an "exact" set may hold before it becomes a requirement
_MAX_FACTOR = 48  # strings one requirement may hold (each is a substring test)
_MAX_CLASS = 12  # characters of a character class expanded into literals
_MIN_USEFUL = 3  # a requirement whose shortest string is shorter tells too little
_MAX_FACTORS = 2  # requirements a gate checks
_MAX_STARTS = 256  # strings a match may begin with (looked up through a `LiteralIndex`)
_MAX_JOIN = 16_384  # combinations tried before a set of starts is cut short


# Characters IGNORECASE equates beyond simple lower case ("ı" and "i", "ſ" and "s", ...).
_EXTRA: dict[int, tuple[int, ...]] = dict(_casefix._EXTRA_CASES)


# Characters folded together although IGNORECASE keeps them apart, because the patterns read
# them alike: whitespace (`\\s` matches exactly the characters str.isspace() accepts, and none
# lies beyond the Basic Multilingual Plane) and the apostrophes (typographic ones, the backtick).
_SPACES = "".join(c for c in map(chr, range(0x10000)) if c.isspace())
_ALIKE = {**{ord(c): ord(" ") for c in _SPACES}, **{ord(c): ord("'") for c in "\u2019\u2018`"}}


def _canon_code(code: int) -> int:
    """The representative of the characters IGNORECASE equates with `code` (and `_ALIKE` joins)."""
    low = _sre.unicode_tolower(code)
    return _ALIKE.get(low, min((low, *_EXTRA.get(low, ()))))


# After str.lower(), the characters whose representative is another character.
_FIX = {low: _canon_code(low) for low in (*_EXTRA, *_ALIKE) if _canon_code(low) != low}
_NEEDS_FIX = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FIX)) + "]")
_ASCII_FIX = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FIX) if code < 128) + "]")
_DOTTED_I = "\u0130"  # str.lower() makes it two characters; re reads it as "i"
_DOTTED_I_AS = chr(_canon_code(0x130))


def fold(text: str) -> str:
    """`text` with every character replaced by its case-insensitive representative; same length."""
    if text.isascii():
        lowered = text.lower()
        return lowered.translate(_FIX) if _ASCII_FIX.search(lowered) else lowered
    if _DOTTED_I in text:
        text = text.replace(_DOTTED_I, _DOTTED_I_AS)
    lowered = text.lower()
    # (translating is slow on long texts, and the few characters it changes are rare)
    return lowered.translate(_FIX) if _NEEDS_FIX.search(lowered) else lowered


@dataclass(frozen=True, slots=True)
class Gate:
    """Every match of the gated regex contains one string of each factor (folded)."""

    factors: tuple[tuple[str, ...], ...]
    sets: tuple[frozenset[str], ...] = ()  # the factors as sets (for `Occurrences.admits`)

    def __post_init__(self) -> None:
        if not self.sets:
            object.__setattr__(self, "sets", tuple(frozenset(f) for f in self.factors))

    def admits(self, folded: str) -> bool:
        """False only when no match can lie within `folded` (a `fold`ed text)."""
        for factor in self.factors:
            for s in factor:
                if s in folded:
                    break
            else:
                return False
        return True

    def admits_within(self, folded: str, start: int, end: int) -> bool:
        """False only when no match can lie within folded[start:end]."""
        for factor in self.factors:
            for s in factor:
                if folded.find(s, start, end) >= 0:
                    break
            else:
                return False
        return True


def gate_for(
    regex: re.Pattern[str], *, max_strings: int = _MAX_FACTOR, min_length: int = _MIN_USEFUL
) -> Gate | None:
    """A gate for `regex`, or None when no literal is required (then always run it).

    A factor may hold at most `max_strings` strings, each at least `min_length` long: more
    and shorter strings make a gate that turns fewer texts away at a higher cost, unless
    the gate is read through a `LiteralIndex` (where each string costs about nothing).
    """
    try:
        parsed = _parsed(regex.pattern, regex.flags)
        exact, factors = _info(list(parsed), max(_MAX_EXACT, max_strings))
    except Exception:  # noqa: BLE001 - an unknown construct only disables the shortcut
        return None
    if exact is not None:
        factors = [*factors, exact]
    useful = [f for f in factors if f and "" not in f and len(f) <= max_strings]
    useful = [f for f in useful if min(len(s) for s in f) >= min_length]
    if not useful:
        return None
    useful.sort(key=_selectivity)
    return Gate(tuple(_minimal(f) for f in useful[:_MAX_FACTORS]))


@lru_cache(maxsize=1024)
def _parsed(pattern: str, flags: int):  # noqa: ANN202 - re's own parse tree
    """`re`'s parse of a pattern, read by both `gate_for` and `starts_for` (and never changed)."""
    return _sre_parse.parse(pattern, flags)


def starts_for(regex: re.Pattern[str], *, min_length: int = 2) -> frozenset[str] | None:
    """The folded strings one of which every match of `regex` begins with, or None.

    None also when the regex may match the empty string (`Occurrences.finditer`
    relies on every match being non-empty) or when a string would be shorter than
    `min_length` (a lone letter begins too many places to be worth looking up).
    """
    try:
        parsed = _parsed(regex.pattern, regex.flags)
        if parsed.getwidth()[0] < 1:
            return None
        strings, _ = _prefix(list(parsed), _MAX_STARTS)
    except Exception:  # noqa: BLE001 - an unknown construct only disables the shortcut
        return None
    if not strings or min(len(s) for s in strings) < max(1, min_length):
        return None
    # A string that begins with another of them adds no place to look.
    kept: set[str] = set()
    for s in sorted(strings, key=lambda s: (len(s), s)):
        if not any(s[:size] in kept for size in range(1, len(s))):
            kept.add(s)
    return frozenset(kept)


class LiteralIndex:
    """The strings of many gates, found in a text in one pass instead of one test each.

    `LiteralIndex(gates).scan(folded)` runs one regular expression (a trie of every
    string, in a lookahead, so it stops at each position where one begins) and answers,
    for any of those gates, what `Gate.admits` and `Gate.admits_within` would.
    At each position it reads the longest string that begins there; every other string
    that begins there is a prefix of it, and is counted with it.
    """

    def __init__(self, gates, starts=()) -> None:  # noqa: ANN001 - Gate | None, frozenset[str] | None
        """The strings of `gates` and of `starts` (sets of strings, as `starts_for` gives)."""
        strings = sorted(
            {s for gate in gates if gate is not None for f in gate.factors for s in f}
            | {s for found in starts if found is not None for s in found}
        )
        known = set(strings)
        self._finder = re.compile("(?=(" + trie(strings) + "))", re.DOTALL) if strings else None
        self._prefixes = {s: tuple(s[:n] for n in range(1, len(s) + 1) if s[:n] in known) for s in strings}

    def scan(self, folded: str, regions: tuple[tuple[int, int], ...] | None = None) -> Occurrences:
        """Where each string occurs in `folded` (a `fold`ed text), or only within `regions`
        ((start, end) pairs in ascending order; offsets stay those of `folded`)."""
        starts: dict[str, list[int]] = {}
        if self._finder is not None:
            prefixes = self._prefixes
            finditer = self._finder.finditer
            for start, end in regions if regions is not None else ((0, len(folded)),):
                for m in finditer(folded, start, end):
                    at = m.start()
                    for s in prefixes[m.group(1)]:
                        starts.setdefault(s, []).append(at)
        return Occurrences(starts)


class GateIndex:
    """Which of many gates a scan may admit, found from the words the scan holds.

    `GateIndex(gates).admitted(found)` is the set of indexes of the gates that admit
    the scanned text (`Occurrences.admits`), or have no gate at all; only the gates
    one of whose first factor's words occur are asked, not every gate in turn.
    """

    def __init__(self, gates) -> None:  # noqa: ANN001 - an iterable of Gate | None
        self._gates = tuple(gates)
        by_word: dict[str, set[int]] = {}
        for n, gate in enumerate(self._gates):
            if gate is not None:
                for word in gate.factors[0]:
                    by_word.setdefault(word, set()).add(n)
        self._by_word = {word: frozenset(ns) for word, ns in by_word.items()}
        self._ungated = frozenset(n for n, gate in enumerate(self._gates) if gate is None)
        # The factors a gate holds besides its first (which `by_word` already answers for).
        self._more = {
            n: gate.sets[1:] for n, gate in enumerate(self._gates) if gate is not None and len(gate.sets) > 1
        }

    def admitted(self, found: Occurrences) -> set[int]:
        """Indexes of the gates that admit the text `found` was scanned from (and the missing gates)."""
        chosen = set(self._ungated)
        by_word = self._by_word
        held = found.starts.keys()
        for word in held & by_word.keys():
            chosen |= by_word[word]
        for n, factors in self._more.items():
            if n in chosen and any(held.isdisjoint(f) for f in factors):
                chosen.discard(n)
        return chosen


@dataclass(frozen=True, slots=True)
class Occurrences:
    """A `LiteralIndex.scan`: string -> its start offsets, ascending."""

    starts: dict[str, list[int]]
    # A set of strings (a gate's factor, a regex's starts) -> where its strings occur: their
    # (start, end) offsets in order of start. The same sets are asked about again and again,
    # for each clause or window of one text.
    _spots: dict[frozenset[str], tuple[list[int], list[int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def spots(self, strings: frozenset[str]) -> tuple[list[int], list[int]]:
        """The start and end offsets of every occurrence of a string of `strings`, by start."""
        found = self._spots.get(strings)
        if found is None:
            starts = self.starts
            # (set operations run in C over the set they iterate: the smaller one)
            held = starts.keys() & strings if len(strings) <= len(starts) else strings.intersection(starts)
            pairs = sorted((at, at + len(s)) for s in held for at in starts[s])
            found = self._spots[strings] = ([at for at, _ in pairs], [end for _, end in pairs])
        return found

    def admits(self, gate: Gate) -> bool:
        """`gate.admits(folded)` for the text scanned, by lookups."""
        found = self.starts.keys()
        for strings in gate.sets:  # noqa: SIM110 - a plain loop: faster than all() over a generator
            if found.isdisjoint(strings):  # (stops at the first string found)
                return False
        return True

    def admits_within(self, gate: Gate, start: int, end: int) -> bool:
        """`gate.admits_within(folded, start, end)` for the text scanned."""
        for strings in gate.sets:
            ats, ends = self.spots(strings)
            i = bisect_left(ats, start)
            while i < len(ats) and ats[i] < end:
                if ends[i] <= end:
                    break
                i += 1
            else:
                return False
        return True

    def finditer(
        self,
        regex: re.Pattern[str],
        text: str,
        start: int,
        end: int,
        starts: frozenset[str] | None,
        gate: Gate | None = None,
        offset: int = 0,
    ) -> Iterator[re.Match[str]]:
        """The matches of `regex.finditer(text, start, end)`, found with less work.

        `text` is the text this scan was made of, before folding, or the part of it
        that begins at `offset` (a clause cut out of a message: its matches stay those
        of the cut text); `starts` is `starts_for(regex)` and `gate` a gate of `regex`
        (either may be None). With `starts`, the regex is tried only where one of them
        begins (every match begins so, and none is empty, so nothing else could match);
        without, the search stops once no string of the gate is left after the last match.
        """
        if starts is None:
            for m in regex.finditer(text, start, end):
                yield m
                if gate is not None and not self.admits_within(gate, offset + m.end(), offset + end):
                    return
            return
        pos = start
        match = regex.match
        for at in self.positions(starts, offset + start, offset + end):
            at -= offset
            if at >= pos and (m := match(text, at, end)) is not None:
                yield m
                pos = m.end()

    def positions(self, strings: frozenset[str], start: int, end: int) -> list[int]:
        """Ascending offsets where one of `strings` lies within [start, end)."""
        ats, ends = self.spots(strings)
        found: list[int] = []
        i = bisect_left(ats, start)
        while i < len(ats) and ats[i] < end:
            if ends[i] <= end:
                found.append(ats[i])
            i += 1
        return found


def trie(strings: Iterable[str]) -> str:
    """A regex alternation of `strings` as a trie, longest match first at each branch. Python's `re`
    tries every branch at every position; sharing prefixes makes a 100-word list ~5x faster."""
    root: dict[str, dict] = {}
    for word in strings:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def _minimal(factor: frozenset[str]) -> tuple[str, ...]:
    """The factor without strings that contain another of its strings ("needs" holds "need"):
    a text holding the longer one holds the shorter. Shortest first."""
    ordered = sorted(factor, key=lambda s: (len(s), s))
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return tuple(kept)


def _selectivity(factor: frozenset[str]) -> tuple[int, int]:
    """Longer shortest strings first (rarer in text), then fewer strings (cheaper to test)."""
    return (-min(len(s) for s in factor), len(factor))


# --------------------------------------------------------------------------- analysis
#
# `_info(items)` answers (exact, factors) for a parsed sequence:
#   exact   - every string the sequence can match, folded, when that set is small; else None
#   factors - sets of folded strings; every match contains one string of each set
# Zero-width items (anchors, \b, lookarounds) match the empty string: a run of literals
# around them is still contiguous in the matched text.


def _info(items: list, limit: int = _MAX_EXACT) -> tuple[frozenset[str] | None, list[frozenset[str]]]:
    factors: list[frozenset[str]] = []
    run: frozenset[str] | None = frozenset({""})
    whole_exact = True
    for op, av in items:
        exact, inner = _item(op, av, limit)
        factors.extend(inner)
        if exact is not None and run is not None and len(run) * len(exact) <= limit:
            run = frozenset(a + b for a in run for b in exact)
            continue
        whole_exact = False
        if run is not None:
            factors.append(run)
        run = exact if exact is not None else frozenset({""})
    if whole_exact:
        return run, factors
    if run is not None:
        factors.append(run)
    return None, factors


def _item(op, av, limit: int) -> tuple[frozenset[str] | None, list[frozenset[str]]]:
    if op is _c.LITERAL:
        return frozenset({chr(_canon_code(av))}), []
    if op is _c.IN:
        chars = _class_chars(av)
        return (frozenset(chars), []) if chars else (None, [])
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return frozenset({""}), []
    if op is _c.SUBPATTERN:
        return _info(list(av[-1]), limit)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _info(list(av), limit)
    if op is _c.BRANCH:
        return _branch(av[1], limit)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
        low, high, sub = av
        exact, factors = _info(list(sub), limit)
        if high == 0:
            return frozenset({""}), []
        if low == 0:
            if high == 1 and exact is not None:
                return exact | {""}, []
            return None, []
        if low == 1 and high == 1:
            return exact, factors
        # at least once: what one repetition requires is required
        return None, factors + ([exact] if exact is not None else [])
    # ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS ...: some character(s), unknown
    return None, []


def _prefix(items: list, limit: int) -> tuple[set[str], bool]:
    """(strings, whole): every match of the sequence begins with one of `strings` ({""}:
    nothing known); with `whole`, the strings are the sequence's whole matches.

    At most `limit` strings: a set that would grow beyond is cut to shorter strings (the
    first characters of each, which every match still begins with), and reading stops.
    """
    run: set[str] = {""}
    for n, (op, av) in enumerate(items):
        head, whole = _head(op, av, limit)
        if head is None and op in _REPEATS and av[0] == 0:
            # An optional item ("(?:a\\s+)?quote"): the match begins as the item does, or as what follows.
            own, _ = _prefix(list(av[2]), limit)
            rest, _ = _prefix(items[n + 1 :], limit)
            head, whole = (own | rest if "" not in own and "" not in rest else None), False
        if head is None:
            return run, False
        joined = {a + b for a in run for b in head} if len(run) * len(head) <= _MAX_JOIN else None
        if joined is None or len(joined) > limit:
            return (_shorten(joined, limit) if joined is not None else run), False
        run = joined
        if not whole:
            return run, False  # the item's match is known only by how it begins
    return run, True


def _head(op, av, limit: int) -> tuple[set[str] | None, bool]:
    """How one item's match begins, and whether those strings are its whole matches."""
    if op is _c.LITERAL:
        return {chr(_canon_code(av))}, True
    if op is _c.IN:
        chars = _class_chars(av)
        return (set(chars), True) if chars else (None, False)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}, True  # zero-width
    if op is _c.SUBPATTERN:
        return _prefix(list(av[-1]), limit)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _prefix(list(av), limit)
    if op is _c.BRANCH:
        heads: set[str] = set()
        every = True
        for alternative in av[1]:
            found, whole = _prefix(list(alternative), limit)
            heads |= found
            every = every and whole
        if len(heads) > limit:
            return _shorten(heads, limit), False
        return heads, every
    if op in _REPEATS:
        low, high, sub = av
        if high == 0:
            return {""}, True
        found, whole = _prefix(list(sub), limit)
        if low == 0:
            # "x?" with a known whole: the match is x or nothing; otherwise the caller reads past it.
            return (found | {""}, True) if high == 1 and whole else (None, False)
        if low == high == 1:
            return found, whole
        return found, False  # the first repetition begins the match
    return None, False


def _shorten(strings: set[str], limit: int) -> set[str]:
    """`strings` cut to their first characters, as many as keep the set within `limit`."""
    for size in range(max(len(s) for s in strings), 0, -1):
        cut = {s[:size] for s in strings}
        if len(cut) <= limit:
            return cut
    return {""}


_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT))


def _branch(alternatives: list, limit: int) -> tuple[frozenset[str] | None, list[frozenset[str]]]:
    infos = [_info(list(alt), limit) for alt in alternatives]
    if all(exact is not None for exact, _ in infos):
        union = frozenset().union(*(exact for exact, _ in infos))
        if len(union) <= limit:
            return union, []
    # A requirement of the branch: one requirement of each alternative, joined.
    joined: set[str] = set()
    for exact, factors in infos:
        options = [f for f in factors if f and "" not in f]
        if exact is not None and "" not in exact:
            options.append(exact)
        if not options:
            return None, []
        joined |= min(options, key=_selectivity)
    return None, [frozenset(joined)]


def _class_chars(items) -> set[str] | None:
    """The folded characters of a small positive character class, or None."""
    chars: set[str] = set()
    for kind, value in items:
        if kind is _c.LITERAL:
            chars.add(chr(_canon_code(value)))
        elif kind is _c.RANGE and value[1] - value[0] < _MAX_CLASS:
            chars.update(chr(_canon_code(code)) for code in range(value[0], value[1] + 1))
        elif kind is _c.CATEGORY and value is _c.CATEGORY_SPACE:
            chars.add(" ")  # every character `\s` matches folds to a space
        else:  # NEGATE, CATEGORY, big ranges
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return chars or None


def holds_any(text: str, words: tuple[str, ...], seen: dict[str, bool]) -> bool:
    """Whether `text` holds one of `words`, remembering each answer in `seen`."""
    for word in words:
        found = seen.get(word)
        if found is None:
            found = seen[word] = word in text
        if found:
            return True
    return False


__all__ = [
    "Gate",
    "GateIndex",
    "LiteralIndex",
    "Occurrences",
    "fold",
    "gate_for",
    "holds_any",
    "starts_for",
    "trie",
]
