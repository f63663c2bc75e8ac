"""A chat platform tells us the app left a workspace (Slack: `app_uninstalled`, or its bot token
revoked by `tokens_revoked`) or came back (a new OAuth install): commands, each with one handler.

Removed: the workspace's running campaigns are paused with `APP_REMOVED_PAUSE` (a stored marker;
its text for members is the catalogue's, in their language: `core.campaigns.health`), shown on their
card and in the list as "Paused: the Slack app was removed from this workspace"; nothing is planned
or sent for them while it lasts (the planner and the claim skip paused campaigns). The surface
forgets the token itself (bot/slack/installations.py). Installed again: exactly that pause is
lifted (a campaign paused for another reason stays paused)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, select

from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.db import rowcount
from core.workspace.models import Workspace


class ChatPlatform(StrEnum):
    SLACK = "slack"


APP_REMOVED_PAUSE = {ChatPlatform.SLACK: "the Slack app was removed from this workspace"}


@dataclass(frozen=True)
class AppRemoved:
    """The platform says the app can no longer act in team `tenant` (a platform id, never trusted
    beyond naming the workspace: the surface checked the platform's signature)."""

    platform: ChatPlatform
    tenant: str


@dataclass(frozen=True)
class AppInstalled:
    platform: ChatPlatform
    tenant: str


def _workspace(session: Session, platform: ChatPlatform, tenant: str) -> Workspace | None:
    if platform == ChatPlatform.SLACK:
        return session.exec(select(Workspace).where(Workspace.slack_team_id == tenant)).first()
    return None


def app_removed(session: Session, command: AppRemoved, now: datetime) -> int:
    """Pause the workspace's running campaigns (those not already paused); how many were paused."""
    workspace = _workspace(session, command.platform, command.tenant)
    if workspace is None:
        return 0
    return rowcount(session, update(Campaign).where(
        Campaign.workspace_id == workspace.id, Campaign.status == STATUS_ACTIVE, Campaign.paused_reason.is_(None))
        .values(paused_reason=APP_REMOVED_PAUSE[command.platform], updated_at=now))


def app_installed(session: Session, command: AppInstalled, now: datetime) -> int:
    """Lift the pause `app_removed` put on the workspace's campaigns; how many run again."""
    workspace = _workspace(session, command.platform, command.tenant)
    if workspace is None:
        return 0
    return rowcount(session, update(Campaign).where(
        Campaign.workspace_id == workspace.id, Campaign.status == STATUS_ACTIVE,
        Campaign.paused_reason == APP_REMOVED_PAUSE[command.platform]).values(paused_reason=None, updated_at=now))


def handle(command: AppRemoved | AppInstalled, *, session: Session, now: datetime) -> int:
    """Run a platform's command in the caller's unit of work (`core.db.UnitOfWork`)."""
    if isinstance(command, AppRemoved):
        return app_removed(session, command, now)
    return app_installed(session, command, now)
