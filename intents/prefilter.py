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
is necessary for a match with or without IGNORECASE.

A pattern whose every branch may match without a literal (".{0,3}\\d+", a
lone character class) gets no gate and always runs. No library does this for
Python's `re` (google-re2 and Hyperscan do it internally, for their own regex
dialects); the analysis below walks `re`'s own parser output.
"""

from __future__ import annotations

import _sre
import re
from bisect import bisect_left
from dataclasses import dataclass

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


# Characters IGNORECASE equates beyond simple lower case ("ı" and "i", "ſ" and "s", ...).
_EXTRA: dict[int, tuple[int, ...]] = dict(_casefix._EXTRA_CASES)


def _canon_code(code: int) -> int:
    """The representative of the characters IGNORECASE equates with `code`."""
    low = _sre.unicode_tolower(code)
    return min((low, *_EXTRA.get(low, ())))


# After str.lower(), the characters whose representative is another character.
_FIX = {low: _canon_code(low) for low in _EXTRA if _canon_code(low) != low}
_NEEDS_FIX = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FIX)) + "]")
_DOTTED_I = "\u0130"  # str.lower() makes it two characters; re reads it as "i"
_DOTTED_I_AS = chr(_canon_code(0x130))


def fold(text: str) -> str:
    """`text` with every character replaced by its case-insensitive representative; same length."""
    if text.isascii():
        return text.lower()
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
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
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


class LiteralIndex:
    """The strings of many gates, found in a text in one pass instead of one test each.

    `LiteralIndex(gates).scan(folded)` runs one regular expression (a trie of every
    string, in a lookahead, so it stops at each position where one begins) and answers,
    for any of those gates, what `Gate.admits` and `Gate.admits_within` would.
    At each position it reads the longest string that begins there; every other string
    that begins there is a prefix of it, and is counted with it.
    """

    def __init__(self, gates) -> None:  # noqa: ANN001 - an iterable of Gate | None
        strings = sorted({s for gate in gates if gate is not None for f in gate.factors for s in f})
        known = set(strings)
        self._finder = re.compile("(?=(" + _trie(strings) + "))", re.DOTALL) if strings else None
        self._prefixes = {s: tuple(s[:n] for n in range(1, len(s) + 1) if s[:n] in known) for s in strings}

    def scan(self, folded: str) -> Occurrences:
        """Where each string occurs in `folded` (a `fold`ed text)."""
        starts: dict[str, list[int]] = {}
        if self._finder is not None:
            prefixes = self._prefixes
            for m in self._finder.finditer(folded):
                at = m.start()
                for s in prefixes[m.group(1)]:
                    starts.setdefault(s, []).append(at)
        return Occurrences(starts)


@dataclass(frozen=True, slots=True)
class Occurrences:
    """A `LiteralIndex.scan`: string -> its start offsets, ascending."""

    starts: dict[str, list[int]]

    def admits(self, gate: Gate) -> bool:
        """`gate.admits(folded)` for the text scanned, by lookups."""
        found = self.starts.keys()
        for strings in gate.sets:  # noqa: SIM110 - a plain loop: faster than all() over a generator
            if found.isdisjoint(strings):
                return False
        return True

    def admits_within(self, gate: Gate, start: int, end: int) -> bool:
        """`gate.admits_within(folded, start, end)` for the text scanned."""
        starts = self.starts
        for strings in gate.sets:
            for s in starts.keys() & strings:  # only the strings the text holds at all
                offsets = starts[s]
                i = bisect_left(offsets, start)
                if i < len(offsets) and offsets[i] + len(s) <= end:
                    break
            else:
                return False
        return True


def _trie(strings: list[str]) -> str:
    """A regex alternation of `strings` as a trie, longest match first at each branch."""
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
        else:  # NEGATE, CATEGORY, big ranges
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return chars or None


__all__ = ["Gate", "LiteralIndex", "Occurrences", "fold", "gate_for"]
