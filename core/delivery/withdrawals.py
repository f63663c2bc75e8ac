"""Withdrawing invitations left pending too long (default 21 days), at most `withdraw_per_day`
per account and day; the enrollment ends as withdrawn (and the contact may not be invited again
by this account, invariant 1).

Serialised per account: one transaction locks the account row, counts the budget from the
withdrawals already committed (finished or under way) and claims each enrollment with a
conditional update (`withdrawn_at` set while the state is still `invited`) before any provider
call. A duplicated job or a second worker finds nothing left to claim, so each invitation gets
at most one withdrawal call. A claim left by a crashed run is taken again after `CLAIM_TTL`.

`NotFound` from the provider means the invitation is no longer pending — often because the
contact accepted and we have not polled yet — so the relations are read before deciding: an
accepted contact becomes an acceptance (and gets its welcome), not a withdrawal."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlmodel import Session

from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork, rowcount
from core.delivery.acceptance import record_relation
from core.delivery.linkedin.port import LinkedInGateway, NotFound, RelationInfo
from core.delivery.models import E_INVITED, E_WITHDRAWN, Enrollment
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount

DAY = timedelta(hours=24)
CLAIM_TTL = timedelta(minutes=15)
LOOKUP_PAGES = 50
WITHDRAWN = "pending too long: withdrawn"
GONE = "no longer pending at LinkedIn"


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Invited and not claimed by a withdrawal under way (a stale claim may be taken again)."""
    return and_(Enrollment.state == E_INVITED,
                or_(Enrollment.withdrawn_at.is_(None), Enrollment.withdrawn_at < now - CLAIM_TTL))


def _claim(session: Session, account_id: int, now: datetime,
           settings: Settings) -> list[tuple[int, str | None, str | None]]:
    """Lock the account, count what was withdrawn (or is being withdrawn) in 24 h, and claim up to
    the rest of the budget of its oldest stale invitations."""
    lock = select(LinkedInAccount.id).where(LinkedInAccount.id == account_id)
    if session.get_bind().dialect.name == "postgresql":
        lock = lock.with_for_update()
    session.execute(lock)  # on SQLite the unit's BEGIN IMMEDIATE serialises writers already
    done = session.execute(select(func.count()).select_from(Enrollment).where(
        Enrollment.account_id == account_id, Enrollment.withdrawn_at > now - DAY,
        or_(Enrollment.state == E_WITHDRAWN, Enrollment.state == E_INVITED))).scalar_one()
    budget = settings.withdraw_per_day - done
    if budget <= 0:
        return []
    stale = session.execute(
        select(Enrollment.id, Enrollment.invitation_id, Contact.provider_id)
        .join(Contact, Contact.id == Enrollment.contact_id)
        .where(Enrollment.account_id == account_id, _claimable(now),
               Enrollment.invited_at < now - timedelta(days=settings.withdraw_after_days))
        .order_by(Enrollment.invited_at).limit(budget)).all()
    claimed: list[tuple[int, str | None, str | None]] = []
    for enrollment_id, invitation_id, provider_id in stale:
        taken = rowcount(session, update(Enrollment).where(Enrollment.id == enrollment_id, _claimable(now))
                         .values(withdrawn_at=now, updated_at=now))
        if taken == 1:
            claimed.append((enrollment_id, invitation_id, provider_id))
    return claimed


def _find_pending_ids(gateway: LinkedInGateway, key: str, wanted: set[str]) -> dict[str, str]:
    """Invitation ids of the pending invitations to `wanted` people (recorded without an id)."""
    found: dict[str, str] = {}
    cursor = None
    for _ in range(LOOKUP_PAGES):
        page = gateway.list_sent_invitations(account_id=key, cursor=cursor, limit=100)
        found.update({i.provider_user_id: i.invitation_id for i in page.items if i.provider_user_id in wanted})
        cursor = page.cursor
        if not cursor or len(found) == len(wanted):
            break
    return found


def _connected(gateway: LinkedInGateway, key: str, wanted: set[str]) -> dict[str, RelationInfo]:
    """The relations of the account among `wanted` people (they accepted meanwhile)."""
    found: dict[str, RelationInfo] = {}
    cursor = None
    for _ in range(LOOKUP_PAGES):
        page = gateway.list_relations(account_id=key, cursor=cursor, limit=100)
        found.update({r.provider_user_id: r for r in page.items if r.provider_user_id in wanted})
        cursor = page.cursor
        if not cursor or len(found) == len(wanted):
            break
    return found


def withdraw_stale(*, uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, settings: Settings,
                   account_id: int) -> int:
    """Withdraw this account's oldest stale invitations; returns how many were withdrawn."""
    now = clock.now()
    with uow() as session:
        account = session.get(LinkedInAccount, account_id)
        if account is None or account.status != "valid":
            return 0
        key = account.provider_account_id
        claimed = _claim(session, account_id, now, settings)
    if not claimed:
        return 0
    missing = {pid for _, inv, pid in claimed if not inv and pid}
    found = _find_pending_ids(gateway, key, missing) if missing else {}
    outcome: dict[int, str] = {}
    gone: dict[int, str | None] = {}
    for enrollment_id, invitation_id, provider_id in claimed:
        invitation_id = invitation_id or (found.get(provider_id) if provider_id else None)
        if not invitation_id:
            gone[enrollment_id] = provider_id
            continue
        try:
            gateway.withdraw_invitation(account_id=key, invitation_id=invitation_id)
            outcome[enrollment_id] = WITHDRAWN
        except NotFound:
            gone[enrollment_id] = provider_id
    relations = _connected(gateway, key, {p for p in gone.values() if p}) if gone else {}
    done = 0
    with uow() as session:
        account = session.get_one(LinkedInAccount, account_id)
        for enrollment_id, provider_id in gone.items():
            relation = relations.get(provider_id) if provider_id else None
            if relation is None:
                outcome[enrollment_id] = GONE
                continue
            # Accepted, not yet learnt: an acceptance (with its welcome), not a withdrawal.
            session.execute(update(Enrollment).where(Enrollment.id == enrollment_id, Enrollment.withdrawn_at == now)
                            .values(withdrawn_at=None))
            record_relation(session=session, account=account, provider_user_id=relation.provider_user_id,
                            public_identifier=relation.public_identifier, connected_at=relation.connected_at,
                            source="poll", now=clock.now(), public_url=settings.public_url)
        for enrollment_id, reason in outcome.items():
            done += rowcount(session,
                update(Enrollment).where(Enrollment.id == enrollment_id, Enrollment.state == E_INVITED,
                                         Enrollment.withdrawn_at == now)
                .values(state=E_WITHDRAWN, reason=reason, updated_at=clock.now()))
        # A claim whose contact was accepted meanwhile (webhook): the marker goes.
        session.execute(update(Enrollment).where(Enrollment.id.in_([c[0] for c in claimed]),
                                                 Enrollment.state != E_WITHDRAWN, Enrollment.state != E_INVITED,
                                                 Enrollment.withdrawn_at == now).values(withdrawn_at=None))
    return done
