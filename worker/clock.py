"""The clock process: one APScheduler instance that only enqueues (the database is the truth).

Every minute: due sends and expired leases (a lost broker message is found again here),
webhook events not processed yet, digests not yet with their moderator whose next try has come,
finders whose scheduled run has come and finder runs whose next page is due (a lost request).
Every few minutes: planning (each campaign's tomorrow once its evening — the workspace's digest
hour — has come). Every half hour:
polling of relations and chats. Hourly: withdrawals, moving overdue invitations, clean-up.
A lease in the broker's Redis keeps a second clock started by mistake from doubling the work (harmless anyway)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from core.delivery import jobs
from core.services import Services
from core.sources import finder_runs

log = logging.getLogger("invitebot.clock")
REENQUEUE_AFTER = timedelta(minutes=5)
DIGEST_EVERY = timedelta(minutes=1)
LEADER_SECONDS = 90


class Clockwork:
    """The jobs of the clock, callable directly (tests, the demo's fast-forward)."""

    def __init__(self, services: Services, *, reenqueue_after: timedelta = REENQUEUE_AFTER) -> None:
        self.services = services
        self.tasks = services.tasks
        self.reenqueue_after = reenqueue_after
        self._enqueued: dict[tuple[str, int], datetime] = {}
        self._me = f"{socket.gethostname()}:{os.getpid()}"
        self.enqueued = 0  # jobs this clock asked for since it started (a clock without the lease: none)

    def _leader(self) -> bool:
        """This clock's turn (a lease in the broker's Redis): a second clock started by mistake waits."""
        return self.tasks.hold_clock(self._me, LEADER_SECONDS)

    def _once(self, kind: str, ident: int, now: datetime, every: timedelta | None = None) -> bool:
        """Enqueue a job for one id at most every few minutes (duplicates are harmless, floods are not)."""
        last = self._enqueued.get((kind, ident))
        if last is not None and now - last < min(every or self.reenqueue_after, self.reenqueue_after):
            return False
        self._enqueued[(kind, ident)] = now
        return True

    def tick(self) -> int:
        """Due sends, expired leases, unprocessed events, digests to (re)try. Returns how many jobs
        were enqueued."""
        if not self._leader():
            return 0
        now = self.services.clock.now()
        with self.services.uow(read_only=True) as session:
            sends = jobs.due_sends(session=session, now=now)
            events = jobs.pending_events(session=session)
            digests = jobs.undelivered_digests(session=session, now=now)
            finders = finder_runs.due_finders(session=session, now=now)
            pages = finder_runs.due_runs(session=session, now=now)
        count = 0
        for finder_id in finders:
            if self._once("finder", finder_id, now):
                self.tasks.run_finder(finder_id)
                count += 1
        for run_id, page in pages:
            # A page whose request was lost (or, on a driven clock, every page): the run says which.
            if self._once(f"finder_page:{page}", run_id, now):
                self.tasks.finder_page(run_id, page)
                count += 1
        for digest_id in digests:
            # The digest's own schedule (its next try, the lease of an attempt) is in the database.
            if self._once("digest", digest_id, now, every=DIGEST_EVERY):
                self.tasks.deliver_digest(digest_id)
                count += 1
        for send_id in sends:
            if self._once("send", send_id, now):
                self.tasks.send(send_id)
                count += 1
        for event_id in events:
            if self._once("event", event_id, now):
                self.tasks.process_event(event_id)
                count += 1
        self._enqueued = {k: v for k, v in self._enqueued.items() if now - v < self.reenqueue_after}
        self.enqueued += count
        return count

    def plan(self) -> None:
        if not self._leader():
            return
        self.tasks.plan_due()  # it enqueues the digests of the days it planned
        self.enqueued += 1

    def poll(self) -> None:
        if not self._leader():
            return
        with self.services.uow(read_only=True) as session:
            accounts = jobs.accounts_to_poll(session=session)
        for account_id in accounts:
            self.tasks.poll_account(account_id)
        self.enqueued += len(accounts)

    def hourly(self) -> None:
        if not self._leader():
            return
        now = self.services.clock.now()
        with self.services.uow(read_only=True) as session:
            stale = jobs.accounts_with_stale_invitations(session=session, now=now,
                                                         days=self.services.settings.withdraw_after_days)
        for account_id in stale:
            self.tasks.withdraw_stale(account_id)
        self.tasks.clean_up()
        self.enqueued += len(stale) + 1


def build_scheduler(services: Services, scheduler_cls: type[BackgroundScheduler] = BackgroundScheduler,
                    ) -> tuple[BackgroundScheduler, Clockwork]:
    """The APScheduler with the clock's jobs (not started)."""
    work = Clockwork(services)
    scheduler = scheduler_cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                            "misfire_grace_time": 30})
    scheduler.add_job(work.tick, "interval", minutes=1, id="tick", next_run_time=datetime.now().astimezone())
    scheduler.add_job(work.plan, "interval", minutes=5, id="plan", next_run_time=datetime.now().astimezone())
    scheduler.add_job(work.poll, "interval", minutes=30, id="poll")
    scheduler.add_job(work.hourly, "interval", hours=1, id="hourly")
    return scheduler, work


# The jobs of `build_scheduler` and their intervals, for a driven clock (below).
INTERVALS = (("tick", timedelta(minutes=1)), ("plan", timedelta(minutes=5)), ("poll", timedelta(minutes=30)),
             ("hourly", timedelta(hours=1)))


def ticked_path(clock_file: Path) -> Path:
    """Where a clock process following `clock_file` writes the last instant it has handled."""
    return clock_file.with_name(f"{clock_file.name}.ticked.{os.getpid()}")


def follow_driven_clock(services: Services, stop: threading.Event, *, ticked: Path, wait_seconds: float = 0.01) -> None:
    """The clock process on a driven clock (`CLOCK_FILE`: tests and demos only, never production):
    APScheduler counts wall-clock minutes, so instead each time the driven time moves, every job
    whose interval has passed on that time runs (all of them at the first instant), then the
    instant is written to `ticked` (atomically), with how many jobs this clock has enqueued so far,
    so that the driver knows this clock's jobs for it are in. A second clock writes its own file
    and, not holding the lease, enqueues nothing."""
    work = Clockwork(services)
    last: dict[str, datetime] = {}
    handled: datetime | None = None
    while not stop.is_set():
        now = services.clock.now()
        if now != handled:
            for name, every in INTERVALS:
                if name not in last or now - last[name] >= every:
                    getattr(work, name)()
                    last[name] = now
            tmp = ticked.with_name(ticked.name + ".tmp")
            tmp.write_text(f"{now.isoformat()} {work.enqueued}", encoding="ascii")
            tmp.replace(ticked)
            handled = now
        stop.wait(wait_seconds)
