"""The Slack notifier of the moderation core (`core.notify.Notifier`): digests and alerts
as direct messages to the member, through the same rendering as every other Slack message.

Synchronous: the worker calls it from its threads. A member without a Slack identity is not
reachable here (another notifier of the fan-out may reach them)."""

from __future__ import annotations

import logging
from typing import Any, Mapping

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import select

from bot.conversation.digest import alert_card, digest_pages
from bot.slack import render
from bot.slack.app import sync_client
from bot.slack.installations import bot_token_for_team, is_revoked, team_removed
from core.db import UnitOfWork
from core.i18n import speaking
from core.notify import Alert, DigestDelivery, DigestOutcome, DigestView
from core.workspace.models import ChatIdentity

log = logging.getLogger("invitebot.slack.notify")
# Why Slack cannot reach a member: codes, kept in a delivery's errors and in logs, never shown.
NO_IDENTITY = "no_slack_identity"
REMOVED = "slack_app_removed"  # the app was uninstalled from the member's Slack team
NO_TOKEN = "no_bot_token"  # no bot token for the member's Slack team
UNREACHABLE = (NO_IDENTITY, REMOVED)  # Slack does not know the member (another platform may)


class SlackNotifier:
    def __init__(self, settings, uow: UnitOfWork) -> None:
        self._settings = settings
        self._uow = uow
        self._clients: dict[str, object] = {}

    def _reach(self, workspace_id: int, member_id: int):
        """(client, Slack user id, None) of a member; (None, None, why) when Slack cannot reach them:
        `NO_IDENTITY` when they have no Slack identity, else the problem (no token for their team)."""
        # Read-only: never waits for (nor blocks) a writer of the caller.
        with self._uow(read_only=True) as session:
            identity = session.exec(select(ChatIdentity).where(
                ChatIdentity.workspace_id == workspace_id, ChatIdentity.member_id == member_id,
                ChatIdentity.platform == "slack")).first()
            if identity is None:
                return None, None, NO_IDENTITY
            team, user = identity.tenant, identity.external_user_id
        token = self._settings.slack_bot_token.get_secret_value() if self._settings.slack_bot_token else None
        if self._settings.slack_client_id:
            token = bot_token_for_team(self._uow, team) or token
        if not token and team_removed(self._uow, team):
            return None, None, REMOVED
        if not token:
            log.warning("no Slack token for team %s", team)
            return None, None, NO_TOKEN
        if is_revoked(self._uow, token):  # Slack said the app left that team: never called with it again
            return None, None, REMOVED
        if token not in self._clients:
            self._clients[token] = sync_client(self._settings, token)
        return self._clients[token], user, None

    def send_digest(self, digest: DigestView, posted: Mapping[str, Any] | None = None) -> DigestDelivery:
        """Every page as a DM to the sender; pages an earlier attempt posted (`posted["slack"]`) are
        not posted again. Delivered once every page is in; failed at the first page Slack refuses
        (an error answer, a 5xx, no connection), keeping the references of those already posted."""
        client, user, problem = self._reach(digest.workspace_id, digest.sender_member_id)
        if problem in UNREACHABLE:
            return DigestDelivery(DigestOutcome.UNREACHABLE)
        if client is None:
            return DigestDelivery(DigestOutcome.FAILED, errors={"slack": problem})
        pages = list((posted or {}).get("slack") or [])
        try:
            with speaking(digest.language):  # the language its texts were written in: the sender's
                messages = [render.message(page) for page in digest_pages(digest)[len(pages):]]
            for message in messages:
                response = client.chat_postMessage(channel=user, **message)
                pages.append({"channel": response["channel"], "ts": response["ts"]})
        except SlackApiError as exc:
            reason = f"{exc.response.get('error') or 'error'} (HTTP {exc.response.status_code})"
            log.warning("digest %s: chat.postMessage failed: %s", digest.digest_id, reason)
            return DigestDelivery(DigestOutcome.FAILED, {"slack": pages} if pages else {}, {"slack": reason})
        except (SlackClientError, OSError) as exc:  # no answer at all (connection refused, timeout)
            log.warning("digest %s: Slack unreachable: %s", digest.digest_id, type(exc).__name__)
            return DigestDelivery(DigestOutcome.FAILED, {"slack": pages} if pages else {},
                                  {"slack": type(exc).__name__})
        log.info("digest %s posted to Slack in %d page(s)", digest.digest_id, len(pages))
        return DigestDelivery(DigestOutcome.DELIVERED, {"slack": pages})

    def send_alert(self, alert: Alert) -> None:
        client, user, _ = self._reach(alert.workspace_id, alert.member_id)
        if client is None:
            return
        try:
            with speaking(alert.language):
                message = render.message(alert_card(alert))
            client.chat_postMessage(channel=user, **message)
        except SlackApiError as exc:
            log.warning("alert %s: chat.postMessage failed: %s", alert.kind, exc.response.get("error"))
