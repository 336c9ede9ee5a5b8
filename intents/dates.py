"""Calendar arithmetic for business time: weeks, months, quarters, halves, fiscal years.

Every function is pure and takes the reference date explicitly; nothing here
reads the clock. The conventions are SCHEMA.md's "Time" rules: weeks run Monday
to Sunday, a period stands for its last day, "N months" that lands past a
month's end gives that month's last day, a named month or day resolves to its
next occurrence on or after the reference date, and urgency is the bucket of
the number of days between the reference date and the target date.

`dateutil.relativedelta` does the month arithmetic (it clamps to the month's
end exactly as SCHEMA.md asks); everything else is a few lines of `datetime`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Upper bounds of the urgency buckets, in days after the received date.
URGENCY_BUCKETS: tuple[tuple[str, int], ...] = (("immediate", 31), ("quarter", 92), ("year", 366))


@dataclass(frozen=True, slots=True)
class Period:
    """A span of calendar days, both ends included."""

    start: date
    end: date


def urgency_of(target: date, today: date) -> str:
    """immediate (<= 31 days), quarter (<= 92), year (<= 366), later (more)."""
    days = (target - today).days
    for name, limit in URGENCY_BUCKETS:
        if days <= limit:
            return name
    return "later"


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), month_end(year, month))


def week_period(today: date, weeks_ahead: int = 0) -> Period:
    """The Monday-to-Sunday week containing `today`, shifted by whole weeks."""
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return Period(monday, monday + timedelta(days=6))


def add_months(day: date, months: int) -> date:
    """Same day `months` calendar months later, clamped to that month's last day."""
    return day + relativedelta(months=months)


def add_units(day: date, amount: float, unit: str) -> date:
    """`day` plus an amount of days, business days, weeks, months, quarters or years."""
    if unit == "day":
        return day + timedelta(days=round(amount))
    if unit == "business_day":
        return add_business_days(day, round(amount))
    if unit == "week":
        return day + timedelta(days=round(amount * 7))
    if unit == "month":
        whole = int(amount)
        result = add_months(day, whole)
        if amount != whole:  # "1.5 months", "six and a half weeks" style halves
            result += timedelta(days=round((amount - whole) * 30))
        return result
    if unit == "quarter":
        return add_units(day, amount * 3, "month")
    if unit == "year":
        return add_units(day, amount * 12, "month")
    raise ValueError(f"unknown unit {unit!r}")


def add_business_days(day: date, count: int) -> date:
    result = day
    while count > 0:
        result += timedelta(days=1)
        if result.weekday() < 5:
            count -= 1
    return result


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(date(year, first, 1), month_end(year, first + 2))


def half_period(year: int, half: int) -> Period:
    return (
        Period(date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else Period(date(year, 7, 1), date(year, 12, 31))
    )


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def next_month_named(month: int, today: date, year: int | None = None) -> Period:
    """The named month, this year if its last day is still ahead, else next year."""
    if year is not None:
        return month_period(year, month)
    period = month_period(today.year, month)
    return period if period.end >= today else month_period(today.year + 1, month)


def next_quarter_named(quarter: int, today: date, year: int | None = None) -> Period:
    if year is not None:
        return quarter_period(year, quarter)
    period = quarter_period(today.year, quarter)
    return period if period.end >= today else quarter_period(today.year + 1, quarter)


def next_half_named(half: int, today: date, year: int | None = None) -> Period:
    if year is not None:
        return half_period(year, half)
    period = half_period(today.year, half)
    return period if period.end >= today else half_period(today.year + 1, half)


def next_day_of_month(
    day: int, today: date, month: int | None = None, year: int | None = None
) -> date | None:
    """The next date with this day number (and month, when given) on or after today."""
    if not 1 <= day <= 31:
        return None
    if month is not None:
        years = (
            [year]
            if year is not None
            else [today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4]
        )
        for y in years:
            if day <= calendar.monthrange(y, month)[1]:
                candidate = date(y, month, day)
                if year is not None or candidate >= today:
                    return candidate
        return None
    y, m = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(y, m)[1] and date(y, m, day) >= today:
            return date(y, m, day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def next_weekday(weekday: int, today: date, weeks_ahead: int = 0) -> date:
    """The next such weekday, today included; `weeks_ahead=1` gives that day of next week."""
    if weeks_ahead:
        return week_period(today, weeks_ahead).start + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def fiscal_year_period(fy_end_year: int, start_month: int) -> Period:
    """The fiscal year that ends in `fy_end_year` ("FY27" ends in 2027)."""
    if start_month == 1:
        return year_period(fy_end_year)
    start = date(fy_end_year - 1, start_month, 1)
    end = month_end(fy_end_year, start_month - 1)
    return Period(start, end)


def fiscal_year_containing(today: date, start_month: int) -> Period:
    end_year = today.year if start_month == 1 or today.month < start_month else today.year + 1
    return fiscal_year_period(end_year, start_month)


def fiscal_quarter_period(fy_end_year: int, quarter: int, start_month: int) -> Period:
    fy = fiscal_year_period(fy_end_year, start_month)
    start = add_months(fy.start, 3 * (quarter - 1))
    end = add_months(start, 3) - timedelta(days=1)
    return Period(start, end)


def season_period(season: str, year: int) -> Period:
    """Meteorological seasons of the northern hemisphere; winter runs Dec to Feb."""
    if season == "spring":
        return Period(date(year, 3, 1), date(year, 5, 31))
    if season == "summer":
        return Period(date(year, 6, 1), date(year, 8, 31))
    if season == "fall":
        return Period(date(year, 9, 1), date(year, 11, 30))
    if season == "winter":
        return Period(date(year, 12, 1), month_end(year + 1, 2))
    raise ValueError(f"unknown season {season!r}")


def next_season(season: str, today: date, year: int | None = None) -> Period:
    if year is not None:
        return season_period(season, year)
    for y in (today.year - 1, today.year, today.year + 1):
        period = season_period(season, y)
        if period.end >= today:
            return period
    return season_period(season, today.year + 1)
