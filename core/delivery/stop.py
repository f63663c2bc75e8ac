"""Stopping a campaign's deliveries (P-18, invariant 3). The campaign service's stop updates the
campaign row first, then calls `cancel_campaign_sends` in the same transaction: a claim locks that
row (shared) before taking a send, so once the stop commits no claim of the campaign succeeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from core.db import rowcount
from core.delivery.models import E_STOPPED, ENROLLMENT_FINAL, S_CANCELLED, S_PLANNED, Enrollment, Send

REASON = "campaign stopped"


def cancel_campaign_sends(*, session: Session, campaign_id: int, now: datetime) -> int:
    """Cancel every unclaimed send of the campaign and stop its enrollments that are not final.
    Returns the number of sends cancelled. A send already claimed finishes its one call."""
    cancelled = rowcount(session, update(Send).where(Send.campaign_id == campaign_id, Send.status == S_PLANNED)
                         .values(status=S_CANCELLED, reason=REASON, updated_at=now))
    session.execute(update(Enrollment).where(Enrollment.campaign_id == campaign_id,
                                             Enrollment.state.not_in(ENROLLMENT_FINAL))
                    .values(state=E_STOPPED, reason=REASON, updated_at=now))
    return cancelled
