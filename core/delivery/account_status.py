"""A LinkedIn account's health, from the provider's account status webhook or from a fresh read of
the account (docs/linkedin.md): a bad status marks the account invalid and pauses its sender's
running campaigns (one alert); a good one makes it valid again and lifts exactly that pause.

The webhook carries no timestamp and the same status can legitimately come again after another
one (CREDENTIALS → OK → CREDENTIALS), so status events are never de-duplicated: each is kept, and
the latest received for an account wins (`core.delivery.webhooks`). Because a webhook can still be
lost, the polling job re-reads the status (`refresh`) before it polls an account."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.clock import Clock
from core.db import UnitOfWork
from core.delivery.linkedin.port import LinkedInError, LinkedInGateway, NotFound
from core.i18n import invocation, speaking, t
from core.notify import Alert
from core.workspace.language import language_of_member_id
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount

log = logging.getLogger("invitebot.delivery")

BAD_STATUSES = {"CREDENTIALS", "PERMISSIONS", "ERROR", "STOPPED", "DELETED", "DISCONNECTED"}
GOOD_STATUSES = {"OK", "RECONNECTED", "CREATION_SUCCESS", "SYNC_SUCCESS"}
# Anything else (CONNECTING, an unknown word) changes nothing: the provider is still deciding.


def locked_account(session: Session, **where: Any) -> LinkedInAccount | None:
    """The account row, locked until the unit ends (PostgreSQL; SQLite's writer lock already is)."""
    clauses = [getattr(LinkedInAccount, name) == value for name, value in where.items()]
    return session.execute(select(LinkedInAccount).where(*clauses).with_for_update()).scalars().first()


def apply(*, session: Session, account: LinkedInAccount, status: str, now: datetime) -> list[Alert]:
    """Make the stored account agree with the provider's `status`; the alert to send, if any."""
    status = str(status or "").upper()
    if status in BAD_STATUSES and account.status != "invalid":
        account.status = "invalid"
        session.add(account)
        session.execute(update(Campaign).where(Campaign.sender_id == account.member_id,
                                               Campaign.status == STATUS_ACTIVE, Campaign.paused_reason.is_(None))
                        .values(paused_reason=ACCOUNT_DISCONNECTED_PAUSE, updated_at=now))
        log.info("linkedin account %s: %s at the provider, marked invalid", account.id, status)
        with speaking(language_of_member_id(session, account.member_id)) as lang:
            return [Alert(workspace_id=account.workspace_id, member_id=account.member_id, kind="account_disconnected",
                          title=t("alert.disconnected.title"), text=t("alert.disconnected.text"),
                          action_hint=t("alert.disconnected.hint", command=invocation("connect")),
                          language=lang.value)]
    if status in GOOD_STATUSES and account.status == "invalid":
        account.status = "valid"
        session.add(account)
        # Lifts exactly the pause the disconnection put (another pause stays until `activate`).
        session.execute(update(Campaign).where(Campaign.sender_id == account.member_id,
                                               Campaign.status == STATUS_ACTIVE,
                                               Campaign.paused_reason == ACCOUNT_DISCONNECTED_PAUSE)
                        .values(paused_reason=None, updated_at=now))
        log.info("linkedin account %s: %s at the provider, valid again", account.id, status)
    return []


def refresh(*, uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock,
            account_id: int) -> tuple[str | None, list[Alert]]:
    """Re-read the account's status from the provider and apply it: (the status read, the alerts).
    A read that fails changes nothing (logged); an account the provider no longer knows is DELETED."""
    with uow() as session:
        account = session.get(LinkedInAccount, account_id)
        if account is None:
            return None, []
        key = account.provider_account_id
    try:
        status = gateway.account_status(account_id=key)
    except NotFound:
        status = "DELETED"
    except LinkedInError as exc:
        log.warning("linkedin account %s: status not re-read (%s)", account_id, exc.code)
        return None, []
    with uow() as session:
        account = locked_account(session, id=account_id)
        if account is None or account.provider_account_id != key:  # reconnected meanwhile: not this one's status
            return status, []
        return status, apply(session=session, account=account, status=status, now=clock.now())
