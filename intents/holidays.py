"""Holidays that resolve to a date: fixed days, nth-weekday rules and Easter.

`holiday_date(key, year)` gives a holiday's date in a year; `next_holiday(key,
today)` its next occurrence on or after the reference date ("before Christmas"
on 2026-12-27 means Christmas 2027). The words that name each holiday, in every
supported language, are in `lexicons/time_words.tsv` (kind `holiday`).

The `holidays` package was considered: it lists public holidays per country,
but our phrases name commercial dates (Black Friday, Cyber Monday, Halloween)
that are nobody's public holiday, and the country of an inquiry is often
unknown. Easter is computed with `dateutil.easter` (Gregorian, western).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n = -1: the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _thanksgiving(year: int) -> date:
    return _nth_weekday(year, 11, 3, 4)  # fourth Thursday of November


# Holiday key -> its date in a given year. Keys are the `value` column of the lexicon.
HOLIDAYS: dict[str, Callable[[int], date]] = {
    "christmas": lambda y: date(y, 12, 25),
    "christmas_eve": lambda y: date(y, 12, 24),
    "boxing_day": lambda y: date(y, 12, 26),
    "new_years_eve": lambda y: date(y, 12, 31),
    "new_year": lambda y: date(y, 1, 1),
    "easter": lambda y: easter(y),
    "good_friday": lambda y: easter(y) - timedelta(days=2),
    "easter_monday": lambda y: easter(y) + timedelta(days=1),
    "thanksgiving": _thanksgiving,
    "black_friday": lambda y: _thanksgiving(y) + timedelta(days=1),
    "cyber_monday": lambda y: _thanksgiving(y) + timedelta(days=4),
    "memorial_day": lambda y: _nth_weekday(y, 5, 0, -1),
    "labor_day": lambda y: _nth_weekday(y, 9, 0, 1),
    "independence_day": lambda y: date(y, 7, 4),
    "halloween": lambda y: date(y, 10, 31),
    "valentines_day": lambda y: date(y, 2, 14),
    "st_patricks_day": lambda y: date(y, 3, 17),
    "mothers_day": lambda y: _nth_weekday(y, 5, 6, 2),
    "fathers_day": lambda y: _nth_weekday(y, 6, 6, 3),
    "presidents_day": lambda y: _nth_weekday(y, 2, 0, 3),
    "mlk_day": lambda y: _nth_weekday(y, 1, 0, 3),
    "columbus_day": lambda y: _nth_weekday(y, 10, 0, 2),
    "veterans_day": lambda y: date(y, 11, 11),
    "canada_day": lambda y: date(y, 7, 1),
    "juneteenth": lambda y: date(y, 6, 19),
}


def holiday_date(key: str, year: int) -> date:
    return HOLIDAYS[key](year)


def next_holiday(key: str, today: date, year: int | None = None) -> date:
    """The holiday's date in `year`, or its next occurrence on or after `today`."""
    if year is not None:
        return holiday_date(key, year)
    this_year = holiday_date(key, today.year)
    return this_year if this_year >= today else holiday_date(key, today.year + 1)
