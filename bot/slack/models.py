"""The Slack surface's own table: workspaces that installed the app through OAuth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class SlackInstallation(SQLModel, table=True):
    """A Slack workspace that installed the app through OAuth (multi-workspace mode)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(default=None, foreign_key="workspace.id")
    team_id: str = Field(max_length=64, unique=True)
    enterprise_id: str | None = Field(default=None, max_length=64)
    bot_user_id: str | None = Field(default=None, max_length=64)
    bot_token: str = Field(max_length=255)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    installed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SlackRevokedToken(SQLModel, table=True):
    """A bot token Slack said is dead (`app_uninstalled`, `tokens_revoked`): never used again. Only
    its SHA-256 is kept. A new install brings a new token; the old one stays refused."""

    token_sha256: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=64)
    revoked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
