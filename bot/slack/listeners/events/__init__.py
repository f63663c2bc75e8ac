"""Events: the App Home tab shows the member's campaigns; a direct message is read as a command."""

from __future__ import annotations

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command, home
from bot.conversation.runner import run
from bot.slack.app import SERVICES
from bot.slack.surface import Where, after_ack, asker, deliver, home_view


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


def register(app) -> None:
    app.event("app_home_opened")(on_home_opened)
    app.event("message")(on_direct_message)
