"""Type-ahead of the modal's external selects. The sources offered are those of the sender
currently chosen in the modal (read from the view state of the options request)."""

from __future__ import annotations

import re

from bot.conversation.actor import ProfileUnavailable
from bot.conversation.form import LOOKUP_BY_FIELD
from bot.conversation.options import suggest
from bot.conversation.views import OptionGroup as NeutralGroup
from bot.slack import modals
from bot.slack.app import SERVICES
from bot.slack.render import OPTIONS, option, option_group
from bot.slack.surface import member_id


def to_slack(choices) -> dict:
    """The type-ahead's answer: options, or option groups (the sources: finders and segments)."""
    if choices and isinstance(choices[0], NeutralGroup):
        return {"option_groups": [option_group(g) for g in choices[:OPTIONS]]}
    return {"options": [option(o) for o in choices[:OPTIONS]]}


async def on_options(ack, body, client, context) -> None:
    services = context[SERVICES]
    field = body.get("block_id") or modals.field_of(body.get("action_id") or "")
    lookup = LOOKUP_BY_FIELD.get(field)
    if lookup is None:
        await ack(options=[])
        return
    try:
        actor = await member_id(services, client, body)
    except ProfileUnavailable:  # a type-ahead has no room for a notice: nothing to offer yet
        await ack(options=[])
        return
    values = modals.read_values(body.get("view"))
    choices = await suggest(services, actor, lookup, body.get("value") or "", values)
    await ack(**to_slack(choices))


def register(app) -> None:
    app.options(re.compile(r".+"))(on_options)
