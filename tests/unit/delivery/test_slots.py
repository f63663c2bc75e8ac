"""Slot windows, spreading and per-account spacing (pure functions, no I/O)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.delivery import slots

Z = timezone.utc


def test_windows_on_a_day_follow_its_weekday_and_skip_empty_gap_slots():
    raw = [{"weekday": 6, "start": "02:10", "end": "02:50"},  # wholly inside Paris's spring gap
           {"weekday": 6, "start": "09:00", "end": "10:00"},
           {"weekday": 0, "start": "09:00", "end": "10:00"}]
    windows = slots.windows_on(raw, date(2026, 3, 29), ZoneInfo("Europe/Paris"))
    assert [(w.index, w.start, w.end) for w in windows] == [
        (1, datetime(2026, 3, 29, 7, tzinfo=Z), datetime(2026, 3, 29, 8, tzinfo=Z))]


def test_next_window_skips_days_without_slots_and_slots_already_over():
    raw = [{"weekday": 0, "start": "09:00", "end": "10:00"}, {"weekday": 2, "start": "14:00", "end": "15:00"}]
    tz = ZoneInfo("UTC")
    # Monday 30 November 2026 at 09:30: Monday's slot is still open.
    w = slots.next_window(raw, tz, on_or_after=date(2026, 11, 30), not_before=datetime(2026, 11, 30, 9, 30, tzinfo=Z))
    assert (w.day, w.index) == (date(2026, 11, 30), 0)
    w = slots.next_window(raw, tz, on_or_after=date(2026, 11, 30), not_before=datetime(2026, 11, 30, 10, 30, tzinfo=Z))
    assert (w.day, w.index) == (date(2026, 12, 2), 1)
    assert slots.next_window([], tz, on_or_after=date(2026, 11, 30)) is None


def test_spread_puts_one_instant_in_each_share_of_the_slot():
    w = slots.SlotWindow(date(2026, 1, 5), 0, datetime(2026, 1, 5, 9, tzinfo=Z), datetime(2026, 1, 5, 11, tzinfo=Z))
    instants = slots.spread(w, 4, random.Random(1))
    for i, t in enumerate(instants):
        assert w.start + timedelta(minutes=30 * i) <= t < w.start + timedelta(minutes=30 * (i + 1))


def test_space_out_keeps_the_minimum_gap_plus_jitter_and_the_order():
    base = datetime(2026, 1, 5, 9, tzinfo=Z)
    bunched = [base + timedelta(seconds=s) for s in (30, 0, 10, 500)]
    spaced = slots.space_out(bunched, min_seconds=60, jitter_seconds=20, rng=random.Random(3))
    ordered = sorted(spaced)
    assert all(60 <= (b - a).total_seconds() for a, b in zip(ordered, ordered[1:]))
    assert [sorted(bunched).index(t) for t in bunched] == [ordered.index(t) for t in spaced]
    after = slots.space_out([base], min_seconds=60, jitter_seconds=0, rng=random.Random(3), after=base)
    assert after == [base + timedelta(seconds=60)]


def test_a_slot_fits_what_its_length_allows_at_the_minimum_spacing_and_keeps_it_inside():
    w = slots.SlotWindow(date(2026, 1, 5), 0, datetime(2026, 1, 5, 9, tzinfo=Z), datetime(2026, 1, 5, 9, 15, tzinfo=Z))
    assert slots.fit(w, 60) == 15
    instants = slots.spread(w, 16, random.Random(2))
    placed = slots.within_slots(instants, [w] * 16, min_seconds=60, jitter_seconds=45, rng=random.Random(2))
    kept = sorted(t for t in placed if t is not None)
    assert len(kept) == 15 and placed.count(None) == 1
    assert all(w.start <= t < w.end for t in kept)
    assert all((b - a).total_seconds() >= 60 for a, b in zip(kept, kept[1:]))
