"""Process commands of delivery: `invitebot worker`, `invitebot clock`, `invitebot demo`, and
`run_embedded` (worker threads + clock inside `invitebot serve`). `register(app)` mounts them."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from datetime import datetime, time as dtime, timedelta

import typer

log = logging.getLogger("invitebot.worker")
QUEUES = ("sends", "delivery")


def _context(settings):
    """The context of a process (`worker`, `clock`): digests and alerts reach Slack and Teams."""
    from core.db import upgrade
    from worker.context import build_context

    if not settings.database_url:
        upgrade(settings.effective_database_url)
    return build_context(settings, chat=True)


def _settings():
    """Settings of a process, with the same logging set-up as every `invitebot` process."""
    from core.config import Settings
    from worker.cli import _logging

    settings = Settings()
    _logging(settings)
    return settings


def _until_signal() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def start_worker(ctx, threads: int = 8):
    """A Dramatiq worker with `threads` threads in this process, on the context's broker."""
    import dramatiq

    from worker.broker import setup_broker

    worker = dramatiq.Worker(setup_broker(ctx), worker_threads=threads, worker_timeout=500)
    worker.start()
    return worker


def run_embedded(ctx, stop_event: threading.Event, *, threads: int = 4) -> threading.Thread:
    """Start worker threads and the clock in this process (`invitebot serve`); they stop when
    `stop_event` is set. Returns the thread that waits for it: join it to wait for the shutdown."""
    from worker.clock import build_scheduler

    worker = start_worker(ctx, threads)
    scheduler, _ = build_scheduler(ctx)
    scheduler.start()

    def wait() -> None:
        stop_event.wait()
        scheduler.shutdown(wait=False)
        worker.stop(timeout=5_000)

    keeper = threading.Thread(target=wait, name="invitebot-embedded", daemon=True)
    keeper.start()
    return keeper


def worker_command(threads: int = typer.Option(8, "--threads", "-t", min=1, help="Worker threads.")) -> None:
    """The Dramatiq worker: carries out sends, planning, digests, polling, withdrawals."""
    settings = _settings()
    ctx = _context(settings)
    stop = _until_signal()
    worker = start_worker(ctx, threads)
    log.info("worker: %d threads on queues %s", threads, ", ".join(QUEUES))
    stop.wait()
    worker.stop(timeout=10_000)


def clock_command() -> None:
    """The clock: one instance; enqueues due sends, planning, digests, polling and clean-up."""
    from worker.broker import setup_broker
    from worker.clock import build_scheduler

    settings = _settings()
    ctx = _context(settings)
    setup_broker(ctx)
    stop = _until_signal()
    scheduler, _ = build_scheduler(ctx)
    scheduler.start()
    log.info("clock: running (tick every minute)")
    stop.wait()
    scheduler.shutdown(wait=False)


def demo_command(ctx: typer.Context,
                 days: int = typer.Option(14, "--days", min=1, max=60, help="Days to fast-forward."),
                 as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
                 withdraw_after: int = typer.Option(7, "--withdraw-after", min=1,
                                                    help="Days before a pending invitation is withdrawn (21 in production).")) -> None:
    """Fast-forward a moderated demo campaign through the real planner, digest, decisions, worker and
    sandbox, in a throw-away database under VAR_DIR; print a day-by-day table and a summary."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    for name in ("dramatiq", "invitebot"):  # the table tells the story
        logging.getLogger(name).setLevel(logging.WARNING)
    started = time.perf_counter()
    rows, summary = run_demo(settings, days=days, withdraw_after=withdraw_after)
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        typer.echo(json.dumps({"days": rows, "summary": summary}, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"invitebot demo: {summary['campaign']} (sandbox, nobody is contacted)")
    headers = ["day", "planned", "skipped", "sent", "accepted", "welcomed", "follow-ups", "replied", "withdrawn",
               "cap"]
    for h in headers:
        table.add_column(h, justify="right" if h != "day" else "left")
    for r in rows:
        table.add_row(r["day"], *(str(r[k]) for k in ("planned", "skipped_by_moderation", "sent", "accepted",
                                                        "welcomed", "followed_up", "replied", "withdrawn")),
                      "yes" if r["cap_reached"] else "")
    console = Console()
    console.print(table)
    console.print(" · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items() if k != "campaign"))


def run_demo(settings, *, days: int, withdraw_after: int) -> tuple[list[dict], dict]:
    """The demo's fast-forward: a frozen clock moved from event to event (each due send, and every
    hour the clock's planning, digest, polling and withdrawal jobs), the real actors on Dramatiq's
    in-memory broker with a real worker, the sandbox provider, a fresh SQLite file."""
    import dramatiq
    from sqlalchemy import func, select

    from core.campaigns import schedule
    from core.clock import FrozenClock
    from core.db import upgrade
    from core.demo import scenario as demo
    from core.delivery.models import S_PLANNED, Send
    from core.moderation.decisions import digest_view
    from core.notify import LoggingNotifier
    from core.workspace.models import Member
    from worker.broker import setup_broker
    from worker.clock import Clockwork
    from worker.context import build_context

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "demo.db"
    for leftover in (path, path.with_name("demo.db-wal"), path.with_name("demo.db-shm")):
        leftover.unlink(missing_ok=True)
    demo_settings = settings.model_copy(update={"database_url": f"sqlite:///{path.as_posix()}", "redis_url": None,
                                                "linkedin_provider": "sandbox", "withdraw_after_days": withdraw_after})
    upgrade(demo_settings.effective_database_url)
    tz = schedule.zone("Europe/Paris")
    today = datetime.now(tz).date()
    start = datetime.combine(today, dtime(12, 0), tzinfo=tz)
    clock = FrozenClock(start)
    notifier = LoggingNotifier()
    ctx = build_context(demo_settings, clock=clock, notifier=notifier)
    broker = setup_broker(ctx, stub=True)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=20)
    worker.start()
    work = Clockwork(ctx, reenqueue_after=timedelta(0))
    try:
        with ctx.uow() as session:
            campaign, sender = demo.start_demo_campaign(session=session, now=clock.now(),
                                                        public_url=demo_settings.public_url)

        def settle() -> None:
            for queue in QUEUES:
                broker.join(queue)
            worker.join()

        end = datetime.combine(today + timedelta(days=days + 1), dtime(0, 0), tzinfo=tz)
        t, next_hour, moderated = start, start, 0
        while t < end:
            clock.set(t)
            if t >= next_hour:
                work.plan()
                settle()
                with ctx.uow() as session:
                    actor = session.get(Member, sender.id)
                    for view in notifier.sent_digests[moderated:]:
                        demo.moderate(session=session, view=digest_view(session=session, digest_id=view.digest_id),
                                      actor=actor, now=t, public_url=demo_settings.public_url)
                    moderated = len(notifier.sent_digests)
                work.poll()
                work.hourly()
                settle()
                next_hour += timedelta(hours=1)
            work.tick()
            settle()
            with ctx.uow() as session:
                upcoming = session.execute(select(func.min(Send.due_at)).where(
                    Send.status == S_PLANNED, Send.due_at > t)).scalar()
            t = min(upcoming or next_hour, next_hour)
        with ctx.uow() as session:
            rows = demo.day_rows(session=session, campaign=session.get(type(campaign), campaign.id),
                                 first=today + timedelta(days=1), days=days)
            checks = demo.invariants(session=session, campaign=campaign)
    finally:
        worker.stop()
    totals = {k: sum(getattr(r, k) for r in rows) for k in ("planned", "skipped_by_moderation", "sent", "accepted",
                                                            "welcomed", "followed_up", "replied", "withdrawn")}
    summary = {"campaign": campaign.name, **totals,
               "acceptance_rate": f"{totals['accepted'] / totals['sent']:.0%}" if totals["sent"] else "n/a",
               **checks, "digests": len(notifier.sent_digests), "database": str(path)}
    return demo.as_dicts(rows), summary


def register(app: typer.Typer) -> None:
    """Add `worker`, `clock` and `demo` to the root CLI. `demo` joins the existing `demo` group
    (which holds `demo seed`) as its default action."""
    app.command("worker")(worker_command)
    app.command("clock")(clock_command)
    for group in app.registered_groups:
        if group.name == "demo" and group.typer_instance is not None:
            group.typer_instance.info.no_args_is_help = False
            group.typer_instance.callback(invoke_without_command=True)(demo_command)
            return
    app.command("demo")(demo_command)
