"""Finders through the clock and the real actors on Dramatiq's in-memory broker: the clock starts a
due finder, each page job applies one page, and the next page waits for its time (P-8a)."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
import pytest

from core.notify import LoggingNotifier
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
    # Tomorrow it runs again (and finds nobody new).
    clock.advance(timedelta(days=1))
    assert work.tick() == 1
    settle(services)
    assert len(gateway.acting_calls("search_page")) == 4
