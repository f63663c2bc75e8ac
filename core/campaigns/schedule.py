"""Schedules (P-19) and the rules of time (DESIGN §4): IANA timezones, weekly slots, local days.

A local time that does not exist (spring forward) moves to the first instant after the gap;
an ambiguous one (fall back) takes its first occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.i18n import t, weekday_name

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COHORT_MIN, COHORT_MAX = 1, 25


@dataclass(frozen=True)
class Slot:
    weekday: int  # Monday = 0
    start: time
    end: time

    def as_json(self) -> dict:
        return {"weekday": self.weekday, "start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(t("schedule.unknown_timezone", name=name)) from None


def parse_time(value: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(t("schedule.bad_time", value=value)) from None


def parse_slots(raw: list[dict]) -> list[Slot]:
    """Slots from their JSON form; raises ValueError naming the first problem."""
    slots = []
    for i, item in enumerate(raw, start=1):
        weekday = item.get("weekday")
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(t("schedule.no_weekday", position=i))
        start, end = parse_time(str(item.get("start", ""))), parse_time(str(item.get("end", "")))
        if end <= start:
            raise ValueError(t("schedule.end_before_start", position=i, day=weekday_name(weekday, width="wide"),
                               end=f"{end:%H:%M}", start=f"{start:%H:%M}"))
        slots.append(Slot(weekday, start, end))
    by_day = sorted(slots, key=lambda s: (s.weekday, s.start))
    for a, b in pairwise(by_day):
        if a.weekday == b.weekday and b.start < a.end:
            raise ValueError(t("schedule.overlap", day=weekday_name(a.weekday, width="wide"),
                               first=f"{a.start:%H:%M}–{a.end:%H:%M}", second=f"{b.start:%H:%M}–{b.end:%H:%M}"))
    return slots


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, with DESIGN §4's gap and fold rules."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    # A time in a gap does not survive the round trip through UTC: take the end of the gap.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return _transition_after(naive, tz)
    return first.astimezone(UTC)


def _transition_after(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant at which local time first reaches or passes `naive` (end of a gap)."""
    lo = (naive - timedelta(hours=16)).replace(tzinfo=UTC)
    hi = (naive + timedelta(hours=16)).replace(tzinfo=UTC)
    # Local time only moves forward around a gap: bisect to the second.
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def slots_on(slots: list[Slot], day: date) -> list[Slot]:
    return sorted((s for s in slots if s.weekday == day.weekday()), key=lambda s: s.start)


def slot_window(slot: Slot, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a slot on a local day."""
    return local_to_utc(day, slot.start, tz), local_to_utc(day, slot.end, tz)
