"""Fault tests of messages (DESIGN §7, invariants 2 and 4): the provider acts and then fails — a 500,
or an answer that never comes before the client's timeout — on the first message (`POST /chats`)
and on messages in a chat (`POST /chats/{chat_id}/messages`); workers die after the fence; the
chat listing fails for a while. Judged on the provider's own record: every welcome and follow-up
went out exactly once, no sequence ended while its welcome went out, and no two actions of the
account are closer than the minimum spacing. With the Unipile gateway against the simulator, and
with the sandbox provider."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import dramatiq
from sqlmodel import Session, select

from core.clock import FrozenClock, SystemClock
from core.db import UnitOfWork
from core.delivery.linkedin.port import OutcomeUnknown
from core.delivery.linkedin.sandbox import PROVIDER_PREFIX, SandboxGateway
from core.delivery.linkedin.unipile import UnipileGateway
from core.delivery.models import E_DONE, S_SENT, Enrollment, Send
from core.delivery.linkedin.sandbox_models import SandboxInvitation, SandboxMessage
from core.notify import LoggingNotifier
from tests.integration.delivery.invitations import EVENING, campaign_of, invitations_per_contact
from tests.integration.delivery.messaging import (
    FOLLOW_UP, WELCOME, Killed, accepted_world, drive, gaps, noon_zone,
)
from tests.simulators.unipile import UnipileSimulator
from worker.clock import Clockwork
from entrypoints.bootstrap import bootstrap

KEY = "sim-api-key"
ACCOUNT = "unipile-acct-msg"
FIRST, IN_CHAT = "POST /chats", "POST /chats/{chat_id}/messages"
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SPACING = 31


def paced(settings, **more):
    """Real spacing (31 s, a little jitter), leases shorter than it (a reclaim comes before the
    spacing allows another action), no provider timeouts to wait for long."""
    return settings.model_copy(update={"min_spacing_seconds": SPACING, "spacing_jitter_seconds": 5,
                                       "lease_seconds": 3, "unipile_timeout_seconds": 1.0, **more})


def simulator(clock) -> UnipileSimulator:
    sim = UnipileSimulator(KEY, now=clock.now)
    sim.start_in_thread()
    return sim


def texts_of(first_names: dict[str, str]) -> dict[str, set[str]]:
    return {pid: {WELCOME.replace("{{firstName}}", name), FOLLOW_UP.replace("{{firstName}}", name)}
            for pid, name in first_names.items()}


def assert_sequences_complete(db, world):
    with Session(db) as s:
        states = Counter(s.get(Enrollment, e).state for e in world["enrollments"])
        sends = Counter(r.status for r in s.exec(select(Send).where(Send.campaign_id == world["campaign"])))
    assert states == {E_DONE: len(world["enrollments"])}, states  # no sequence ended early, none failed
    assert sends == {S_SENT: 2 * len(world["enrollments"])}, sends


class DyingWorker:
    """The gateway, with workers killed around its acting calls: `before` dies after the fence, before
    the request leaves; `after` dies once the provider acted, before the answer is recorded."""

    def __init__(self, gateway, plan: list[str]) -> None:
        self._gateway, self._plan = gateway, list(plan)

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def _act(self, call, kwargs):
        fate = self._plan.pop(0) if self._plan else "live"
        if fate == "before":
            raise Killed()
        result = call(**kwargs)
        if fate == "after":
            raise Killed()
        return result

    def send_message(self, **kwargs):
        return self._act(self._gateway.send_message, kwargs)

    def send_invitation(self, **kwargs):
        return self._act(self._gateway.send_invitation, kwargs)


def test_messages_go_out_exactly_once_when_the_provider_fails_after_acting(db, settings):
    clock = FrozenClock(MONDAY)
    sim = simulator(clock)
    run = paced(settings, unipile_base_url=sim.base_url, unipile_api_key=KEY)
    gw = UnipileGateway.from_settings(run)
    try:
        world = accepted_world(db, run, count=8, account_key=ACCOUNT, accepted_at=MONDAY - timedelta(days=1),
                               due=MONDAY, provider_id=lambda c: sim.add_relation(ACCOUNT, c.public_identifier))
        for route in (FIRST, IN_CHAT):
            sim.fail_next(route, 500, after_action=True, times=2)  # it acted; the answer is a 500
            sim.hang_next(route, 2.5, after_action=True)  # it acted; the answer comes after the timeout
            sim.hang_next(route, 2.5, after_action=True)
            sim.fail_next(route, 503)  # it did not act: indistinguishable, so checked first too
        sim.fail_next("GET /chat_attendees/{attendee_id}/chats", 500, times=2)  # undecidable for a while
        sim.fail_next("GET /chats/{chat_id}/messages", 502)
        workers = DyingWorker(gw, ["live", "after", "live", "before", "live", "live", "after"])
        seen = drive(db, workers, clock, run)
    finally:
        gw.close()
        sim.stop_thread()
    sent = Counter((m["attendee"], m["text"]) for m in sim.sent_messages(ACCOUNT))
    assert set(sent.values()) == {1}, sent.most_common(3)  # nothing twice
    expected = texts_of(world["first_names"])
    assert {pid: {t for (p, t) in sent if p == pid} for pid in expected} == expected  # nothing lost
    assert_sequences_complete(db, world)
    actions = [c.at for c in sim.calls if c.route in (FIRST, IN_CHAT)]
    assert min(gaps(actions)) >= SPACING
    assert seen["killed"] >= 2 and seen["reconciled"] >= 6 and len(actions) > len(sent)  # the faults did happen


def test_a_reclaimed_send_keeps_the_spacing_from_the_accounts_other_actions(db, settings):
    """The first invitation's worker dies after the fence, before its request leaves; its lease
    (3 s) expires long before the spacing (31 s) allows another action. The reclaim waits for the
    spacing like any claim and is recorded as an action: on the provider's record, no two
    invitations of the account are closer than 31 s, and each contact is invited once."""
    clock = FrozenClock(EVENING + timedelta(hours=15))  # the morning the campaign planned
    sim = simulator(clock)
    run = paced(settings, unipile_base_url=sim.base_url, unipile_api_key=KEY, spacing_jitter_seconds=0)
    gw = UnipileGateway.from_settings(run)
    try:
        ids = campaign_of(db, run, 3, due=clock.now())
        seen = drive(db, DyingWorker(gw, ["before"]), clock, run)
    finally:
        gw.close()
        sim.stop_thread()
    per_contact = invitations_per_contact(sim)
    assert len(per_contact) == len(ids) == 3 and set(per_contact.values()) == {1}
    assert min(gaps([c.at for c in sim.calls_to("POST /users/invite")])) >= SPACING
    assert seen["killed"] == 1 and seen["moved"] >= 2


class ActsThenFails:
    """The sandbox provider, failing after acting on the first `times` messages (a timeout or a 5xx:
    to the engine, an `OutcomeUnknown`)."""

    def __init__(self, gateway, clock, times: int) -> None:
        self._gateway, self._clock, self._left = gateway, clock, times
        self.calls: list[datetime] = []  # when each message left

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def send_message(self, **kwargs):
        self.calls.append(self._clock.now())
        result = self._gateway.send_message(**kwargs)
        if self._left:
            self._left -= 1
            raise OutcomeUnknown("timeout after the message was sent")
        return result


def test_sandbox_messages_go_out_exactly_once_when_the_provider_fails_after_acting(db, settings):
    clock = FrozenClock(MONDAY)
    run = paced(settings, sandbox_reply_probability=0.0)
    sandbox = SandboxGateway(uow=UnitOfWork(db), clock=clock, settings=run)

    world = accepted_world(db, run, count=5, account_key=ACCOUNT, accepted_at=MONDAY - timedelta(days=1),
                           due=MONDAY, provider_id=lambda c: PROVIDER_PREFIX + c.public_identifier)
    with UnitOfWork(db)() as s:  # the sandbox's own record: each of them accepted the account's invitation
        s.add_all([SandboxInvitation(account_key=ACCOUNT, provider_user_id=pid, status="accepted",
                                     created_at=MONDAY - timedelta(days=3), decided_at=MONDAY - timedelta(days=2))
                   for pid in world["contacts"].values()])
    gw = ActsThenFails(sandbox, clock, times=6)
    drive(db, gw, clock, run)
    with Session(db) as s:
        rows = s.exec(select(SandboxMessage).where(SandboxMessage.account_key == ACCOUNT,
                                                   SandboxMessage.is_sender.is_(True))).all()
    sent = Counter((r.provider_user_id, r.text) for r in rows)
    assert set(sent.values()) == {1}, sent.most_common(3)
    expected = texts_of(world["first_names"])
    assert {pid: {t for (p, t) in sent if p == pid} for pid in expected} == expected
    assert_sequences_complete(db, world)
    assert len(gw.calls) == len(rows) and min(gaps(gw.calls)) >= SPACING


def test_a_backlog_goes_out_one_per_spacing_interval_not_one_per_sweep(db, settings, redis_url, redis_client):
    """Four welcomes of one account, all due now, on the system clock with a real worker on Redis:
    the clock sweeps once; each send the spacing moves is re-enqueued for when it is due, so all go
    out without another sweep (the clock would only look again five minutes later)."""
    sim = UnipileSimulator(KEY)
    sim.start_in_thread()
    run = settings.model_copy(update={"min_spacing_seconds": 1, "spacing_jitter_seconds": 0, "lease_seconds": 30,
                                      "redis_url": redis_url, "unipile_base_url": sim.base_url,
                                      "unipile_api_key": KEY, "unipile_timeout_seconds": 5.0})
    gw = UnipileGateway.from_settings(run)
    now = SystemClock().now()
    world = accepted_world(db, run, count=4, account_key=ACCOUNT, accepted_at=now - timedelta(days=1),
                           due=now - timedelta(seconds=1), followups=0,
                           provider_id=lambda c: sim.add_relation(ACCOUNT, c.public_identifier), tz=noon_zone(now))
    ctx = bootstrap(run, engine=db, clock=SystemClock(), linkedin=gw, notifier=LoggingNotifier(), worker=True)
    worker = dramatiq.Worker(ctx.tasks.broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        assert Clockwork(ctx).tick() == 4  # the one sweep
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(db) as s:
                done = s.exec(select(Send.id).where(Send.campaign_id == world["campaign"],
                                                    Send.status == S_SENT)).all()
            if len(done) == 4:
                break
            time.sleep(0.1)
    finally:
        worker.stop()
        gw.close()
        sim.stop_thread()
    assert Counter(m["attendee"] for m in sim.sent_messages(ACCOUNT)) == Counter(
        {pid: 1 for pid in world["contacts"].values()})
    with Session(db) as s:
        sent_at = s.exec(select(Send.sent_at).where(Send.campaign_id == world["campaign"])).all()
    assert len(sent_at) == 4 and min(gaps(sent_at)) >= 1  # the account's action times, as it recorded them
