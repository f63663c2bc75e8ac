"""The Slack notifier of the moderation core (`core.delivery.notify.Notifier`): digests and alerts
as direct messages to the member, through the same rendering as every other Slack message.

Synchronous: the worker calls it from its threads. A member without a Slack identity is not
reachable here (another notifier of the fan-out may reach them)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.conversation.digest import alert_card, digest_pages
from bot.slack import render
from bot.slack.app import sync_client
from bot.slack.installations import bot_token_for_team
from core.db import read_scope
from core.delivery.notify import Alert, DigestView
from core.workspace.models import ChatIdentity

log = logging.getLogger("invitebot.slack.notify")


class SlackNotifier:
    def __init__(self, settings, engine) -> None:
        self._settings = settings
        self._engine = engine
        self._clients: dict[str, object] = {}

    def _reach(self, workspace_id: int, member_id: int):
        """(client, Slack user id) of a member, or (None, None) when they have no Slack identity."""
        # Read-only: the digest delivery calls us inside its own write transaction.
        with read_scope(self._engine) as session:
            identity = session.exec(select(ChatIdentity).where(
                ChatIdentity.workspace_id == workspace_id, ChatIdentity.member_id == member_id,
                ChatIdentity.platform == "slack")).first()
            if identity is None:
                return None, None
            team, user = identity.tenant, identity.external_user_id
        token = self._settings.slack_bot_token.get_secret_value() if self._settings.slack_bot_token else None
        if self._settings.slack_client_id:
            token = bot_token_for_team(self._engine, team) or token
        if not token:
            log.warning("no Slack token for team %s", team)
            return None, None
        if token not in self._clients:
            self._clients[token] = sync_client(self._settings, token)
        return self._clients[token], user

    def send_digest(self, digest: DigestView) -> dict:
        client, user = self._reach(digest.workspace_id, digest.sender_member_id)
        if client is None:
            return {}
        pages = []
        try:
            for page in digest_pages(digest):
                response = client.chat_postMessage(channel=user, **render.message(page))
                pages.append({"channel": response["channel"], "ts": response["ts"]})
        except SlackApiError as exc:
            log.warning("digest %s: chat.postMessage failed: %s", digest.digest_id, exc.response.get("error"))
        log.info("digest %s posted to Slack in %d page(s)", digest.digest_id, len(pages))
        return {"slack": pages} if pages else {}

    def send_alert(self, alert: Alert) -> None:
        client, user = self._reach(alert.workspace_id, alert.member_id)
        if client is None:
            return
        try:
            client.chat_postMessage(channel=user, **render.message(alert_card(alert)))
        except SlackApiError as exc:
            log.warning("alert %s: chat.postMessage failed: %s", alert.kind, exc.response.get("error"))
