"""Campaigns across daylight-saving changes (DESIGN §4): right days, right slots, no slot lost
or doubled. Expected instants are written out by hand, independently of the code."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core.delivery.models import Send
from core.delivery.planner import plan_due
from tests import factories as f

Z = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=Z)


CASES = {
    # zone, DST day, slots, {local day: [(slot start, slot end) in UTC, per slot index]}
    "paris-spring": ("Europe/Paris", date(2026, 3, 29), ("02:30", "03:30"), {
        date(2026, 3, 28): [(utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 2, 30)), (utc(2026, 3, 28, 8), utc(2026, 3, 28, 9))],
        # 02:30 does not exist: the slot starts at the end of the gap, 03:00 CEST.
        date(2026, 3, 29): [(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)), (utc(2026, 3, 29, 7), utc(2026, 3, 29, 8))],
        date(2026, 3, 30): [(utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 1, 30)), (utc(2026, 3, 30, 7), utc(2026, 3, 30, 8))],
    }),
    "paris-autumn": ("Europe/Paris", date(2026, 10, 25), ("02:30", "03:30"), {
        date(2026, 10, 24): [(utc(2026, 10, 24, 0, 30), utc(2026, 10, 24, 1, 30)), (utc(2026, 10, 24, 7), utc(2026, 10, 24, 8))],
        # 02:30 happens twice: the first (CEST); 03:30 is CET.
        date(2026, 10, 25): [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30)), (utc(2026, 10, 25, 8), utc(2026, 10, 25, 9))],
        date(2026, 10, 26): [(utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 30)), (utc(2026, 10, 26, 8), utc(2026, 10, 26, 9))],
    }),
    "newyork-spring": ("America/New_York", date(2026, 3, 8), ("01:30", "02:30"), {
        date(2026, 3, 7): [(utc(2026, 3, 7, 6, 30), utc(2026, 3, 7, 7, 30)), (utc(2026, 3, 7, 14), utc(2026, 3, 7, 15))],
        # 02:30 does not exist: the slot ends at 03:00 EDT.
        date(2026, 3, 8): [(utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7, 0)), (utc(2026, 3, 8, 13), utc(2026, 3, 8, 14))],
        date(2026, 3, 9): [(utc(2026, 3, 9, 5, 30), utc(2026, 3, 9, 6, 30)), (utc(2026, 3, 9, 13), utc(2026, 3, 9, 14))],
    }),
    "newyork-autumn": ("America/New_York", date(2026, 11, 1), ("01:30", "02:30"), {
        date(2026, 10, 31): [(utc(2026, 10, 31, 5, 30), utc(2026, 10, 31, 6, 30)), (utc(2026, 10, 31, 13), utc(2026, 10, 31, 14))],
        # 01:30 happens twice: the first (EDT); 02:30 is EST.
        date(2026, 11, 1): [(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7, 30)), (utc(2026, 11, 1, 14), utc(2026, 11, 1, 15))],
        date(2026, 11, 2): [(utc(2026, 11, 2, 6, 30), utc(2026, 11, 2, 7, 30)), (utc(2026, 11, 2, 14), utc(2026, 11, 2, 15))],
    }),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_slots_across_a_dst_change(session, settings, case):
    zone_name, dst_day, (night_start, night_end), expected = CASES[case]
    tz = ZoneInfo(zone_name)
    ws = f.workspace(session)
    m, _ = f.sender(session, ws, daily=50)
    slots = [{"weekday": d, "start": night_start, "end": night_end} for d in range(7)]
    slots += [{"weekday": d, "start": "09:00", "end": "10:00"} for d in range(7)]
    camp = f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 60)), tz=zone_name,
                      slots=slots, cohort=3, activated_at=utc(2026, 1, 1))

    # Every evening at 18:00 local, from three days before to the day after the change.
    first = dst_day - timedelta(days=3)
    for offset in range(4):
        evening = datetime.combine(first + timedelta(days=offset), time(18, 0), tzinfo=tz).astimezone(Z)
        plan_due(session=session, now=evening, settings=settings)

    sends = list(session.exec(select(Send).where(Send.campaign_id == camp.id)))
    # Slot indexes: 0–6 are the night slot of each weekday, 7–13 the morning one.
    kind = {i: i // 7 for i in range(14)}
    per_slot = Counter((s.local_date, kind[s.slot_index]) for s in sends)
    days = [dst_day - timedelta(days=2), dst_day - timedelta(days=1), dst_day, dst_day + timedelta(days=1)]
    # Each slot of each day exactly once, with its cohort: no slot lost or doubled.
    assert per_slot == {(d, i): 3 for d in days for i in range(2)}
    for s in sends:
        assert s.due_at.astimezone(tz).date() == s.local_date  # the right day
        assert slots[s.slot_index]["weekday"] == s.local_date.weekday()
        if s.local_date in expected:
            start, end = expected[s.local_date][kind[s.slot_index]]
            assert start <= s.due_at < end, (s.local_date, s.slot_index, s.due_at)
