"""Where in time a campaign may act: its slots on a local day, the next slot day, due instants
spread over a slot and spaced per account (DESIGN §4, P-19).

Days are the campaign's local calendar days (never "+ 24 h"); the gap and fold rules of
`core.campaigns.schedule.local_to_utc` apply to every slot edge."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.campaigns import schedule

MAX_DAYS_AHEAD = 14  # a schedule has at least one slot a week; two weeks covers any gap


@dataclass(frozen=True)
class SlotWindow:
    """One slot of a campaign on one local day. `index` is the slot's position in the
    campaign's slot list, stable across days."""

    day: date
    index: int
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return max((self.end - self.start).total_seconds(), 0.0)


def parsed_slots(raw: list[dict]) -> list[tuple[int, schedule.Slot]]:
    """(index, slot) pairs of a campaign's JSON slots; a malformed slot list gives none."""
    try:
        return list(enumerate(schedule.parse_slots(raw or [])))
    except ValueError:
        return []


def windows_on(raw_slots: list[dict], day: date, tz: ZoneInfo) -> list[SlotWindow]:
    """The slots of `day`'s weekday, in time order, as UTC windows (empty windows dropped:
    a slot that lies wholly inside a spring-forward gap has no instant to act in). Every claim
    asks this, so the answer is remembered per (slots, day, zone)."""
    try:
        key = tuple((item["weekday"], item["start"], item["end"]) for item in raw_slots or [])
        return list(_windows_on(key, day, tz))
    except (KeyError, TypeError):  # malformed or unhashable slots: computed (and refused) below
        return _compute_windows(raw_slots, day, tz)


@lru_cache(maxsize=4096)
def _windows_on(key: tuple, day: date, tz: ZoneInfo) -> tuple[SlotWindow, ...]:
    return tuple(_compute_windows([{"weekday": w, "start": s, "end": e} for w, s, e in key], day, tz))


def _compute_windows(raw_slots: list[dict], day: date, tz: ZoneInfo) -> list[SlotWindow]:
    out = []
    for index, slot in parsed_slots(raw_slots):
        if slot.weekday != day.weekday():
            continue
        start, end = schedule.slot_window(slot, day, tz)
        if end > start:
            out.append(SlotWindow(day, index, start, end))
    return sorted(out, key=lambda w: w.start)


def next_window(raw_slots: list[dict], tz: ZoneInfo, *, on_or_after: date, not_before: datetime | None = None,
                ) -> SlotWindow | None:
    """The first slot on local day `on_or_after` or later (ending after `not_before` when given)."""
    for offset in range(MAX_DAYS_AHEAD + 1):
        day = on_or_after + timedelta(days=offset)
        for window in windows_on(raw_slots, day, tz):
            if not_before is None or window.end > not_before:
                return window
    return None


def spread(window: SlotWindow, count: int, rng: random.Random) -> list[datetime]:
    """`count` instants spread over the slot, each in its own equal share with a random place
    inside the middle of the share (not bunched at the slot's start)."""
    if count <= 0:
        return []
    share = window.seconds / count
    return [
        window.start + timedelta(seconds=share * (i + 0.15 + 0.7 * rng.random()))
        for i in range(count)
    ]


def space_out(instants: list[datetime], *, min_seconds: int, jitter_seconds: int, rng: random.Random,
              after: datetime | None = None) -> list[datetime]:
    """Push instants forward so that two consecutive ones are at least `min_seconds` plus a
    random jitter apart (one account's actions). Order is kept; input need not be sorted."""
    order = sorted(range(len(instants)), key=lambda i: instants[i])
    out = list(instants)
    previous = after
    for i in order:
        t = out[i]
        if previous is not None:
            earliest = previous + timedelta(seconds=min_seconds + rng.uniform(0, jitter_seconds))
            if t < earliest:
                t = earliest
        out[i] = t.replace(microsecond=0)
        previous = out[i]
    return out


def fit(window: SlotWindow, min_seconds: int) -> int:
    """How many actions of one account fit in the slot at the minimum spacing: the first at its
    start, the last a second before its end (P-19)."""
    seconds = int(window.seconds)
    if seconds < 1:
        return 0
    if min_seconds <= 0:
        return 10**6
    return (seconds - 1) // min_seconds + 1


def last_instant(window: SlotWindow) -> datetime:
    """The latest whole second inside the slot (due instants carry no microseconds)."""
    end = window.end.replace(microsecond=0)
    return end - timedelta(seconds=1) if end >= window.end else end


def within_slots(instants: list[datetime], windows: list[SlotWindow], *, min_seconds: int, jitter_seconds: int,
                 rng: random.Random) -> list[datetime | None]:
    """One account's instants, spaced at least `min_seconds` (plus jitter where the slot leaves
    room) and each kept inside its own slot. `None` for an instant that does not fit: its slot
    is full at the minimum spacing (the caller moves it to a later slot)."""
    spaced = space_out(instants, min_seconds=min_seconds, jitter_seconds=jitter_seconds, rng=rng)
    kept = sorted(range(len(instants)), key=lambda i: (spaced[i], i))
    out: list[datetime | None] = [None] * len(instants)
    while True:
        # Backwards from the last: no later than its slot's last second nor `min` before the next.
        # Forward times are spaced, so min(forward, backward) is spaced too.
        latest = None
        placed = {}
        for i in reversed(kept):
            bound = last_instant(windows[i])
            if latest is not None:
                bound = min(bound, latest - timedelta(seconds=min_seconds))
            placed[i] = latest = min(spaced[i], bound)
        late = next((i for i in kept if placed[i] < windows[i].start), None)
        if late is None:
            break
        kept.remove(late)
    for i in kept:
        out[i] = placed[i]
    return out


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def start_of_next_local_day(instant: datetime, tz: ZoneInfo) -> datetime:
    """Midnight at the start of the local day after `instant`, as UTC."""
    from datetime import time

    return schedule.local_to_utc(local_day(instant, tz) + timedelta(days=1), time(0, 0), tz)
