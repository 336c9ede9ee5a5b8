"""Meeting slots an SDR can offer: working hours, time zone, slot length, buffer.

Pure: the caller passes the reference time and the slots already booked. Uses
the standard library's `zoneinfo` for time zones; no calendar library is
needed for "the next N free slots within working hours".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AvailabilityError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True, slots=True)
class Availability:
    """When one SDR takes meetings."""

    timezone: str = "UTC"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: time = time(9, 0)
    end: time = time(17, 0)
    slot_minutes: int = 30
    buffer_minutes: int = 15
    # Earliest a slot may start after `now` (nobody wants a call in 3 minutes).
    notice_minutes: int = 60

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], key: str = "availability") -> Availability:
        tz = str(doc.get("timezone", "UTC"))
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise AvailabilityError(f"{key}.timezone", f"unknown time zone {tz!r}") from None
        days = tuple(str(d).lower()[:3] for d in doc.get("days", WEEKDAYS[:5]))
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            raise AvailabilityError(f"{key}.days", f"unknown day(s) {bad}; use mon..sun")
        hours = str(doc.get("hours", "09:00-17:00"))
        try:
            start_s, end_s = hours.split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError:
            raise AvailabilityError(f"{key}.hours", f"expected 'HH:MM-HH:MM', got {hours!r}") from None
        if end <= start:
            raise AvailabilityError(f"{key}.hours", "end must be after start")
        ints = {}
        for name, default in (("slot_minutes", 30), ("buffer_minutes", 15), ("notice_minutes", 60)):
            value = doc.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise AvailabilityError(f"{key}.{name}", f"must be a non-negative integer, got {value!r}")
            ints[name] = value
        if ints["slot_minutes"] == 0:
            raise AvailabilityError(f"{key}.slot_minutes", "must be positive")
        return cls(timezone=tz, days=days, start=start, end=end, **ints)


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # aware, in the SDR's time zone
    end: datetime

    def label(self) -> str:
        """'Tue 10 Mar, 14:00–14:30 (Europe/London)'."""
        tz = self.start.tzinfo.key if isinstance(self.start.tzinfo, ZoneInfo) else "UTC"
        return f"{self.start:%a %d %b, %H:%M}–{self.end:%H:%M} ({tz})"


def free_slots(
    availability: Availability,
    now: datetime,
    booked: Iterable[tuple[datetime, datetime]] = (),
    count: int = 3,
    horizon_days: int = 14,
) -> list[Slot]:
    """The next `count` free slots after `now` (aware), never overlapping a booked
    slot or its buffer."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = ZoneInfo(availability.timezone)
    local_now = now.astimezone(tz)
    earliest = local_now + timedelta(minutes=availability.notice_minutes)
    length = timedelta(minutes=availability.slot_minutes)
    buffer = timedelta(minutes=availability.buffer_minutes)
    busy = [(s.astimezone(tz) - buffer, e.astimezone(tz) + buffer) for s, e in booked]
    found: list[Slot] = []
    day = local_now.date()
    for _ in range(horizon_days + 1):
        if WEEKDAYS[day.weekday()] in availability.days:
            cursor = datetime.combine(day, availability.start, tzinfo=tz)
            day_end = datetime.combine(day, availability.end, tzinfo=tz)
            while cursor + length <= day_end:
                end = cursor + length
                if cursor >= earliest and not any(cursor < b_end and end > b_start for b_start, b_end in busy):
                    found.append(Slot(cursor, end))
                    if len(found) == count:
                        return found
                    # Spread offers out: the next offer starts after this one plus buffer.
                    cursor = end + buffer
                    continue
                cursor += timedelta(minutes=15)
        day += timedelta(days=1)
    return found
