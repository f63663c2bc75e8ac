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
from bot.slack.render import clip
from bot.slack.surface import member_id


def option_dict(o) -> dict:
    """An option as Slack takes it. Built by hand on this hot path (slack_sdk's models cost ~30 µs
    an option); `clip` applies the limits the models check, and a test compares both."""
    option = {"text": {"type": "plain_text", "text": clip(o.label, 75), "emoji": True}, "value": clip(o.value, 150)}
    if o.description:
        option["description"] = {"type": "plain_text", "text": clip(o.description, 75), "emoji": True}
    return option


def to_slack(choices) -> dict:
    if choices and isinstance(choices[0], NeutralGroup):
        return {"option_groups": [{"label": {"type": "plain_text", "text": clip(g.label, 75), "emoji": True},
                                   "options": [option_dict(o) for o in g.options][:100]} for g in choices][:100]}
    return {"options": [option_dict(o) for o in choices][:100]}


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
