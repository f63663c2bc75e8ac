"""Rules of time (DESIGN §4): gaps move forward, folds take the first occurrence."""

from datetime import date, datetime, time, timezone

import pytest

from core.campaigns.schedule import local_to_utc, parse_slots, slot_window, slots_on, zone

UTC = timezone.utc


@pytest.mark.parametrize("tz, day, at, expected", [
    ("Europe/Paris", date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),   # gap → 03:00 CEST
    ("Europe/Paris", date(2026, 3, 29), time(9, 0), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    ("Europe/Paris", date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # fold → first
    ("Europe/Paris", date(2026, 10, 25), time(9, 0), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 3, 8), time(2, 15), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 2), time(9, 0), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),
])
def test_local_to_utc(tz, day, at, expected):
    assert local_to_utc(day, at, zone(tz)) == expected


def test_a_slot_across_the_spring_gap_is_shorter_not_lost():
    slots = parse_slots([{"weekday": 6, "start": "01:30", "end": "03:30"}])
    start, end = slot_window(slots_on(slots, date(2026, 3, 29))[0], date(2026, 3, 29), zone("Europe/Paris"))
    assert (end - start).total_seconds() == 3600  # 01:30 CET → 03:30 CEST is one real hour


def test_unknown_timezone():
    with pytest.raises(ValueError, match="IANA"):
        zone("Europe/Atlantis")
