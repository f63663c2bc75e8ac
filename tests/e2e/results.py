"""Results for a campaign, written as delivery writes them: its contacts invited over two weeks,
some accepted, welcomed, one replied positively (shared by the chat surfaces' analytics tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from core.campaigns.models import Campaign
from core.db import UnitOfWork
from core.delivery.models import Enrollment, Send
from core.sources.models import SegmentContact
from core.workspace.models import LinkedInAccount


def add_results(engine, campaign_id: int, now: datetime) -> int:
    """Enroll every contact of the campaign's segment with events; the number of contacts."""
    with UnitOfWork(engine)() as s:
        campaign = s.get(Campaign, campaign_id)
        account = s.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == campaign.sender_id)).one()
        contact_ids = s.exec(select(SegmentContact.contact_id).where(SegmentContact.segment_id == campaign.source_id)
                             .order_by(SegmentContact.contact_id)).all()
        for i, contact_id in enumerate(contact_ids):
            invited = now - timedelta(days=14 - i)
            accepted = invited + timedelta(days=1) if i % 3 != 2 else None
            replied = accepted + timedelta(days=2) if accepted and i == 0 else None
            e = Enrollment(workspace_id=campaign.workspace_id, campaign_id=campaign.id, contact_id=contact_id,
                           account_id=account.id, language="en", invited_at=invited, accepted_at=accepted,
                           welcomed_at=accepted + timedelta(days=1) if accepted else None, replied_at=replied,
                           reply_sentiment="positive" if replied else None,
                           state="replied" if replied else ("welcomed" if accepted else "invited"))
            s.add(e)
            s.flush()
            s.add(Send(workspace_id=campaign.workspace_id, campaign_id=campaign.id, enrollment_id=e.id,
                       account_id=account.id, contact_id=contact_id, step="invitation", language="en",
                       local_date=invited.date(), due_at=invited, status="sent", sent_at=invited))
        return len(contact_ids)
