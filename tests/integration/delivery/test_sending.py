"""Claim, call, record (invariants 1–4): duplicated messages, racing workers, stop, caps and
spacing at claim time, provider errors and reconciliation of unknown outcomes."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from core.campaigns.models import STATUS_STOPPED, Campaign
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.i18n import render_invocations
from core.delivery import claims
from core.delivery.linkedin.port import (
    AccountDisconnected, NoteLimitReached, OutcomeUnknown, RateLimited, Transient,
)
from core.delivery.models import E_INVITED, S_CANCELLED, S_PLANNED, S_SENT, Enrollment, Send
from core.notify import LoggingNotifier
from core.delivery.planner import plan_due
from core.delivery.sending import perform_send
from core.delivery.stop import cancel_campaign_sends
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount, Workspace
from tests import factories as f
from tests.fakes import FakeGateway

EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)


def setup(db, settings, *, count=3, cohort=10, **sender_kw):
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws, **sender_kw)
        camp = f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, count)), cohort=cohort)
        plan_due(session=s, now=EVENING, settings=settings)
        ids = [x.id for x in s.exec(select(Send).order_by(Send.due_at))]
    return camp, acct, ids


def send(db, gateway, clock, settings, send_id, worker="w1", notifier=None):
    return perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=settings,
                        notifier=notifier or LoggingNotifier(), send_id=send_id, worker=worker)


def get(db, send_id) -> Send:
    with Session(db) as s:
        return s.get(Send, send_id)


def at_due(db, clock, send_id):
    clock.set(get(db, send_id).due_at)


def test_a_due_invitation_is_sent_once_and_the_enrollment_moves_on(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    assert send(db, gw, clock, settings, ids[0]) == claims.NOT_DUE  # not due yet
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "sent"
    assert send(db, gw, clock, settings, ids[0]) == claims.NOT_DUE  # the same broker message again
    row = get(db, ids[0])
    assert row.status == S_SENT and row.provider_ref == "inv-1" and row.attempt == 1
    assert len(gw.acting_calls("send_invitation")) == 1
    assert gw.acting_calls("send_invitation")[0].args["note"] == row.text
    with Session(db) as s:
        e = s.get(Enrollment, row.enrollment_id)
        assert e.state == E_INVITED and e.invitation_id == "inv-1"


def test_two_workers_racing_for_one_send_call_the_provider_once(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    at_due(db, clock, ids[0])
    barrier = threading.Barrier(4)
    results = []

    def worker(n):
        barrier.wait()
        results.append(send(db, gw, clock, settings, ids[0], worker=f"w{n}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("sent") == 1
    assert len(gw.acting_calls("send_invitation")) == 1


def test_spacing_and_caps_are_checked_at_claim_time(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, acct, ids = setup(db, settings, count=3, daily=2)
    assert len(ids) == 2  # the planner already kept to the cap
    first, second = ids
    at_due(db, clock, first)
    assert send(db, gw, clock, settings, first) == "sent"
    # The second, forced due right away, is too close to the first: moved, not sent.
    with UnitOfWork(db)() as s:
        s.get(Send, second).due_at = clock.now()
    assert send(db, gw, clock, settings, second) == claims.MOVED
    assert get(db, second).due_at >= clock.now() + timedelta(seconds=settings.min_spacing_seconds)
    # A third send squeezed in by hand (as if another planner had) meets the daily cap.
    at_due(db, clock, second)
    assert send(db, gw, clock, settings, second) == "sent"
    with UnitOfWork(db)() as s:
        e = s.get(Enrollment, get(db, first).enrollment_id)
        ws_id, camp_id = e.workspace_id, e.campaign_id
        extra = f.contacts(s, s.get(Workspace, ws_id), 1)[0]
        en = Enrollment(workspace_id=ws_id, campaign_id=camp_id, contact_id=extra.id, account_id=acct.id, state="planned")
        s.add(en)
        s.flush()
        row = Send(workspace_id=ws_id, campaign_id=camp_id, enrollment_id=en.id, account_id=acct.id, contact_id=extra.id,
                   step="invitation", language="en", text="Hi", local_date=clock.now().date(),
                   due_at=clock.now() + timedelta(minutes=10))
        s.add(row)
        s.flush()
        third = row.id
    clock.advance(timedelta(minutes=10))
    assert send(db, gw, clock, settings, third) == claims.MOVED
    assert get(db, third).local_date > clock.now().date() and "daily invitation cap" in get(db, third).reason
    assert len(gw.acting_calls("send_invitation")) == 2


def test_a_send_pushed_past_its_slot_by_spacing_moves_to_the_next_slot(db, settings):
    """P-19 at claim time: the account acted at 09:14:20 in a 09:00-09:15 slot; the send due at
    09:14:30 cannot be spaced inside the slot, so it goes to the next slot, saying why."""
    slot = [{"weekday": d, "start": "09:00", "end": "09:15"} for d in range(7)]
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws)
        f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, 1)), cohort=5, slots=slot)
        plan_due(session=s, now=EVENING, settings=settings)
        row = s.exec(select(Send)).one()
        send_id, day = row.id, row.local_date
        row.due_at = datetime(2026, 11, 27, 9, 14, 30, tzinfo=timezone.utc)
        s.get(LinkedInAccount, acct.id).last_action_at = datetime(2026, 11, 27, 9, 14, 20, tzinfo=timezone.utc)
    clock = FrozenClock(datetime(2026, 11, 27, 9, 14, 30, tzinfo=timezone.utc))
    gw = FakeGateway(clock)
    assert send(db, gw, clock, settings, send_id) == claims.MOVED
    moved = get(db, send_id)
    assert moved.local_date == day + timedelta(days=1) and moved.status == S_PLANNED
    assert datetime(2026, 11, 28, 9, tzinfo=timezone.utc) <= moved.due_at < datetime(2026, 11, 28, 9, 15, tzinfo=timezone.utc)
    assert "past its slot" in moved.reason
    # Earlier in the slot the same spacing keeps it in its slot, at least the minimum apart.
    clock.advance(timedelta(days=1, minutes=-10))  # Saturday 09:04:30
    with UnitOfWork(db)() as s:
        s.get(Send, send_id).due_at = clock.now()
        s.get(LinkedInAccount, acct.id).last_action_at = clock.now() - timedelta(seconds=10)
    assert send(db, gw, clock, settings, send_id) == claims.MOVED
    kept = get(db, send_id)
    assert kept.local_date == day + timedelta(days=1)
    assert clock.now() + timedelta(seconds=50) <= kept.due_at < datetime(2026, 11, 28, 9, 15, tzinfo=timezone.utc)
    assert not gw.acting_calls("send_invitation")


def test_nothing_is_claimed_after_a_stop(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    camp, _, ids = setup(db, settings, count=3)
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "sent"
    with UnitOfWork(db)() as s:
        c = s.get(Campaign, camp.id)
        c.status = STATUS_STOPPED
        s.add(c)
        s.flush()
        assert cancel_campaign_sends(session=s, campaign_id=camp.id, now=clock.now()) == 2
    clock.advance(timedelta(days=1))
    assert [send(db, gw, clock, settings, i) for i in ids[1:]] == [claims.NOT_DUE, claims.NOT_DUE]
    assert {get(db, i).status for i in ids[1:]} == {S_CANCELLED}
    assert len(gw.acting_calls("send_invitation")) == 1


def test_a_send_planned_after_a_stop_is_cancelled_at_claim(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    camp, _, ids = setup(db, settings, count=1)
    with UnitOfWork(db)() as s:  # a stop that raced the planner: the send is still planned
        s.get(Campaign, camp.id).status = STATUS_STOPPED
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == claims.CANCELLED
    assert get(db, ids[0]).status == S_CANCELLED and gw.acting_calls("send_invitation") == []


def test_timeout_after_the_action_is_reconciled_not_retried(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    gw.fail_next("send_invitation", OutcomeUnknown("timeout"), after_action=True)
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "reconciled"
    assert get(db, ids[0]).status == S_SENT and get(db, ids[0]).provider_ref == "inv-1"
    assert len(gw.acting_calls("send_invitation")) == 1


def test_a_5xx_without_action_is_retried_later_after_checking(db, settings):
    """A 5xx to a write is an unknown outcome (the gateway says `OutcomeUnknown`): retried only
    after the pending invitations showed it did not happen."""
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    gw.fail_next("send_invitation", OutcomeUnknown("500"))
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "retry"
    row = get(db, ids[0])
    assert row.status == S_PLANNED and row.outcome_unknown and row.due_at > clock.now()
    looked = len(gw.acting_calls("list_sent_invitations"))
    clock.set(row.due_at)
    assert send(db, gw, clock, settings, ids[0]) == "sent"
    assert len(gw.acting_calls("list_sent_invitations")) > looked  # checked again before acting
    assert len(gw.acting_calls("send_invitation")) == 2 and len(gw.pending) == 1


def test_a_request_that_never_left_is_retried_as_it_is(db, settings):
    """`Transient` (connection refused, DNS: nothing left): back to planned without the mark, and
    the next attempt acts without asking the provider first."""
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    gw.fail_next("send_invitation", Transient("connection refused"))
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "retry"
    row = get(db, ids[0])
    assert row.status == S_PLANNED and not row.outcome_unknown and row.sent_at is None
    clock.set(row.due_at)
    assert send(db, gw, clock, settings, ids[0]) == "sent"
    assert gw.acting_calls("list_sent_invitations") == [] and len(gw.acting_calls("send_invitation")) == 2


def test_rate_limited_pauses_the_account_until_its_next_day_and_moves_sends(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, acct, ids = setup(db, settings, count=3)
    gw.fail_next("send_invitation", RateLimited("429", retry_after=30))
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0]) == "rate_limited"
    with Session(db) as s:
        a = s.get(LinkedInAccount, acct.id)
        assert a.invitations_paused_until == datetime(2026, 11, 28, tzinfo=timezone.utc)
        moved = [s.get(Send, i) for i in ids]
    assert all(m.status == S_PLANNED and m.due_at >= a.invitations_paused_until for m in moved)
    assert {m.local_date for m in moved} == {datetime(2026, 11, 28).date()}


def test_note_limit_and_disconnection_pause_and_tell_the_sender(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    camp, acct, ids = setup(db, settings, count=2)
    notifier = LoggingNotifier()
    gw.fail_next("send_invitation", NoteLimitReached("too long"))
    at_due(db, clock, ids[0])
    assert send(db, gw, clock, settings, ids[0], notifier=notifier) == "note_limit"
    at_due(db, clock, ids[1])
    assert send(db, gw, clock, settings, ids[1]) == claims.HELD
    with UnitOfWork(db)() as s:
        s.get(LinkedInAccount, acct.id).invitations_paused_reason = None
    gw.fail_next("send_invitation", AccountDisconnected("gone"))
    assert send(db, gw, clock, settings, ids[1], notifier=notifier) == "disconnected"
    assert [a.kind for a in notifier.sent_alerts] == ["note_limit", "account_disconnected"]
    hint = render_invocations(notifier.sent_alerts[0].action_hint, lambda words: f"`{words}`")  # as Slack shows it
    assert hint.endswith(f"then run `activate {camp.name}` to resume.")
    with Session(db) as s:
        assert s.get(LinkedInAccount, acct.id).status == "invalid"
        assert s.get(Campaign, camp.id).paused_reason == ACCOUNT_DISCONNECTED_PAUSE  # what reconnecting lifts
        assert {s.get(Send, i).status for i in ids} == {S_PLANNED}


def test_a_paused_worker_whose_lease_expired_does_not_call(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    at_due(db, clock, ids[0])
    with UnitOfWork(db)() as s:
        slow = claims.claim_send(session=s, send_id=ids[0], worker="slow", now=clock.now(), settings=settings)
    clock.advance(timedelta(seconds=settings.lease_seconds + 1))  # the slow worker sleeps past its lease
    assert send(db, gw, clock, settings, ids[0], worker="fast") == "sent"
    with UnitOfWork(db)() as s:
        assert claims.mark_calling(session=s, claim=slow, now=clock.now(), settings=settings) is False
    assert len(gw.acting_calls("send_invitation")) == 1


def test_a_worker_that_died_after_the_call_is_reconciled_by_the_next(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    _, _, ids = setup(db, settings, count=1)
    at_due(db, clock, ids[0])

    class Killed(BaseException):
        pass

    def die(_op):
        raise Killed()

    gw.on_call = die
    try:
        send(db, gw, clock, settings, ids[0], worker="doomed")
    except Killed:
        pass
    gw.on_call = None
    assert get(db, ids[0]).outcome_unknown
    assert send(db, gw, clock, settings, ids[0]) == claims.NOT_DUE  # its lease still runs
    clock.advance(timedelta(seconds=settings.lease_seconds + 1))
    assert send(db, gw, clock, settings, ids[0], worker="heir") == "reconciled"
    assert get(db, ids[0]).status == S_SENT and len(gw.acting_calls("send_invitation")) == 1
