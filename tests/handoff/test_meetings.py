"""Meeting slots: working hours, time zone, slot length, buffer, booked slots."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handoff.meetings import Availability, AvailabilityError, free_slots

LONDON = ZoneInfo("Europe/London")
# Tuesday 10 March 2026, 08:00 UTC (08:00 in London, before working hours).
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def starts(slots):
    return [s.start.strftime("%a %H:%M") for s in slots]


def test_first_slots_start_with_the_working_day_after_notice():
    avail = Availability(timezone="Europe/London", notice_minutes=60)
    assert starts(free_slots(avail, NOW)) == ["Tue 09:00", "Tue 09:45", "Tue 10:30"]


def test_booked_slots_and_their_buffer_are_never_offered():
    avail = Availability(timezone="Europe/London")
    nine = datetime(2026, 3, 10, 9, 0, tzinfo=LONDON)
    booked = [(nine, nine + timedelta(minutes=30))]
    offered = free_slots(avail, NOW, booked)
    assert all(s.start >= nine + timedelta(minutes=45) for s in offered)
    assert starts(offered)[0] == "Tue 09:45"


def test_weekend_is_skipped():
    friday_evening = datetime(2026, 3, 13, 18, 0, tzinfo=UTC)
    offered = free_slots(Availability(), friday_evening, count=1)
    assert starts(offered) == ["Mon 09:00"]


def test_time_zone_shifts_the_day():
    avail = Availability(timezone="America/New_York")
    offered = free_slots(avail, NOW, count=1)
    assert offered[0].start.tzinfo.key == "America/New_York"
    assert offered[0].start.hour == 9


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        pytest.param({"timezone": "Mars/Olympus"}, "availability.timezone", id="bad-zone"),
        pytest.param({"days": ["mon", "funday"]}, "availability.days", id="bad-day"),
        pytest.param({"hours": "9 to 5"}, "availability.hours", id="bad-hours"),
        pytest.param({"hours": "17:00-09:00"}, "availability.hours", id="reversed-hours"),
        pytest.param({"slot_minutes": "30"}, "availability.slot_minutes", id="string-minutes"),
        pytest.param({"slot_minutes": 0}, "availability.slot_minutes", id="zero-minutes"),
    ],
)
def test_bad_availability_names_the_key(doc, key):
    with pytest.raises(AvailabilityError) as err:
        Availability.from_mapping(doc)
    assert err.value.key == key


def test_availability_from_mapping_reads_every_key():
    avail = Availability.from_mapping(
        {"timezone": "Europe/Berlin", "days": ["Mon", "wed"], "hours": "10:00-12:00",
         "slot_minutes": 20, "buffer_minutes": 10, "notice_minutes": 0}
    )
    assert (avail.timezone, avail.days, avail.slot_minutes, avail.buffer_minutes) == (
        "Europe/Berlin", ("mon", "wed"), 20, 10)
