"""Modal submissions: the core validates before the ack, so field errors go back as
`response_action: errors` on the right blocks and nothing is saved; the rest follows the ack."""

from __future__ import annotations

import re

from bot.conversation.actor import ProfileUnavailable
from bot.conversation.interactions import Submitted, handle_submission
from bot.conversation.views import DialogStep
from bot.conversation.runner import run
from bot.slack import modals
from bot.slack.app import SERVICES
from bot.slack.render import clip
from bot.slack.surface import Where, after_ack, deliver, member_id


async def on_submission(ack, body, client, context) -> None:
    services = context[SERVICES]
    view = body.get("view") or {}
    kind, state, _ = modals.read_metadata(view.get("private_metadata"))
    try:
        actor = await member_id(services, client, body)
    except ProfileUnavailable as exc:  # nothing saved: the dialog stays open, saying so
        await ack(response_action="errors", errors=_on_inputs(view, {}, exc.notice))
        return
    reply = await run(services, actor, handle_submission, Submitted(kind, state, modals.read_values(view), modals.ROOM))
    if reply.errors is not None:
        summary = " ".join(reply.errors.errors.values()) or reply.errors.summary or "Invalid."
        await ack(response_action="errors", errors=_on_inputs(view, reply.errors.errors, summary))
        return
    if reply.dialog is not None and reply.step is DialogStep.POP:
        await ack()  # closes the pushed view: back to the modal under it, updated after the ack
        after_ack(back_to_parent(client, body, reply))
        return
    if reply.dialog is not None:
        await ack(response_action="update", view=modals.modal_dict(reply.dialog))
    else:
        await ack()
    after_ack(deliver(client, Where.of(body), reply, dialog_done=True))


def _on_inputs(view: dict, errors: dict[str, str], summary: str) -> dict[str, str]:
    """The errors on the modal's inputs they name; when none names one, `summary` on the first
    input rather than lost."""
    block_ids = {b.get("block_id") for b in view.get("blocks") or []}
    placed = {k: clip(m, 2000) for k, m in errors.items() if k in block_ids}
    if not placed:
        first = next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)
        placed = {first: clip(summary, 2000)}
    return placed


async def back_to_parent(client, body, reply) -> None:
    """The modal under the closed view drawn again with `reply.dialog` (what it held and the pushed view's texts)."""
    parent, origin = modals.parent_of(body.get("view") or {})
    if parent is None:
        raise ValueError("a pushed view names no modal under it")
    await client.views_update(view_id=parent, view=modals.modal_dict(reply.dialog, origin))
    await deliver(client, Where.of(body), reply, dialog_done=True)


def register(app) -> None:
    app.view(re.compile("^" + re.escape(modals.CALLBACK_PREFIX)))(on_submission)
