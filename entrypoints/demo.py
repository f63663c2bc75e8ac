"""`invitebot demo`: two weeks of a moderated campaign fast-forwarded through the real planner,
digest, decisions, worker and sandbox provider, in a throw-away SQLite file under VAR_DIR."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from core.config import Settings


def run_demo(settings: Settings, *, days: int, withdraw_after: int,
             progress: Callable[[int], None] = lambda day: None,
             charts: Path | None = None) -> tuple[list[dict], dict]:
    """The demo's fast-forward: a frozen clock moved from event to event (each due send, and every
    hour the clock's planning, digest, polling and withdrawal jobs), the real actors on Dramatiq's
    in-memory broker with a real worker, the sandbox provider, a fresh SQLite file."""
    import dramatiq
    from sqlalchemy import func, select

    from bot.conversation.analytics_cards import funnel_text
    from core.analytics import queries
    from core.campaigns import schedule
    from core.clock import FrozenClock
    from core.delivery.models import S_PLANNED, Send
    from core.demo import scenario as demo
    from core.moderation.decisions import digest_view
    from core.notify import LoggingNotifier
    from core.workspace.models import Member
    from entrypoints.bootstrap import bootstrap
    from worker.broker import QUEUES, DramatiqTasks
    from worker.clock import Clockwork

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "demo.db"
    for leftover in (path, path.with_name("demo.db-wal"), path.with_name("demo.db-shm")):
        leftover.unlink(missing_ok=True)
    demo_settings = settings.model_copy(update={"database_url": f"sqlite:///{path.as_posix()}", "redis_url": None,
                                                "linkedin_provider": "sandbox", "withdraw_after_days": withdraw_after})
    tz = schedule.zone("Europe/Paris")
    today = datetime.now(tz).date()
    start = datetime.combine(today, dtime(12, 0), tzinfo=tz)
    clock = FrozenClock(start)
    notifier = LoggingNotifier()
    services = bootstrap(demo_settings, queue="stub", worker=True, migrate=True, clock=clock, notifier=notifier)
    assert isinstance(services.tasks, DramatiqTasks)  # queue "stub": Dramatiq's in-memory broker
    broker = services.tasks.broker
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=20)
    worker.start()
    work = Clockwork(services, reenqueue_after=timedelta(0))
    try:
        with services.uow() as session:
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
            progress(min(days, max(0, (t.astimezone(tz).date() - today).days)))  # days simulated so far
            if t >= next_hour:
                work.plan()
                settle()
                with services.uow() as session:
                    actor = session.get_one(Member, sender.id)
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
            with services.uow() as session:
                upcoming = session.execute(select(func.min(Send.due_at)).where(
                    Send.status == S_PLANNED, Send.due_at > t)).scalar()
            t = min(upcoming or next_hour, next_hour)
        with services.uow() as session:
            rows = demo.day_rows(session=session, campaign=session.get_one(type(campaign), campaign.id),
                                 first=today + timedelta(days=1), days=days)
            checks = demo.invariants(session=session, campaign=campaign)
            results = queries.report(session, queries.Scope(campaign.workspace_id, campaign_id=campaign.id),
                                     timezone=campaign.timezone)
            finders = demo.finder_figures(session=session, workspace_id=campaign.workspace_id)
    finally:
        worker.stop()
        services.close()
    totals = {k: sum(getattr(r, k) for r in rows) for k in ("planned", "skipped_by_moderation", "sent", "accepted",
                                                            "welcomed", "followed_up", "replied", "withdrawn")}
    summary = {"campaign": campaign.name, **totals,
               "acceptance_rate": f"{totals['accepted'] / totals['sent']:.0%}" if totals["sent"] else "n/a",
               **checks, "digests": len(notifier.sent_digests), "finders": finders, "database": str(path),
               "funnel": funnel_text(results.total)}
    if charts is not None:
        from entrypoints.cli.campaigns import write_charts

        summary["charts"] = ", ".join(str(p) for p in write_charts(results, charts, "demo"))
    return demo.as_dicts(rows), summary
