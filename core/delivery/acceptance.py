"""Acceptances (P-12): a relation learnt from the provider's webhook or from polling turns an
invited enrollment into an accepted one and plans its welcome. Polling also re-reads the account's
status and reads the chats of live sequences, so a lost status webhook is made up for and replies
end sequences even without webhooks (acceptances can arrive hours late)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork, dialect_insert
from core.delivery import account_status, conversation, sequence
from core.delivery.linkedin.port import LinkedInGateway
from core.delivery.models import E_ACCEPTED, E_FOLLOWING_UP, E_INVITED, E_WELCOMED, Enrollment, Relation
from core.notify import Notifier
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount

log = logging.getLogger("invitebot.delivery")
POLL_PAGES = 10


def account_by_provider_id(session: Session, provider_account_id: str) -> LinkedInAccount | None:
    return session.execute(select(LinkedInAccount).where(
        LinkedInAccount.provider_account_id == provider_account_id)).scalars().first()


def record_relation(*, session: Session, account: LinkedInAccount, provider_user_id: str,
                    public_identifier: str | None, connected_at: datetime | None, source: str, now: datetime,
                    public_url: str) -> int:
    """Remember a first-degree relation of `account`; an invited enrollment of that contact becomes
    accepted and gets its welcome planned. Idempotent. Returns the number of enrollments accepted."""
    at = min(connected_at or now, now)
    contact = session.execute(select(Contact).where(
        Contact.workspace_id == account.workspace_id,
        or_(Contact.provider_id == provider_user_id,
            Contact.public_identifier == (public_identifier or "\x00")))).scalars().first()
    session.execute(dialect_insert(session, Relation.__table__).values(
        account_id=account.id, provider_user_id=provider_user_id[:128],
        public_identifier=(public_identifier or None) and public_identifier[:200],
        contact_id=contact.id if contact else None, connected_at=at, source=source[:16],
    ).on_conflict_do_nothing(index_elements=["account_id", "provider_user_id"]))
    if contact is None:
        return 0
    if contact.provider_id is None:
        contact.provider_id = provider_user_id
        session.add(contact)
    accepted = 0
    for e in session.execute(select(Enrollment).where(Enrollment.account_id == account.id,
                                                      Enrollment.contact_id == contact.id,
                                                      Enrollment.state == E_INVITED)).scalars():
        e.state, e.accepted_at, e.updated_at = E_ACCEPTED, max(at, e.invited_at or at), now
        session.add(e)
        session.flush()
        sequence.plan_welcome(session=session, enrollment=e, accepted_at=e.accepted_at, now=now, public_url=public_url)
        accepted += 1
    return accepted


def poll_account(*, uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, settings: Settings, account_id: int,
                 notifier: Notifier | None = None) -> dict[str, int]:
    """Fallback for late or lost webhooks: the account's status first (re-read from the provider;
    an alert goes through `notifier`), then, for a valid account, relations (newest pages) and the
    chats of live sequences."""
    _, alerts = account_status.refresh(uow=uow, gateway=gateway, clock=clock, account_id=account_id)
    for alert in alerts:
        try:
            if notifier is not None:
                notifier.send_alert(alert)
        except Exception:  # the status is recorded; a lost alert must not stop the poll
            log.exception("alert %s for member %s could not be delivered", alert.kind, alert.member_id)
    with uow() as session:
        account = session.get(LinkedInAccount, account_id)
        if account is None or account.status != "valid":
            return {"accepted": 0, "messages": 0}
        key = account.provider_account_id
        invited = session.execute(select(Enrollment.id).where(Enrollment.account_id == account_id,
                                                              Enrollment.state == E_INVITED).limit(1)).first()
    accepted = 0
    if invited is not None:
        cursor = None
        for _ in range(POLL_PAGES):
            page = gateway.list_relations(account_id=key, cursor=cursor, limit=100)
            with uow() as session:
                account = session.get_one(LinkedInAccount, account_id)
                for r in page.items:
                    accepted += record_relation(session=session, account=account, provider_user_id=r.provider_user_id,
                                                public_identifier=r.public_identifier, connected_at=r.connected_at,
                                                source="poll", now=clock.now(), public_url=settings.public_url)
            cursor = page.cursor
            if not cursor:
                break
    messages = 0
    with uow() as session:
        chats = session.execute(select(Enrollment.id, Enrollment.chat_id, Enrollment.accepted_at).where(
            Enrollment.account_id == account_id, Enrollment.chat_id.is_not(None),
            Enrollment.state.in_((E_ACCEPTED, E_WELCOMED, E_FOLLOWING_UP)))).all()
    for enrollment_id, chat_id, accepted_at in chats:
        fresh = gateway.list_messages(account_id=key, chat_id=chat_id, after=accepted_at)
        with uow() as session:
            e = session.get_one(Enrollment, enrollment_id)
            conversation.learn_messages(session=session, enrollment=e, messages=fresh, now=clock.now())
        messages += len(fresh)
    if accepted:
        log.info("poll account=%s accepted=%d", account_id, accepted)
    return {"accepted": accepted, "messages": messages}
