"""Message sequences for the delivery tests: contacts already accepted by one account, each with
its welcome planned through the product's own `sequence.plan_welcome`, and a driver that runs
the clock's rounds (every due send, every expired lease) until nothing is left to do."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.db import UnitOfWork
from core.delivery import jobs, sequence
from core.delivery.models import E_ACCEPTED, S_CLAIMED, S_PLANNED, Enrollment, Send
from core.notify import LoggingNotifier
from core.delivery.sending import perform_send
from tests import factories as f

WELCOME = "Thanks for connecting, {{firstName}}!"
FOLLOW_UP = "Any news, {{firstName}}?"
ALL_DAY = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]


def accepted_world(db, settings, *, count: int, account_key: str, provider_id, accepted_at: datetime,
                   due: datetime, slots=ALL_DAY, followups: int = 1, tz: str = "UTC", welcome: str = WELCOME) -> dict:
    """`count` contacts of one account, accepted at `accepted_at`, welcome (and `followups`
    follow-ups, a day apart) to come; every welcome made due at `due`. `provider_id(contact)`
    gives the person's provider id (the provider's own, e.g. the simulator's)."""
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        member, account = f.sender(s, ws, account_key=account_key, provider="unipile", messages=500)
        contacts = f.contacts(s, ws, count, prefix="friend")
        for c in contacts:
            c.provider_id = provider_id(c)
            s.add(c)
        campaign = f.campaign(s, ws, member, f.segment(s, ws, contacts), slots=slots, tz=tz, welcome={"en": welcome},
                              followups=[(1, {"en": FOLLOW_UP})] * followups)
        enrollments = []
        for c in contacts:
            e = Enrollment(workspace_id=ws.id, campaign_id=campaign.id, contact_id=c.id, account_id=account.id,
                           state=E_ACCEPTED, invited_at=accepted_at - timedelta(days=1), accepted_at=accepted_at,
                           language="en", invitation_id=f"inv-{c.id}")
            s.add(e)
            s.flush()
            sequence.plan_welcome(session=s, enrollment=e, accepted_at=accepted_at, now=accepted_at,
                                  public_url=settings.public_url)
            enrollments.append(e.id)
        for row in s.exec(select(Send).where(Send.campaign_id == campaign.id)):
            row.due_at = due
            s.add(row)
        return {"account": account.id, "member": member.id, "campaign": campaign.id, "enrollments": enrollments,
                "contacts": {c.id: c.provider_id for c in contacts}, "first_names": {c.provider_id: c.first_name
                                                                                   for c in contacts}}


class Killed(BaseException):
    """The worker died (SIGKILL): nothing after this point runs, nothing is recorded."""


def drive(db, gateway, clock, settings, *, notifier=None, max_rounds: int = 3000) -> Counter:
    """The clock's rounds with a frozen clock: run every due send and expired lease, then move time
    to the next instant something is due. A `Killed` worker leaves its send claimed. Returns the
    outcomes seen."""
    seen: Counter = Counter()
    for _ in range(max_rounds):
        with UnitOfWork(db)() as s:
            due = jobs.due_sends(session=s, now=clock.now())
        for send_id in due:
            try:
                seen[perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=settings,
                                  notifier=notifier or LoggingNotifier(), send_id=send_id, worker="w")] += 1
            except Killed:
                seen["killed"] += 1
        with Session(db) as s:
            planned = s.exec(select(Send.due_at).where(Send.status == S_PLANNED)).all()
            leases = s.exec(select(Send.lease_until).where(Send.status == S_CLAIMED)).all()
        if not planned and not leases:
            return seen
        upcoming = min([*planned, *(lease + timedelta(seconds=1) for lease in leases)])
        clock.set(max(upcoming, clock.now() + timedelta(seconds=1)))
    raise AssertionError(f"still sends to do after {max_rounds} rounds: {seen}")


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where `now` falls around local noon: all-day slots (00:00-23:59) hold it
    whatever the hour a test runs at."""
    offset = 12 - now.hour  # Etc/GMT names count the other way: Etc/GMT-3 is UTC+3
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def gaps(times: list[datetime]) -> list[float]:
    """Seconds between consecutive instants, in time order."""
    ordered = sorted(times)
    return [(b - a).total_seconds() for a, b in zip(ordered, ordered[1:])]
