"""Tables of the workspace: who the customer is, its members, their chat identities and LinkedIn accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow
from core.workspace.limits import NOTE_LIMITS

# The pause a campaign gets when its sender's account is disconnected; reconnecting lifts it.
ACCOUNT_DISCONNECTED_PAUSE = "the sender's LinkedIn account is disconnected"


class Workspace(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slack_team_id: str | None = Field(default=None, unique=True, max_length=64)
    teams_tenant_id: str | None = Field(default=None, unique=True, max_length=64)
    timezone: str = Field(default="UTC", max_length=64)
    ui_language: str = Field(default="en", max_length=8)
    digest_hour: int = Field(default=18)  # local hour of the moderation digest (P-22)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "email", name="uq_member_workspace_email"),
        Index("ix_member_workspace_name", "workspace_id", "name_key"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(default="member", max_length=16)  # admin | member
    active: bool = Field(default=True)
    # The language the bot speaks to them (core/i18n.py): the one they chose (`language fr`), else
    # their chat's locale (Slack's users.info, Teams' activity), else their workspace's `ui_language`.
    language: str | None = Field(default=None, max_length=8)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class ChatIdentity(SQLModel, table=True):
    """A member as seen by one chat platform: Slack (team, user) or Teams (tenant, AAD object id)."""

    __table_args__ = (UniqueConstraint("platform", "tenant", "external_user_id", name="uq_chat_identity"),)

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=16)  # slack | teams
    tenant: str = Field(max_length=64)
    external_user_id: str = Field(max_length=128)
    # Where to reach the member proactively: Slack DM channel, or a Teams conversation reference.
    conversation_ref: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LinkedInAccount(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("provider", "provider_account_id", name="uq_linkedin_provider_account"),)

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    provider: str = Field(default="sandbox", max_length=16)  # sandbox | unipile
    provider_account_id: str = Field(max_length=128)
    provider_user_id: str | None = Field(default=None, max_length=128)
    status: str = Field(default="valid", max_length=16)  # valid | invalid | restricted
    kind: str = Field(default="premium", max_length=16)  # premium | free
    daily_invite_cap: int | None = Field(default=None)
    weekly_invite_cap: int | None = Field(default=None)
    daily_message_cap: int | None = Field(default=None)
    # Set when the provider said "rate limited": no invitation before this instant.
    invitations_paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the provider refused a note over its limit: invitations wait for a human.
    invitations_paused_reason: str | None = Field(default=None, max_length=200)
    last_action_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def note_limit(self) -> int:
        return NOTE_LIMITS["free"] if self.kind == "free" else NOTE_LIMITS["premium"]
