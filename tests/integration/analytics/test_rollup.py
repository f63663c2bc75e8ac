"""The rollup gives a workspace's summary the same figures as the live queries, as of its refresh;
a refresh picks the campaigns due (never rolled up, active, changed, stopped lately) only."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core.analytics import queries, rollup
from core.analytics.commands import WorkspaceAnalytics
from core.campaigns.models import STATUS_STOPPED
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.workspace.models import LinkedInAccount
from tests import factories as f
from tests.integration.analytics.world import T0, ask, enroll

NOW = T0 + timedelta(days=30)


def test_the_rolled_up_summary_equals_the_live_report(db, session, world):
    session.commit()
    uow, clock = UnitOfWork(db), FrozenClock(NOW)
    assert rollup.refresh(uow=uow, clock=clock) == 1
    session.expire_all()
    live = queries.report(session, queries.Scope(world["ws"].id), timezone="Europe/Paris", by_campaign=True)
    rolled = ask(session, world["admin"], WorkspaceAnalytics())
    assert rolled.as_of == NOW and live.as_of is None
    assert rolled.total == live.total and rolled.by_language == live.by_language
    assert rolled.by_message == live.by_message and rolled.by_campaign == live.by_campaign
    assert rolled.by_sender == live.by_sender and rolled.days == live.days  # the campaign is in Paris too


def test_figures_change_at_the_next_refresh_and_only_due_campaigns_are_computed(db, session, world):
    ws, sam = world["ws"], world["sam"]
    old_segment = f.segment(session, ws, f.contacts(session, ws, 1), owner=sam)
    old = f.campaign(session, ws, sam, old_segment, status=STATUS_STOPPED, activated_at=T0 - timedelta(days=90))
    session.commit()
    uow, clock = UnitOfWork(db), FrozenClock(NOW)
    assert rollup.refresh(uow=uow, clock=clock) == 2  # both were never rolled up
    with uow(read_only=True) as s:
        assert rollup.due_campaigns(s, NOW) == [world["campaign"].id]  # active; the other stopped long ago
    newcomer = f.contacts(session, ws, 1)[0]
    account = session.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == sam.id)).one()
    enroll(session, world["campaign"], account, newcomer)
    session.commit()
    assert ask(session, world["admin"], WorkspaceAnalytics()).total.invited == 5  # as of the last refresh
    session.commit()  # the test's session lets the refresh write
    rollup.refresh(uow=uow, clock=FrozenClock(NOW + timedelta(hours=1)))
    session.expire_all()
    report = ask(session, world["admin"], WorkspaceAnalytics())
    assert report.total.invited == 6 and report.as_of == NOW  # the old campaign was not computed again
    assert old.id not in rollup.due_campaigns(session, NOW)
