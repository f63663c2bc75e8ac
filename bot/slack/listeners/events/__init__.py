"""Events: the App Home tab shows the member's campaigns; a direct message is read as a command;
the app uninstalled or its bot token revoked stops everything for that team."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command, home
from bot.conversation.runner import run
from bot.slack.app import SERVICES, oauth_mode
from bot.slack.installations import removed
from bot.slack.surface import Where, after_ack, asker, deliver, home_view

log = logging.getLogger("invitebot.slack")


async def on_home_opened(event, body, client, context) -> None:
    if event.get("tab") in (None, "home") and isinstance(event.get("user"), str):
        after_ack(publish_home(context[SERVICES], event, body, client))


async def publish_home(services, event, body, client) -> None:
    actor = await asker(services, client, body, None)  # the tab itself is no place for a notice
    if actor is None:
        return
    view = await run(services, actor, home)
    if hasattr(view, "campaigns"):
        await client.views_publish(user_id=event["user"], view=home_view(view))


async def on_direct_message(event, body, client, context) -> None:
    if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype") and \
            isinstance(event.get("user"), str):
        after_ack(answer_message(context[SERVICES], event, body, client))


async def answer_message(services, event, body, client) -> None:
    where = Where(user_id=event["user"])
    actor = await asker(services, client, body, where)
    if actor is None:
        return
    reply = await run(services, actor, handle_command, parse_command(event.get("text")))
    reply.dialog = None  # a message has no trigger to open a dialog with: offer the command instead
    await deliver(client, where, reply)


async def on_app_removed(event, body, context) -> None:
    """`app_uninstalled`, or `tokens_revoked` naming the bot's token (a user token alone: we keep
    none): the team's installation and token are forgotten and its campaigns paused."""
    if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
        return
    team_id = body.get("team_id") or context.team_id
    if not isinstance(team_id, str) or not team_id:
        return
    services = context[SERVICES]
    settings = services.settings
    single = settings.slack_bot_token.get_secret_value() \
        if settings.slack_bot_token is not None and not oauth_mode(settings) else None
    paused = await asyncio.to_thread(removed, services.uow, team_id, single, datetime.now(timezone.utc))
    log.warning("slack: %s for team %s: its token is no longer used, %d campaign(s) paused", event.get("type"),
                team_id, paused)


def register(app) -> None:
    app.event("app_home_opened")(on_home_opened)
    app.event("message")(on_direct_message)
    app.event("app_uninstalled")(on_app_removed)
    app.event("tokens_revoked")(on_app_removed)
