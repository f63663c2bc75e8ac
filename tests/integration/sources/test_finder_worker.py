"""Finders through the clock and the real actors on Dramatiq's in-memory broker: the clock starts a
due finder, each page job applies one page, and the next page waits for its time (P-8a)."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
import pytest

from core.delivery.linkedin.port import FeatureNotSubscribed
from core.notify import LoggingNotifier
from core.sources import finder_runs
from core.workspace.models import Member
from core.sources.models import Finder, FinderRun, FinderState, RunState
from core.sources.segments import create_finder
from entrypoints.bootstrap import bootstrap
from tests import factories as f
from tests.fakes import FakeGateway
from worker.clock import Clockwork

URL = "https://www.linkedin.com/search/results/people/?keywords=founder"


@pytest.fixture
def ctx(db, clock, settings):
    gateway = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(120)])
    services = bootstrap(settings, engine=db, clock=clock, linkedin=gateway, notifier=LoggingNotifier(),
                         queue="stub", worker=True)
    worker = dramatiq.Worker(services.tasks.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield services, gateway
    worker.stop()
    services.close()


def settle(services) -> None:
    for queue in ("sends", "delivery"):
        services.tasks.broker.join(queue, timeout=30_000)


def test_the_clock_starts_due_finders_and_pages_follow_their_spacing(ctx, clock):
    services, gateway = ctx
    with services.uow() as s:
        ws = f.workspace(s)
        owner, _ = f.sender(s, ws)
        finder_id = create_finder(session=s, workspace_id=ws.id, name="Founders", owner_id=owner.id,
                                  query={"url": URL}, now=clock.now()).id
    work = Clockwork(services, reenqueue_after=timedelta(0))
    assert work.tick() == 1  # the due finder
    settle(services)
    assert len(gateway.acting_calls("search_page")) == 1  # its first page, not the next one yet
    assert work.tick() == 0  # the next page is not due
    for _ in range(2):
        clock.advance(timedelta(seconds=services.settings.finder_page_seconds
                                + services.settings.finder_page_jitter_seconds))
        work.tick()
        settle(services)
    with services.uow(read_only=True) as s:
        finder = s.get_one(Finder, finder_id)
        run = s.get_one(FinderRun, finder.run_id)
        assert (finder.state, finder.found, run.state, run.pages) == (FinderState.IDLE, 120, RunState.DONE, 3)
    assert len(gateway.acting_calls("search_page")) == 3
    # A scheduled run that went well tells nobody; tomorrow it runs again (and finds nobody new).
    assert services.notifier.sent_alerts == []
    clock.advance(timedelta(days=1))
    assert work.tick() == 1
    settle(services)
    assert len(gateway.acting_calls("search_page")) == 4


def test_the_owner_is_told_when_a_run_fails_or_a_run_they_asked_for_is_done(ctx, clock):
    services, gateway = ctx
    with services.uow() as s:
        ws = f.workspace(s)
        owner, _ = f.sender(s, ws)
        finder_id = create_finder(session=s, workspace_id=ws.id, name="Founders", owner_id=owner.id,
                                  query={"url": URL}, now=clock.now()).id
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now(), trigger="created")
    gateway.search_results = gateway.search_results[:10]
    services.tasks.finder_page(run_id, 0)
    settle(services)
    [done] = services.notifier.sent_alerts
    assert (done.kind, done.member_id, done.title) == ("finder_done", owner.id, "Finder “Founders” has run")
    assert "10 people" in done.text
    gateway.fail_next("search_page", FeatureNotSubscribed("403", status=403))
    with services.uow() as s:
        s.get_one(Member, owner.id).language = "fr"  # the owner chose French: told in French
        again = finder_runs.start_run(s, finder_id=finder_id, now=clock.now(), trigger="schedule")
    services.tasks.finder_page(again, 0)
    services.tasks.finder_page(again, 0)  # a duplicate message tells nobody twice
    settle(services)
    assert [a.kind for a in services.notifier.sent_alerts] == ["finder_done", "finder_failed"]
    failed = services.notifier.sent_alerts[-1]
    assert "Sales Navigator" in failed.text and "s'est arrêté" in failed.title and failed.language == "fr"
