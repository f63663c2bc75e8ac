"""Fault tests (DESIGN §7): the real worker path against the Unipile simulator over HTTP, with
duplicated broker messages, racing workers, a Redis restart, 429/500/timeouts after the action and
a worker killed with SIGKILL mid-call. Each is judged on the simulator's own record: never two
invitations to one contact from one account, and no lost send."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dramatiq
from sqlmodel import Session, select

from core.clock import FrozenClock, SystemClock
from core.db import UnitOfWork
from core.delivery import jobs
from core.delivery.linkedin.unipile import UnipileGateway
from core.delivery.models import SEND_FINAL, S_CLAIMED, S_SENT, Send
from core.notify import LoggingNotifier
from core.delivery.planner import plan_due
from core.delivery.sending import perform_send
from tests import factories as f
from tests.integration.delivery.invitations import ACCOUNT, EVENING, campaign_of, invitations_per_contact
from tests.simulators.unipile import UnipileSimulator
from core.services import Services
from entrypoints.bootstrap import bootstrap
from worker.clock import Clockwork

ROOT = Path(__file__).resolve().parents[3]
KEY = "sim-api-key"
INVITE = "POST /users/invite"


def statuses(db, ids) -> Counter:
    with Session(db) as s:
        return Counter(s.get(Send, i).status for i in ids)


def assert_exactly_once(db, sim, ids):
    per_contact = invitations_per_contact(sim)
    assert per_contact and max(per_contact.values()) == 1, per_contact.most_common(3)
    with Session(db) as s:
        rows = [s.get(Send, i) for i in ids]
    assert all(r.status in SEND_FINAL for r in rows), Counter(r.status for r in rows)
    assert all(r.reason for r in rows if r.status != S_SENT)
    assert sum(r.status == S_SENT for r in rows) == len(per_contact)


def test_429_500_and_timeouts_after_the_action(db, sim, gateway, fast):
    clock = FrozenClock(EVENING + timedelta(hours=15))
    ids = campaign_of(db, fast, 12, due=clock.now())
    sim.fail_next(INVITE, 500, times=2)
    sim.hang_next(INVITE, 2.5, after_action=True)  # the invitation happens, the answer never comes in time
    sim.hang_next(INVITE, 2.5, after_action=True)
    sim.fail_next(INVITE, 429, retry_after="60")
    for _ in range(40):  # the clock's rounds: every due send, then time moves on
        with UnitOfWork(db)() as s:
            due = jobs.due_sends(session=s, now=clock.now())
        for send_id in due:
            perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                         send_id=send_id, worker="w")
        if set(statuses(db, ids)) <= SEND_FINAL:
            break
        clock.advance(timedelta(hours=2))
    assert_exactly_once(db, sim, ids)
    assert statuses(db, ids)[S_SENT] == 12
    # The timeouts were reconciled by reading the pending invitations, not by inviting again.
    assert len(sim.calls_to("GET /users/invite/sent")) >= 2


def run_worker(ctx, *, workers: int = 2, threads: int = 4):
    broker = ctx.tasks.broker
    started = [dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100) for _ in range(workers)]
    for w in started:
        w.start()
    return started


def context(db, fast, gateway, clock) -> Services:
    """The services of a worker process on the real Redis broker, its actors declared."""
    return bootstrap(fast, engine=db, clock=clock, linkedin=gateway, notifier=LoggingNotifier(), worker=True)


def test_duplicated_messages_and_racing_workers_through_redis(db, sim, gateway, fast, redis_client):
    clock = FrozenClock(EVENING + timedelta(hours=15))
    ids = campaign_of(db, fast, 20, due=clock.now())
    ctx = context(db, fast, gateway, clock)
    for send_id in ids + ids + ids:  # every message delivered three times
        ctx.tasks.send(send_id)
    workers = run_worker(ctx, workers=2)
    try:
        ctx.tasks.broker.join("sends", timeout=60_000)
        for w in workers:
            w.join()
    finally:
        for w in workers:
            w.stop()
    assert_exactly_once(db, sim, ids)
    assert len(sim.calls_to(INVITE)) == 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def test_redis_restarted_mid_run_loses_messages_not_sends(db, sim, gateway, fast):
    port = free_port()
    server = start_redis(port)
    try:
        clock = FrozenClock(EVENING + timedelta(hours=15))
        ids = campaign_of(db, fast, 10, due=clock.now())
        ctx = context(db, fast.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}), gateway, clock)
        for send_id in ids:
            ctx.tasks.send(send_id)
        server.send_signal(signal.SIGKILL)  # Redis dies with every message in it
        server.wait()
        server = start_redis(port)
        workers = run_worker(ctx, workers=1)
        try:
            # The clock finds the due sends again and enqueues them on the new Redis.
            assert Clockwork(ctx).tick() == 10
            ctx.tasks.broker.join("sends", timeout=60_000)
            for w in workers:
                w.join()
        finally:
            for w in workers:
                w.stop()
        assert_exactly_once(db, sim, ids)
        assert statuses(db, ids)[S_SENT] == 10
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()


WORKER_SCRIPT = """
import sys, time, dramatiq
from core.config import Settings
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
services = bootstrap(Settings(_env_file=None), notifier=LoggingNotifier(), worker=True)
worker = dramatiq.Worker(services.tasks.broker, worker_threads=1, worker_timeout=100)
worker.start()
print("ready", flush=True)
time.sleep(600)
"""


def test_a_worker_killed_between_the_call_and_the_ack(db, database_url, sim, gateway, fast, redis_client):
    """SIGKILL while the provider holds the answer: the invitation happened, nothing was recorded.
    The lease expires and the next attempt reconciles instead of inviting again."""
    now = datetime.now(timezone.utc)
    ids = campaign_of(db, fast, 1, due=now - timedelta(seconds=1))
    sim.hang_next(INVITE, 60, after_action=True)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": fast.redis_url, "LINKEDIN_PROVIDER": "unipile",
           "UNIPILE_BASE_URL": sim.base_url, "UNIPILE_API_KEY": KEY, "UNIPILE_TIMEOUT_SECONDS": "30",
           "LEASE_SECONDS": "3", "MIN_SPACING_SECONDS": "0", "VAR_DIR": str(fast.var_dir), "LOG_LEVEL": "WARNING"}
    child = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        ctx = context(db, fast, gateway, SystemClock())
        ctx.tasks.send(ids[0])
        deadline = time.monotonic() + 30
        while not sim.calls_to(INVITE) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sim.calls_to(INVITE)) == 1  # the provider acted; its answer is still on the way
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with Session(db) as s:
        row = s.get(Send, ids[0])
    assert row.status == S_CLAIMED and row.outcome_unknown
    while datetime.now(timezone.utc) <= row.lease_until:
        time.sleep(0.1)
    outcome = perform_send(uow=UnitOfWork(db), gateway=gateway, clock=SystemClock(), settings=fast,
                           notifier=LoggingNotifier(), send_id=ids[0], worker="heir")
    assert outcome == "reconciled"
    assert_exactly_once(db, sim, ids)
    assert len(sim.calls_to(INVITE)) == 1


def test_two_campaigns_share_the_caps_and_nothing_leaves_after_a_stop(db, settings):
    """Ten days of two campaigns of one sender, checked on the provider's record: at most 5 in any
    24 h and 12 in any 7 days; after the stop of one, none of its contacts is invited."""
    from core.campaigns.models import STATUS_STOPPED, Campaign
    from core.delivery.models import Enrollment
    from core.delivery.stop import cancel_campaign_sends
    from core.sources.models import Contact

    clock = FrozenClock(datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc))  # a Monday morning
    simulator = UnipileSimulator(KEY, now=clock.now)
    simulator.start_in_thread()
    paced = settings.model_copy(update={"unipile_base_url": simulator.base_url, "unipile_api_key": KEY})
    gw = UnipileGateway.from_settings(paced)
    try:
        with UnitOfWork(db)() as s:
            ws = f.workspace(s)
            m, _ = f.sender(s, ws, account_key=ACCOUNT, provider="unipile", daily=5, weekly=12)
            slots = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)]
            f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, 30, prefix="a")), cohort=10, slots=slots)
            b = f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, 30, prefix="b")), cohort=10, slots=slots)
        stopped_at = None
        for step in range(10 * 24 * 4):  # every 15 minutes for ten days
            now = clock.now()
            with UnitOfWork(db)() as s:
                plan_due(session=s, now=now, settings=paced)
                due = jobs.due_sends(session=s, now=now)
            for send_id in due:
                perform_send(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=paced, notifier=LoggingNotifier(),
                             send_id=send_id, worker="w")
            if step == 5 * 24 * 4 + 40:  # day 6, 17:00: campaign b stops
                with UnitOfWork(db)() as s:
                    s.get(Campaign, b.id).status = STATUS_STOPPED
                    cancel_campaign_sends(session=s, campaign_id=b.id, now=now)
                stopped_at = now
            clock.advance(timedelta(minutes=15))
        times = sorted(i["created_at"] for i in simulator.invitations.values())

        def busiest(window):
            return max(sum(1 for t in times if start <= t < start + window) for start in times)

        assert len(times) >= 20  # the weekly cap is what limits ten days
        assert busiest(timedelta(hours=24)) <= 5 and busiest(timedelta(days=7)) <= 12
        assert max(Counter(i["provider_id"] for i in simulator.invitations.values()).values()) == 1
        with Session(db) as s:
            b_people = set(s.exec(select(Contact.provider_id).join(Enrollment, Enrollment.contact_id == Contact.id)
                                  .where(Enrollment.campaign_id == b.id, Contact.provider_id.is_not(None))))
        after = [i for i in simulator.invitations.values() if i["created_at"] > stopped_at]
        assert b_people and after  # b had invited people before its stop; a went on after it
        assert not any(i["provider_id"] in b_people for i in after)
    finally:
        gw.close()
        simulator.stop_thread()


def test_an_unknown_outcome_counts_under_the_caps_during_its_back_off(db, sim, gateway, fast):
    """Invariant 4: the account is one invitation short of its daily cap; the next invitation
    reaches the provider but its answer never comes and the check fails too, so it goes back to
    planned with an unknown outcome. During its back-off no other invitation may be claimed, and
    once reconciled it counts from the time of the call."""
    from core.workspace.models import LinkedInAccount

    clock = FrozenClock(EVENING + timedelta(hours=15))
    call_time = clock.now()
    ids = campaign_of(db, fast, 3, due=clock.now())
    with UnitOfWork(db)() as s:
        account = s.exec(select(LinkedInAccount).where(LinkedInAccount.provider_account_id == ACCOUNT)).one()
        account.daily_invite_cap = 2

    def run(send_id):
        return perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                            send_id=send_id, worker="w")

    assert run(ids[0]) == "sent"
    sim.hang_next(INVITE, 2.5, after_action=True)
    sim.fail_next("GET /users/invite/sent", 500)
    assert run(ids[1]) == "retry"
    with Session(db) as s:
        row = s.get(Send, ids[1])
    assert row.outcome_unknown and row.status == "planned"
    assert len(invitations_per_contact(sim)) == 2  # the provider did invite: the cap is reached
    clock.advance(timedelta(seconds=30))
    assert run(ids[2]) == "moved"
    assert len(invitations_per_contact(sim)) == 2
    clock.set(row.due_at)
    assert run(ids[1]) == "reconciled"
    with Session(db) as s:
        assert s.get(Send, ids[1]).sent_at == call_time
    assert run(ids[2]) in ("moved", "not_due")
    assert len(invitations_per_contact(sim)) == 2
    assert len(sim.calls_to(INVITE)) == 2


WITHDRAW = "DELETE /users/invite/sent/{invitation_id}"


def invited_long_ago(db, sim, gateway, fast, count: int) -> FrozenClock:
    """`count` invitations really sent through the simulator, then 22 days pass."""
    clock = FrozenClock(EVENING + timedelta(hours=15))
    ids = campaign_of(db, fast, count, due=clock.now())
    for send_id in ids:
        assert perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                            send_id=send_id, worker="w") == "sent"
    clock.advance(timedelta(days=22))
    return clock


def test_two_racing_withdrawals_call_the_provider_once_per_invitation_within_the_budget(db, sim, gateway, fast):
    import threading

    from core.delivery.models import E_WITHDRAWN, Enrollment
    from core.delivery.withdrawals import withdraw_stale

    clock = invited_long_ago(db, sim, gateway, fast, 6)
    budget = fast.model_copy(update={"withdraw_per_day": 4})
    barrier, results = threading.Barrier(2), []

    class SlowProvider:
        """The real gateway, with withdrawals that take a while: the other run reads meanwhile."""

        def __getattr__(self, name):
            return getattr(gateway, name)

        def withdraw_invitation(self, **kwargs):
            time.sleep(0.1)
            return gateway.withdraw_invitation(**kwargs)

    def run():
        barrier.wait()
        results.append(withdraw_stale(uow=UnitOfWork(db), gateway=SlowProvider(), clock=clock, settings=budget,
                                      account_id=account_id))

    with Session(db) as s:
        account_id = s.exec(select(Enrollment.account_id)).first()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deletes = [c.path for c in sim.calls_to(WITHDRAW)]
    assert len(deletes) == len(set(deletes)) == 4  # one DELETE per invitation, the budget held
    assert sorted(results) == [0, 4]
    assert sum(i["status"] == "withdrawn" for i in sim.invitations.values()) == 4
    with Session(db) as s:
        assert sum(e.state == E_WITHDRAWN for e in s.exec(select(Enrollment))) == 4
    # The same day again (a duplicated job): nothing left in the budget, no call.
    assert withdraw_stale(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=budget, account_id=account_id) == 0
    assert len(sim.calls_to(WITHDRAW)) == 4


def test_an_invitation_accepted_but_not_yet_polled_is_an_acceptance_not_a_withdrawal(db, sim, gateway, fast):
    from core.delivery.models import E_ACCEPTED, E_WITHDRAWN, Enrollment
    from core.delivery.withdrawals import withdraw_stale

    clock = invited_long_ago(db, sim, gateway, fast, 2)
    accepted_id = next(iter(sim.invitations))
    accepted_person = sim.accept_invitation(accepted_id)  # no webhook, no poll yet
    with Session(db) as s:
        account_id = s.exec(select(Enrollment.account_id)).first()
    assert withdraw_stale(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, account_id=account_id) == 1
    assert len(sim.calls_to(WITHDRAW)) == 2  # the accepted one answered NotFound
    with Session(db) as s:
        from core.sources.models import Contact

        rows = s.exec(select(Enrollment, Contact.provider_id).join(Contact, Contact.id == Enrollment.contact_id)).all()
        states = {pid: (e.state, e.withdrawn_at, e.accepted_at) for e, pid in rows}
    state, withdrawn_at, accepted_at = states[accepted_person]
    # Accepted (this campaign has no welcome, so its sequence is done at once), never withdrawn.
    assert state in (E_ACCEPTED, "done") and withdrawn_at is None and accepted_at is not None
    assert [st for pid, (st, _, _) in states.items() if pid != accepted_person] == [E_WITHDRAWN]
