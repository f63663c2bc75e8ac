"""The actors: thin, take ids, call `core`, idempotent (a duplicated message finds nothing to do).
Declared on an explicit broker by `declare_actors`, which `worker.broker.setup_broker` calls once
the broker exists; each closes over the process context (engine, gateway, clock, notifier)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

import dramatiq

from core.clock import SystemClock
from core.delivery import acceptance, jobs, planner, webhooks, withdrawals
from core.moderation import digests
from core.delivery.sending import RESCHEDULED, perform_send

log = logging.getLogger("invitebot.worker")
SENDS, WORK = "sends", "delivery"


@dataclass(frozen=True)
class Actors:
    send: Any
    plan_due: Any
    deliver_digest: Any
    process_webhook: Any
    poll_account: Any
    withdraw_stale: Any
    clean_up: Any


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def declare_actors(broker, ctx) -> Actors:
    s = ctx.settings
    # A broker delay is wall-clock time: it means something only when the process runs on the
    # system clock. A driven clock (the demo, tests) moves time and ticks at each due instant itself.
    redeliver = isinstance(ctx.clock, SystemClock)

    def send(send_id: int) -> str:
        outcome = perform_send(uow=ctx.uow, gateway=ctx.gateway, clock=ctx.clock, settings=s,
                               notifier=ctx.notifier, send_id=send_id, worker=worker_name())
        if outcome in RESCHEDULED and redeliver:
            # Moved to later (spacing, a cap, a back-off): enqueued again for when it is due, not
            # left to the clock's next sweep. A duplicate is harmless: claiming is atomic.
            with ctx.uow() as session:
                delay = jobs.redelivery_delay(session=session, send_id=send_id, now=ctx.clock.now())
            if delay is not None:
                actors.send.send_with_options(args=(send_id,), delay=int(delay.total_seconds() * 1000) + 1)
        return outcome

    def plan_due() -> int:
        with ctx.uow() as session:
            report = planner.plan_due(session=session, now=ctx.clock.now(), settings=s)
        for digest_id in report.digests:
            actors.deliver_digest.send(digest_id)
        return report.planned

    def deliver_digest(digest_id: int) -> str:
        # A failure is recorded with the digest's next try (the clock enqueues it again then), not
        # raised: the database says when to retry, not the broker.
        return digests.deliver_digest(uow=ctx.uow, digest_id=digest_id, notifier=ctx.notifier,
                                      clock=ctx.clock, public_url=s.public_url)

    def process_webhook(event_id: int) -> str:
        kind, alerts = webhooks.process_event(uow=ctx.uow, clock=ctx.clock, settings=s, event_id=event_id,
                                              gateway=ctx.gateway)
        for alert in alerts:
            ctx.notifier.send_alert(alert)
        return kind

    def poll_account(account_id: int) -> dict:
        return acceptance.poll_account(uow=ctx.uow, gateway=ctx.gateway, clock=ctx.clock, settings=s,
                                       account_id=account_id, notifier=ctx.notifier)

    def withdraw_stale(account_id: int) -> int:
        return withdrawals.withdraw_stale(uow=ctx.uow, gateway=ctx.gateway, clock=ctx.clock, settings=s,
                                          account_id=account_id)

    def clean_up() -> int:
        with ctx.uow() as session:
            jobs.move_overdue_invitations(session=session, now=ctx.clock.now())
            return jobs.clean_up(session=session, now=ctx.clock.now())

    def declare(fn, queue: str):
        name = f"invitebot.{fn.__name__}"

        def run(*args):
            # Results live in the database; the log line says what happened (ids and outcomes only).
            log.debug("%s%s -> %s", name, args, fn(*args))

        run.__name__ = fn.__name__
        return dramatiq.actor(run, broker=broker, actor_name=name, queue_name=queue)

    actors = Actors(send=declare(send, SENDS), plan_due=declare(plan_due, WORK),
                    deliver_digest=declare(deliver_digest, WORK), process_webhook=declare(process_webhook, WORK),
                    poll_account=declare(poll_account, WORK), withdraw_stale=declare(withdraw_stale, WORK),
                    clean_up=declare(clean_up, WORK))
    return actors
