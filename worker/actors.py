"""The actors: thin, take ids, call `core`, idempotent (a duplicated message finds nothing to do).
`declare_actors` declares them on the process's broker once its services exist; each reads what
it needs from them. Their names and queues are the ones `worker.broker.DramatiqTasks` asks for."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

import dramatiq

from core.analytics import rollup, weekly
from core.clock import SystemClock
from core.delivery import acceptance, jobs, planner, webhooks, withdrawals
from core.delivery.sending import RESCHEDULED, perform_send
from core.moderation import digests
from core.services import Services
from core.sources import finder_runs
from worker.broker import QUEUE_OF, QueueLag, actor_name

log = logging.getLogger("invitebot.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def declare_actors(broker: dramatiq.Broker, services: Services) -> dict[str, dramatiq.Actor]:
    """The actors of `core.tasks.Tasks` on `broker`, by name (`send`, `plan_due`, …)."""
    s, uow, clock, tasks = services.settings, services.uow, services.clock, services.tasks
    # A broker delay is wall-clock time: it means something only when the process runs on the
    # system clock. A driven clock (the demo, tests) moves time and ticks at each due instant itself.
    redeliver = isinstance(clock, SystemClock)

    def send(send_id: int) -> str:
        outcome = perform_send(uow=uow, gateway=services.linkedin, clock=clock, settings=s,
                               notifier=services.notifier, send_id=send_id, worker=worker_name(),
                               metrics=services.metrics)
        if outcome in RESCHEDULED and redeliver:
            # Moved to later (spacing, a cap, a back-off): enqueued again for when it is due, not
            # left to the clock's next sweep. A duplicate is harmless: claiming is atomic.
            with uow() as session:
                delay = jobs.redelivery_delay(session=session, send_id=send_id, now=clock.now())
            if delay is not None:
                tasks.send(send_id, delay_seconds=delay.total_seconds() + 0.001)
        return outcome

    def plan_due() -> int:
        with uow() as session:
            report = planner.plan_due(session=session, now=clock.now(), settings=s)
        for digest_id in report.digests:
            tasks.deliver_digest(digest_id)
        return report.planned

    def deliver_digest(digest_id: int) -> str:
        # A failure is recorded with the digest's next try (the clock enqueues it again then), not
        # raised: the database says when to retry, not the broker.
        outcome = digests.deliver_digest(uow=uow, digest_id=digest_id, notifier=services.notifier, clock=clock,
                                         public_url=s.public_url)
        services.metrics.digest_finished(outcome)
        return outcome

    def process_event(event_id: int) -> str:
        kind, alerts = webhooks.process_event(uow=uow, clock=clock, settings=s, event_id=event_id,
                                              gateway=services.linkedin)
        for alert in alerts:
            services.notifier.send_alert(alert)
        return kind

    def poll_account(account_id: int) -> dict:
        return acceptance.poll_account(uow=uow, gateway=services.linkedin, clock=clock, settings=s,
                                       account_id=account_id, notifier=services.notifier)

    def withdraw_stale(account_id: int) -> int:
        return withdrawals.withdraw_stale(uow=uow, gateway=services.linkedin, clock=clock, settings=s,
                                          account_id=account_id)

    def clean_up() -> int:
        with uow() as session:
            jobs.move_overdue_invitations(session=session, now=clock.now())
            cleaned = jobs.clean_up(session=session, now=clock.now())
        rollup.refresh(uow=uow, clock=clock)  # the workspace summaries' figures, in short units of its own
        weekly.send_due(uow=uow, clock=clock, notifier=services.notifier)  # Monday mornings
        return cleaned

    def run_finder(finder_id: int) -> int | None:
        with uow() as session:
            run_id = finder_runs.start_run(session, finder_id=finder_id, now=clock.now())
        if run_id is not None:
            tasks.finder_page(run_id, 0)
        return run_id

    def finder_page(run_id: int, page: int) -> str:
        # One page per job; the next is asked for with the run's spacing (seconds, jittered), never
        # slept for in this thread. A duplicate finds the page taken or done.
        outcome = finder_runs.fetch_page(uow=uow, gateway=services.linkedin, clock=clock, settings=s, run_id=run_id,
                                         page=page)
        if outcome.delay_seconds is not None and redeliver:
            tasks.finder_page(run_id, outcome.page, delay_seconds=outcome.delay_seconds + 0.001)
        if outcome.status in ("done", "failed"):  # returned once: by the job that ended the run
            with uow(read_only=True) as session:
                alert = finder_runs.alert_for(session, run_id=run_id)
            if alert is not None:
                services.notifier.send_alert(alert)
        return outcome.status

    def declare(fn: Callable[..., Any]) -> dramatiq.Actor[..., None]:
        name = actor_name(fn.__name__)

        def run(*args: int) -> None:
            # Results live in the database; the log line says what happened (ids and outcomes only).
            log.debug("%s%s -> %s", name, args, fn(*args))

        run.__name__ = fn.__name__
        return dramatiq.actor(broker=broker, actor_name=name, queue_name=QUEUE_OF[fn.__name__])(run)

    broker.add_middleware(QueueLag(services.metrics, services.clock))
    functions = (send, plan_due, deliver_digest, process_event, poll_account, withdraw_stale, clean_up, run_finder,
                 finder_page)
    return {fn.__name__: declare(fn) for fn in functions}
