"""What the delivery reports to `core.metrics`: each send's outcome, the cap that moved a send,
what a reconciliation found (the Prometheus adapter, read back from its registry)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.metrics import PrometheusMetrics
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery.linkedin.port import OutcomeUnknown
from core.delivery.models import Enrollment, Send
from core.delivery.planner import plan_due
from core.delivery.sending import perform_send
from core.notify import LoggingNotifier
from core.workspace.models import Workspace
from tests import factories as f
from tests.fakes import FakeGateway
from tests.integration.delivery.invitations import EVENING


def setup(db, settings, *, count: int, daily: int):
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws, daily=daily)
        f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, count)), cohort=10)
        plan_due(session=s, now=EVENING, settings=settings)
        ids = [x.id for x in s.exec(select(Send).order_by(Send.due_at))]
    return acct, ids


def get(db, send_id: int) -> Send:
    with Session(db) as s:
        return s.get(Send, send_id)


def at_due(db, clock, send_id: int) -> None:
    clock.set(get(db, send_id).due_at)


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_outcomes_caps_and_reconciliations_are_counted(db, settings):
    clock = FrozenClock(EVENING)
    gw = FakeGateway(clock)
    metrics = PrometheusMetrics()
    acct, ids = setup(db, settings, count=3, daily=2)

    def send(send_id: int) -> str:
        return perform_send(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings,
                            notifier=LoggingNotifier(), send_id=send_id, worker="w1", metrics=metrics)

    first, second = ids
    gw.fail_next("send_invitation", OutcomeUnknown("timeout"), after_action=True)
    at_due(db, clock, first)
    assert send(first) == "reconciled"  # the timeout's action is found at the provider
    at_due(db, clock, second)
    clock.advance(timedelta(seconds=settings.min_spacing_seconds + settings.spacing_jitter_seconds))
    assert send(second) == "sent"
    with UnitOfWork(db)() as s:  # a third invitation squeezed in by hand meets the daily cap of 2
        e = s.get(Enrollment, get(db, first).enrollment_id)
        extra = f.contacts(s, s.get(Workspace, e.workspace_id), 1)[0]
        en = Enrollment(workspace_id=e.workspace_id, campaign_id=e.campaign_id, contact_id=extra.id,
                        account_id=acct.id, state="planned")
        s.add(en)
        s.flush()
        row = Send(workspace_id=e.workspace_id, campaign_id=e.campaign_id, enrollment_id=en.id, account_id=acct.id,
                   contact_id=extra.id, step="invitation", language="en", text="Hi", local_date=clock.now().date(),
                   due_at=clock.now() + timedelta(minutes=10))
        s.add(row)
        s.flush()
        third = row.id
    clock.advance(timedelta(minutes=10))
    assert send(third) == "moved"
    assert value(metrics, "invitebot_sends_total", outcome="reconciled") == 1
    assert value(metrics, "invitebot_sends_total", outcome="sent") == 1
    assert value(metrics, "invitebot_sends_total", outcome="moved") == 1
    assert value(metrics, "invitebot_reconciliations_total", result="found") == 1
    assert value(metrics, "invitebot_caps_reached_total", cap="daily_invitations") == 1
    assert value(metrics, "invitebot_caps_reached_total", cap="weekly_invitations") == 0
