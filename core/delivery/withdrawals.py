"""Withdrawing invitations left pending too long (default 21 days), at most `withdraw_per_day`
per account and day; the enrollment ends as withdrawn (and the contact may not be invited again
by this account, invariant 1)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from core.db import session_scope
from core.delivery.linkedin.port import NotFound
from core.delivery.models import E_INVITED, E_WITHDRAWN, Enrollment
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount

DAY = timedelta(hours=24)


def _withdrawn_today(session: Session, account_id: int, now) -> int:
    return session.execute(select(func.count()).select_from(Enrollment).where(
        Enrollment.account_id == account_id, Enrollment.withdrawn_at > now - DAY)).scalar_one()


def withdraw_stale(*, engine, gateway, clock, settings, account_id: int) -> int:
    """Withdraw this account's oldest stale invitations; returns how many were withdrawn."""
    now = clock.now()
    with session_scope(engine) as session:
        account = session.get(LinkedInAccount, account_id)
        if account is None or account.status != "valid":
            return 0
        key = account.provider_account_id
        budget = settings.withdraw_per_day - _withdrawn_today(session, account_id, now)
        if budget <= 0:
            return 0
        stale = session.execute(
            select(Enrollment.id, Enrollment.invitation_id, Contact.provider_id)
            .join(Contact, Contact.id == Enrollment.contact_id)
            .where(Enrollment.account_id == account_id, Enrollment.state == E_INVITED,
                   Enrollment.invited_at < now - timedelta(days=settings.withdraw_after_days))
            .order_by(Enrollment.invited_at).limit(budget)).all()
    if not stale:
        return 0
    missing = {pid for _, inv, pid in stale if not inv and pid}
    found: dict[str, str] = {}
    if missing:  # invitations recorded without an id: look them up
        cursor = None
        for _ in range(50):
            page = gateway.list_sent_invitations(account_id=key, cursor=cursor, limit=100)
            found.update({i.provider_user_id: i.invitation_id for i in page.items if i.provider_user_id in missing})
            cursor = page.cursor
            if not cursor or len(found) == len(missing):
                break
    done = 0
    for enrollment_id, invitation_id, provider_id in stale:
        invitation_id = invitation_id or found.get(provider_id)
        reason = "pending too long: withdrawn"
        if invitation_id:
            try:
                gateway.withdraw_invitation(account_id=key, invitation_id=invitation_id)
            except NotFound:
                reason = "no longer pending at LinkedIn"
        else:
            reason = "no longer pending at LinkedIn"
        with session_scope(engine) as session:
            e = session.get(Enrollment, enrollment_id)
            if e.state != E_INVITED:
                continue  # accepted meanwhile
            e.state, e.withdrawn_at, e.reason, e.updated_at = E_WITHDRAWN, clock.now(), reason, clock.now()
            session.add(e)
            done += 1
    return done
