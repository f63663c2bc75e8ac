"""Buttons and selects: in messages (campaign cards, digest pages) and inside the campaign modal."""

from __future__ import annotations

import re

from bot.conversation.interactions import Asked, handle_action, reads_only
from bot.conversation.views import DialogStep
from bot.conversation.runner import run
from bot.slack import modals
from bot.slack.app import SERVICES
from bot.slack.surface import Where, after_ack, asker, deliver

LINK_ACTIONS = {"account.connect_link"}  # link buttons: Slack reports the click, nothing to do


def _action_of(action: dict) -> tuple[str, str]:
    """(neutral action id, value) of a Slack action; dispatched inputs become `form.changed`."""
    action_id = action.get("action_id") or ""
    if "@" in action_id:
        return "form.changed", modals.field_of(action_id)
    if action.get("type") == "static_select":
        return action_id, (action.get("selected_option") or {}).get("value") or ""
    return action_id, action.get("value") or ""


async def on_action(ack, body, client, context) -> None:
    await ack()
    after_ack(answer(context[SERVICES], body, client))


async def answer(services, body, client) -> None:
    action = (body.get("actions") or [{}])[0]
    action_id, value = _action_of(action)
    if action_id in LINK_ACTIONS:
        return
    where = Where.of(body)
    actor = await asker(services, client, body, where)
    if actor is None:
        return
    asked = Asked(action_id, value, modals.ROOM)
    if where.view is not None:
        _, state, _ = modals.read_metadata(where.view.get("private_metadata"))
        asked = Asked(action_id, value, modals.ROOM, state, modals.read_values(where.view))
    reply = await run(services, actor, handle_action, asked, read_only=reads_only(action_id))
    if where.view is not None and reply.step is DialogStep.PUSH:
        # The view pushed on top remembers the modal under it, to update it once done.
        where.origin = modals.pushed_origin(where.view)
    await deliver(client, where, reply)


def register(app) -> None:
    app.action(re.compile(r".+"))(on_action)
