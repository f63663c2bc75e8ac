"""Where a planned send goes when it cannot go now (P-17, P-19): into the campaign's next slot
window, later within its slot (the account's spacing, a cap), or to a later local day. A send is
never due outside one of its campaign's slots; due instants are whole seconds."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlmodel import Session

from core.campaigns import schedule
from core.delivery import slots
from core.delivery.models import S_PLANNED, Send

T = Send.__table__

MOVED_PAST_SLOT = "spacing pushed it past its slot: moved to the next slot"


class Scheduled(Protocol):
    """What a move reads of the send's campaign: a `Campaign`, or its columns read with the claim."""

    @property
    def timezone(self) -> str: ...

    @property
    def slots(self) -> list[dict[str, Any]]: ...


def in_a_slot(session: Session, send_id: int, campaign: Scheduled, now: datetime) -> bool:
    """P-17/P-19 at the claim: `now` must fall inside one of the campaign's slot windows (its
    local day, DST rules of `schedule`). A send due outside them (a retry's back-off, any other
    delay) moves to the campaign's next window, keeping its reason; False then (not sent now)."""
    tz = schedule.zone(campaign.timezone)
    day = slots.local_day(now, tz)
    if any(w.start <= now < w.end for w in slots.windows_on(campaign.slots, day, tz)):
        return True
    target = slots.next_window(campaign.slots, tz, on_or_after=day, not_before=now)
    if target is not None:  # none: the schedule has no slot at all, the send waits where it is
        _move_into(session, send_id, target, now)
    return False


def _move_into(session: Session, send_id: int, target: slots.SlotWindow, now: datetime, **values: Any) -> None:
    """A planned send to a random instant in the middle of window `target` (not its very edges)."""
    rng = random.Random(f"slot:{send_id}:{target.day}:{target.index}")
    due = target.start + timedelta(seconds=rng.uniform(0.1, 0.9) * target.seconds)
    session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED).values(
        local_date=target.day, slot_index=target.index, due_at=due.replace(microsecond=0),
        updated_at=now, **values))


def set_due(session: Session, send_id: int, campaign: Scheduled, due: datetime, now: datetime,
            reason: str | None = None, *, earliest: datetime | None = None) -> None:
    """Move a planned send later within its slot (without the jitter if only that fits), or,
    when its slot is over by then, to the campaign's next slot (P-19: never due outside a slot)."""
    due = _second_up(due)
    values: dict[str, Any] = {"updated_at": now}
    tz = schedule.zone(campaign.timezone)
    local_date, index = session.execute(select(T.c.local_date, T.c.slot_index).where(T.c.id == send_id)).one()
    window = next((w for w in slots.windows_on(campaign.slots, local_date, tz) if w.index == index), None)
    last = slots.last_instant(window) if window is not None else None
    if last is not None and due > last and earliest is not None and _second_up(earliest) <= last:
        due = _second_up(earliest)
    if last is None or due > last:
        target = slots.next_window(campaign.slots, tz, on_or_after=max(local_date, slots.local_day(due, tz)),
                                   not_before=due)
        if target is None:
            return  # the schedule has no slot left: stays where it is, the planner's reasons tell
        if due < target.start:
            rng = random.Random(f"slot:{send_id}:{target.day}:{target.index}")
            due = (target.start + timedelta(seconds=rng.uniform(0.1, 0.9) * target.seconds)).replace(microsecond=0)
        values.update(local_date=target.day, slot_index=target.index)
        reason = reason or MOVED_PAST_SLOT
    values["due_at"] = due
    if reason:
        values["reason"] = reason[:200]
    session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED).values(**values))


def _second_up(instant: datetime) -> datetime:
    """Due instants are whole seconds; rounded up, so that a send moved for the spacing is never
    due before the spacing allows it."""
    whole = instant.replace(microsecond=0)
    return whole if whole == instant else whole + timedelta(seconds=1)


def move_to_next_day(session: Session, send_id: int, campaign: Scheduled, *, after: datetime, now: datetime,
                     reason: str | None = None) -> None:
    """Move a planned send to the first slot of a later local day (the same slot if it has one),
    keeping its place within the slot."""
    tz = schedule.zone(campaign.timezone)
    send = session.execute(select(T.c.local_date, T.c.slot_index).where(T.c.id == send_id)).one()
    day = max(slots.local_day(after, tz), send.local_date) + timedelta(days=1)
    window = slots.next_window(campaign.slots, tz, on_or_after=day, not_before=after)
    if window is None:
        return
    same = [w for w in slots.windows_on(campaign.slots, window.day, tz) if w.index == send.slot_index]
    target = same[0] if same else window
    rng = random.Random(f"move:{send_id}:{target.day}")
    due = target.start + timedelta(seconds=rng.uniform(0.1, 0.9) * target.seconds)
    session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED).values(
        local_date=target.day, slot_index=target.index, due_at=due.replace(microsecond=0), updated_at=now,
        reason=(reason or "moved to the next day")[:200]))
