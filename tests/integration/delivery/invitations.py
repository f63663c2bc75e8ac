"""Invitation runs for the fault tests: one Unipile account's campaign, every invitation due at
once, and the simulator's own record of whom it invited."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import update
from sqlmodel import select

from core.db import UnitOfWork
from core.delivery.models import Send
from core.delivery.planner import plan_due
from tests import factories as f

ACCOUNT = "unipile-acct-1"
EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)


def campaign_of(db, settings, count: int, *, due: datetime) -> list[int]:
    """`count` invitations of one Unipile account, all due at `due`."""
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, _ = f.sender(s, ws, account_key=ACCOUNT, provider="unipile", daily=200, weekly=500)
        f.campaign(s, ws, m, f.segment(s, ws, f.contacts(s, ws, count, prefix="lead")), cohort=25,
                   slots=[{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)])
        plan_due(session=s, now=EVENING, settings=settings)
        s.execute(update(Send).values(due_at=due))
        return list(s.exec(select(Send.id).order_by(Send.id)))


def invitations_per_contact(sim) -> Counter:
    """The simulator's own record: invitations it created, per invited person."""
    return Counter(i["provider_id"] for i in sim.invitations.values() if i["account_id"] == ACCOUNT)
