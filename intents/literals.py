"""The words the pattern tables wait for, found once per segment and shared.

The need, authority, contact-request and intent patterns, and the timeframe
rules read around a date, carry gates and start strings (`intents.prefilter`):
words one of which every match holds, or begins with. Each extractor used to
look for its own words in each segment; here the words of all five tables make
one `LiteralIndex`, a segment is read once for all of them, and the result
stays with the view (`TextView.shared`), so each extractor only asks which of
its words occur, and where.

What is read: a segment's head and, when it is long, its tail, which together
hold every part any of the extractors reads (`regions` below). A word found
where an extractor does not read only makes a gate admit a text it could have
turned away: results stay exactly those of running every regex. Offsets are
those of the segment's text: `prefilter.fold` keeps the length, and it folds
the straightened apostrophes and spaces some extractors match against the
same as the original characters.
"""

from __future__ import annotations

from functools import lru_cache

from .prefilter import LiteralIndex, Occurrences, fold
from .text import Segment, TextView

# The head and tail read: timeframes are read in the first 20 000 characters, needs in 12 000,
# authority in the first 12 000 and the last 3 000 of a longer text, contact requests in 10 000,
# the intent cues in the first 4 000 and the last 1 000.
HEAD_CHARS = 20_000
TAIL_CHARS = 3_000


def segment_literals(view: TextView, segment: Segment) -> Occurrences:
    """Where the pattern tables' words occur in `segment` (offsets into its text, folded)."""
    return view.shared(
        f"literals:{segment.source}", lambda _: _index().scan(fold(segment.text), regions(len(segment.text)))
    )


def regions(length: int) -> tuple[tuple[int, int], ...]:
    """The parts of a text of `length` characters that are read."""
    if length <= HEAD_CHARS + TAIL_CHARS:
        return ((0, length),)
    return ((0, HEAD_CHARS), (length - TAIL_CHARS, length))


@lru_cache(maxsize=1)
def _index() -> LiteralIndex:
    """Every gate and start string of the tables (imported here: they import this module)."""
    from .authority import authority_patterns
    from .contact import scanned_rules
    from .intent import text_cues
    from .need import need_rules
    from .timeframe import read_around_rules

    rows = [
        *need_rules().patterns,
        *authority_patterns(),
        *scanned_rules(),
        *text_cues(),
        *read_around_rules(),
    ]
    return LiteralIndex((row.gate for row in rows), (row.starts for row in rows))
