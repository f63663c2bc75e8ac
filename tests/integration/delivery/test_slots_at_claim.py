"""P-17/P-19 at the claim: a send goes out only inside one of its campaign's slot windows. A
retry's back-off that ends after the slot does not send then; the send moves to the next window
(keeping its reason) and goes out there — checked on the Unipile simulator's own record."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from core.campaigns import schedule
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import claims, slots
from core.delivery.linkedin.unipile import UnipileGateway
from core.delivery.models import S_PLANNED, S_SENT, Send
from core.notify import LoggingNotifier
from core.delivery.planner import plan_due
from core.delivery.sending import perform_send
from tests import factories as f
from tests.integration.delivery.conftest import KEY
from tests.simulators.unipile import UnipileSimulator

INVITE = "POST /users/invite"
ACCOUNT = "unipile-slots-1"
EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # a Thursday
SLOTS = [{"weekday": d, "start": start, "end": end} for d in range(7)
         for start, end in (("09:00", "09:15"), ("14:00", "14:15"))]


@pytest.fixture
def clock():
    return FrozenClock(EVENING)


@pytest.fixture
def paced(settings, clock):
    """The simulator records calls at the test's clock, so its record can be checked against slots."""
    simulator = UnipileSimulator(KEY, now=clock.now)
    simulator.start_in_thread()
    fast = settings.model_copy(update={"min_spacing_seconds": 0, "spacing_jitter_seconds": 0,
                                       "linkedin_provider": "unipile", "unipile_base_url": simulator.base_url,
                                       "unipile_api_key": KEY, "unipile_timeout_seconds": 1.0})
    gw = UnipileGateway.from_settings(fast)
    yield simulator, gw, fast
    gw.close()
    simulator.stop_thread()


def one_invitation(db, settings, *, tz: str, due: datetime) -> int:
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, _ = f.sender(s, ws, account_key=ACCOUNT, provider="unipile")
        f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, 1, prefix="lead")), cohort=5, tz=tz, slots=SLOTS)
        plan_due(session=s, now=EVENING, settings=settings)
        send_id = s.exec(select(Send.id)).one()
        s.execute(update(Send).values(due_at=due))
    return send_id


def inside_a_slot(at: datetime, tz: str) -> bool:
    zone = schedule.zone(tz)
    return any(w.start <= at < w.end for w in slots.windows_on(SLOTS, slots.local_day(at, zone), zone))


def get(db, send_id) -> Send:
    with Session(db) as s:
        return s.get(Send, send_id)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_a_retry_whose_back_off_ends_after_the_slot_goes_out_in_the_next_slot(db, paced, clock, tz):
    sim, gateway, fast = paced
    zone = schedule.zone(tz)
    day = EVENING.astimezone(zone).date() + timedelta(days=1)
    first, second = slots.windows_on(SLOTS, day, zone)
    clock.set(first.end - timedelta(minutes=1))  # 09:14 local: one minute before the slot's end
    send_id = one_invitation(db, fast, tz=tz, due=clock.now())

    def run():
        return perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                            send_id=send_id, worker="w")

    sim.fail_next(INVITE, 500)
    assert run() == "retry"  # back-off of 2 minutes: due at 09:16, after the slot
    released = get(db, send_id)
    assert released.status == S_PLANNED and released.due_at >= first.end and released.reason
    reason = released.reason

    clock.set(released.due_at)
    assert run() == claims.MOVED  # due, but outside every slot: not claimed, no call
    assert len(sim.calls_to(INVITE)) == 1
    moved = get(db, send_id)
    assert moved.status == S_PLANNED and moved.reason == reason
    assert (moved.local_date, moved.slot_index) == (day, second.index)
    assert second.start <= moved.due_at < second.end

    clock.set(moved.due_at)
    assert run() in ("sent", "reconciled")
    assert get(db, send_id).status == S_SENT
    calls = sim.calls_to(INVITE)
    assert len(calls) == 2 and len(sim.invitations) == 1
    assert all(inside_a_slot(c.at, tz) for c in calls), [c.at for c in calls]


def test_a_send_due_after_the_last_slot_of_the_day_moves_to_the_next_day(db, paced, clock):
    sim, gateway, fast = paced
    clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc))
    send_id = one_invitation(db, fast, tz="UTC", due=clock.now())
    assert perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                        send_id=send_id, worker="w") == claims.MOVED
    moved = get(db, send_id)
    saturday = datetime(2026, 11, 28).date()
    assert (moved.local_date, moved.slot_index) == (saturday, slots.windows_on(SLOTS, saturday, schedule.zone("UTC"))[0].index)
    assert datetime(2026, 11, 28, 9, tzinfo=timezone.utc) <= moved.due_at < datetime(2026, 11, 28, 9, 15,
                                                                                       tzinfo=timezone.utc)
    assert not sim.calls_to(INVITE)
