"""Type-ahead of the modal's external selects. The sources offered are those of the sender
currently chosen in the modal (read from the view state of the options request)."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import Option, OptionGroup

from bot.conversation.form import LOOKUP_BY_FIELD
from bot.conversation.options import options_for
from bot.conversation.runner import run
from bot.conversation.views import OptionGroup as NeutralGroup
from bot.slack import modals
from bot.slack.app import CTX
from bot.slack.render import clip
from bot.slack.surface import member_id


def _option(o) -> dict:
    return Option(value=clip(o.value, 150), text=clip(o.label, 75),
                  description=clip(o.description, 75) if o.description else None).to_dict()


def to_slack(choices) -> dict:
    if choices and isinstance(choices[0], NeutralGroup):
        return {"option_groups": [OptionGroup(label=clip(g.label, 75), options=[Option(
            value=clip(o.value, 150), text=clip(o.label, 75)) for o in g.options][:100]).to_dict() for g in choices]}
    return {"options": [_option(o) for o in choices][:100]}


async def on_options(ack, body, client, context) -> None:
    ctx = context[CTX]
    field = body.get("block_id") or modals.field_of(body.get("action_id") or "")
    lookup = LOOKUP_BY_FIELD.get(field)
    if lookup is None:
        await ack(options=[])
        return
    actor = await member_id(ctx, client, body)
    values = modals.read_values(body.get("view"))
    choices = await run(ctx, actor, options_for, lookup, body.get("value") or "", values, fallback=[])
    await ack(**to_slack(choices))


def register(app) -> None:
    app.options(re.compile(r".+"))(on_options)
