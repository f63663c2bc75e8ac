"""`/invite-campaign …`: acked at once (Slack wants it within 3 s); the answer follows."""

from __future__ import annotations

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.runner import run
from bot.slack import modals
from bot.slack.app import SERVICES
from bot.slack.surface import Where, after_ack, asker, deliver

COMMAND = "/invite-campaign"


async def on_command(ack, body, client, context) -> None:
    await ack()
    after_ack(answer(context[SERVICES], body, client))


async def answer(services, body, client) -> None:
    where = Where.of(body)
    actor = await asker(services, client, body, where)
    if actor is None:
        return
    reply = await run(services, actor, handle_command, parse_command(body.get("text")), modals.ROOM)
    await deliver(client, where, reply)


def register(app) -> None:
    app.command(COMMAND)(on_command)
