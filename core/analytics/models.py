"""Tables of the analytics rollup (`core.analytics.rollup`): each campaign's results as of its
last refresh — per campaign-local day and language, per message, and its funnel per language —
so that a workspace's summary sums a few thousand rows instead of every enrollment and send."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class CampaignStatsDay(SQLModel, table=True):
    """The events of one campaign-local day, for the campaign's contacts of one language."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    day: date = Field(sa_type=Date, primary_key=True)
    language: str = Field(max_length=8, primary_key=True)
    invited: int = 0
    accepted: int = 0
    welcomed: int = 0
    replied: int = 0
    positive: int = 0
    clicked: int = 0
    withdrawn: int = 0


class CampaignStatsMessage(SQLModel, table=True):
    """One message of a campaign in one language (`core.analytics.queries.MessageStats`)."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    step: str = Field(max_length=16, primary_key=True)
    position: int = Field(primary_key=True)
    language: str = Field(max_length=8, primary_key=True)
    sent: int = 0
    replied: int = 0
    positive: int = 0
    clicked: int = 0


class CampaignStatsFunnel(SQLModel, table=True):
    """A campaign's funnel for its contacts of one language (`core.analytics.queries.Counts`)."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    language: str = Field(max_length=8, primary_key=True)
    invited: int = 0
    accepted: int = 0
    welcomed: int = 0
    replied: int = 0
    positive: int = 0
    clicked: int = 0
    pending: int = 0
    withdrawn: int = 0


class CampaignStatsRefresh(SQLModel, table=True):
    """When a campaign's rollup was last computed (a campaign without contacts has rows nowhere else)."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    refreshed_at: datetime = Field(sa_type=UTCDateTime)


class WeeklySummaryPreference(SQLModel, table=True):
    """A member's weekly summary: on unless turned off; the Monday it last went out (claimed before
    it is sent, so that two workers never send it twice)."""

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    enabled: bool = True
    last_sent_on: date | None = Field(default=None, sa_type=Date)
