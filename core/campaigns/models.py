"""Tables of campaigns: programs, campaigns and their messages (P-4…P-19)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class Step(StrEnum):
    """The steps of a campaign's sequence (each followup with its position and delay)."""

    INVITATION = "invitation"
    WELCOME = "welcome"
    FOLLOWUP = "followup"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    STOPPED = "stopped"


STEP_INVITATION, STEP_WELCOME, STEP_FOLLOWUP = Step.INVITATION, Step.WELCOME, Step.FOLLOWUP
STATUS_DRAFT, STATUS_ACTIVE, STATUS_STOPPED = CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.STOPPED


class Program(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="uq_program_workspace_name"),)

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Campaign(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key", name="uq_campaign_workspace_name"),
        Index("ix_campaign_workspace_status", "workspace_id", "status"),
        Index("ix_campaign_sender_status", "sender_id", "status"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    description: str = Field(default="", sa_type=Text)
    sender_id: int = Field(foreign_key="member.id")
    source_kind: str = Field(max_length=16)  # finder | segment
    source_id: int
    status: str = Field(default=STATUS_DRAFT, max_length=16)
    # Set while the sender's account is paused (disconnected, limit hit): shown as health.
    paused_reason: str | None = Field(default=None, max_length=200)
    moderation: bool = Field(default=True)
    timezone: str = Field(default="UTC", max_length=64)
    # [{"weekday": 0-6 (Monday=0), "start": "HH:MM", "end": "HH:MM"}]
    slots: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    cohort_size: int = Field(default=10)
    languages: list[str] = Field(default_factory=lambda: ["en"], sa_type=JSON)
    default_language: str = Field(default="en", max_length=8)
    stop_if_ongoings: bool = Field(default=True)
    stop_if_incomings: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    activated_by_id: int | None = Field(default=None, foreign_key="member.id")
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_by_id: int | None = Field(default=None, foreign_key="member.id")
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignMessage(SQLModel, table=True):
    """The template of one step in one language. Follow-ups are numbered from 1."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "step", "position", "language", name="uq_campaign_message"),
    )

    id: int = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    step: str = Field(max_length=16)
    position: int = Field(default=0)
    delay_days: int = Field(default=0)
    language: str = Field(max_length=8)
    template: str = Field(sa_type=Text)
