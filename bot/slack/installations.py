"""OAuth installs (multi-workspace mode) kept in our database, and a stateless OAuth state store.

A Slack team maps to one workspace: installing creates (or finds) the workspace of that team.
When Slack says the app left a team (`app_uninstalled`, or its bot token revoked: `removed`), the
installation is deleted, the token that team used is recorded as dead (`SlackRevokedToken`, only
its hash; the notifier never calls with it again) and the workspace's running campaigns are paused
(`core.workspace.installs`), all in one unit of work; an install lifts that pause.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone
from typing import Any, Optional

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlmodel import select

from bot.slack.models import SlackInstallation, SlackRevokedToken
from core.db import UnitOfWork
from core.workspace.installs import AppInstalled, AppRemoved, ChatPlatform, handle
from core.workspace.models import Workspace


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items() if v is not None}


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations in the `SlackInstallation` table (one row per team; a reinstall replaces it)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def logger(self):
        import logging

        return logging.getLogger("invitebot.slack.install")

    def _save(self, installation: Installation) -> None:
        team_id = installation.team_id or installation.enterprise_id
        with self._uow() as session:
            workspace = session.exec(select(Workspace).where(Workspace.slack_team_id == team_id)).first()
            if workspace is None:
                workspace = Workspace(name=(installation.team_name or team_id)[:120], slack_team_id=team_id)
                session.add(workspace)
                session.flush()
            row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == team_id)).first()
            row = row or SlackInstallation(team_id=team_id, bot_token="")
            row.workspace_id = workspace.id
            row.enterprise_id = installation.enterprise_id
            row.bot_user_id = installation.bot_user_id
            row.bot_token = installation.bot_token or ""
            row.data = _jsonable(installation.to_dict())
            row.installed_at = datetime.now(timezone.utc)
            session.add(row)
            resumed = handle(AppInstalled(ChatPlatform.SLACK, team_id), session=session, now=row.installed_at)
        if resumed:
            self.logger.info("slack: team %s installed the app again: %d campaign(s) run again", team_id, resumed)

    def _find(self, team_id: Optional[str], enterprise_id: Optional[str]) -> Optional[Installation]:
        with self._uow() as session:
            row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == (team_id or enterprise_id))).first()
            if row is None:
                return None
            data = dict(row.data or {})
            data.pop("installed_at", None)
            data.update(team_id=row.team_id, bot_token=row.bot_token, bot_user_id=row.bot_user_id)
            allowed = Installation.__init__.__code__.co_varnames
            return Installation(**{k: v for k, v in data.items() if k in allowed})

    def _delete(self, team_id: Optional[str], enterprise_id: Optional[str]) -> None:
        with self._uow() as session:
            row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == (team_id or enterprise_id))).first()
            if row is not None:
                session.delete(row)

    async def async_save(self, installation: Installation):
        await asyncio.to_thread(self._save, installation)

    async def async_find_installation(self, *, enterprise_id: Optional[str], team_id: Optional[str],
                                      user_id: Optional[str] = None, is_enterprise_install: Optional[bool] = False
                                      ) -> Optional[Installation]:
        return await asyncio.to_thread(self._find, team_id, enterprise_id)

    async def async_find_bot(self, *, enterprise_id: Optional[str], team_id: Optional[str],
                             is_enterprise_install: Optional[bool] = False) -> Optional[Bot]:
        installation = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        return installation.to_bot() if installation and installation.bot_token else None

    async def async_delete_installation(self, *, enterprise_id: Optional[str], team_id: Optional[str],
                                        user_id: Optional[str] = None) -> None:
        await asyncio.to_thread(self._delete, team_id, enterprise_id)

    async def async_delete_bot(self, *, enterprise_id: Optional[str], team_id: Optional[str]) -> None:
        await asyncio.to_thread(self._delete, team_id, enterprise_id)


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def removed(uow: UnitOfWork, team_id: str, single_token: str | None, now: datetime) -> int:
    """Slack says the app can no longer act in `team_id`: its installation deleted, the token it
    used (the installation's, else the single-workspace `single_token`) recorded as dead, the
    workspace's running campaigns paused. Returns how many campaigns were paused."""
    with uow() as session:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == team_id)).first()
        token = row.bot_token if row is not None and row.bot_token else single_token
        if row is not None:
            session.delete(row)
        if token and session.get(SlackRevokedToken, fingerprint(token)) is None:
            session.add(SlackRevokedToken(token_sha256=fingerprint(token), team_id=team_id, revoked_at=now))
        return handle(AppRemoved(ChatPlatform.SLACK, team_id), session=session, now=now)


def is_revoked(uow: UnitOfWork, token: str) -> bool:
    with uow(read_only=True) as session:
        return session.get(SlackRevokedToken, fingerprint(token)) is not None


def team_removed(uow: UnitOfWork, team_id: str) -> bool:
    """Whether Slack said the app left `team_id` (and it was not installed there since)."""
    with uow(read_only=True) as session:
        if session.exec(select(SlackInstallation.id).where(SlackInstallation.team_id == team_id)).first():
            return False
        return session.exec(select(SlackRevokedToken.token_sha256)
                            .where(SlackRevokedToken.team_id == team_id)).first() is not None


def bot_token_for_team(uow: UnitOfWork, team_id: str) -> str | None:
    """The stored bot token of a team (the notifier's way to reach OAuth-installed teams)."""
    with uow() as session:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == team_id)).first()
        return row.bot_token if row else None


class SignedStateStore(AsyncOAuthStateStore):
    """OAuth `state` values signed with a secret: nothing stored, valid on every web process."""

    def __init__(self, secret: str, expiration_seconds: int = 600) -> None:
        self._secret = secret.encode()
        self._expiration = expiration_seconds

    @property
    def logger(self):
        import logging

        return logging.getLogger("invitebot.slack.install")

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    async def async_issue(self, *args, **kwargs) -> str:
        payload = f"{secrets.token_urlsafe(16)}.{int(time.time()) + self._expiration}"
        return f"{payload}.{self._sign(payload)}"

    async def async_consume(self, state: str) -> bool:
        payload, _, signature = (state or "").rpartition(".")
        # Bytes: `compare_digest` raises on a str that is not ASCII (a forged state).
        if not payload or not hmac.compare_digest(self._sign(payload).encode(), signature.encode()):
            return False
        try:
            expires = int(payload.rsplit(".", 1)[1])
        except (IndexError, ValueError):
            return False
        return time.time() <= expires
