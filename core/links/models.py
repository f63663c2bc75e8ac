"""Tables of tracked links: the link written into a message, and each click on it (P-16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class TrackedLink(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    token: str = Field(max_length=32, unique=True)
    send_id: int | None = Field(default=None, foreign_key="send.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    url: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Click(SQLModel, table=True):
    __table_args__ = (
        Index("ix_click_contact_campaign", "contact_id", "campaign_id"),
        Index("ix_click_campaign_contact", "campaign_id", "contact_id"),  # a campaign's clicks (analytics)
    )

    id: int = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="trackedlink.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    contact_id: int = Field(foreign_key="contact.id")
    clicked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
