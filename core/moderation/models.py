"""The table of moderation: one digest per campaign and local day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class Digest(SQLModel, table=True):
    """The moderation digest of one campaign for one local day; remembers where it was posted.

    `delivered_at` is set once the moderator has it (posted on a chat platform, or shown by the
    `digest` command; a day with nothing to moderate is closed the same way). Until then a moderated
    campaign's invitations of that day are held (`core.moderation.digests`) and the clock tries again
    at `next_try_at`, which also fences an attempt under way (its lease)."""

    __table_args__ = (UniqueConstraint("campaign_id", "for_date", name="uq_digest_campaign_date"),)

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    for_date: date = Field(sa_type=Date)
    frozen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Platform message references per page, so decisions update the message in place (and a retry
    # after a partial failure posts only the pages still missing).
    delivery: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    attempts: int = Field(default=0)
    next_try_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)  # what the platforms said, never a text
