"""What every listener shares: who is asking (Slack user → member) and doing a `Reply` in Slack."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.views import View

from bot import background
from bot.conversation import views as v
from bot.conversation.actor import ChatUser, Profile, ProfileUnavailable, identify
from bot.shapes import check
from bot.slack import modals, render
from bot.slack.payloads import UserInfo

log = logging.getLogger("invitebot.slack")


def after_ack(work) -> asyncio.Task:
    """Run `work` (a coroutine) after the ack went out (`bot.background`)."""
    return background.after_ack(work, what="Slack work after the ack")


drain = background.drain


def chat_user(body: dict[str, Any]) -> ChatUser:
    """The asking user of any Slack payload (command, interaction, options, event)."""
    user = body.get("user") or {}
    user_id = body.get("user_id") or (user.get("id") if isinstance(user, dict) else user) or \
        (body.get("event") or {}).get("user")
    team = body.get("team") or {}
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else team) or \
        (user.get("team_id") if isinstance(user, dict) else None)
    if not user_id or not team_id:
        raise ValueError("payload names no user or team")
    name = user.get("name") if isinstance(user, dict) else body.get("user_name")
    return ChatUser("slack", team_id, user_id, name=name or body.get("user_name"),
                    workspace_name=(team.get("domain") if isinstance(team, dict) else None) or body.get("team_domain"))


async def member_id(services, client, body: dict[str, Any]) -> int:
    """The member behind the payload's user; `users.info` is asked only for users never seen.
    Raises `ProfileUnavailable` when Slack does not give a new user's profile (nothing created)."""
    who = chat_user(body)

    async def lookup(user: ChatUser) -> Profile:
        try:
            info = check(UserInfo, (await client.users_info(user=user.user_id, include_locale=True)).get("user"))
        except Exception as exc:  # noqa: BLE001 - any failure means the profile was not read, see below
            # slack_sdk raises SlackApiError for an error answer (its `response` an aiohttp response
            # when the body was not JSON), AttributeError for a text/plain one (a proxy's 503),
            # aiohttp's errors and TimeoutError when Slack does not answer; `check` an unreadable user.
            log.warning("slack: users.info failed: %s", _why(exc))
            raise ProfileUnavailable("slack") from None
        return Profile(name=info.profile.real_name or info.real_name or info.name, email=info.profile.email,
                       workspace_name=user.workspace_name, locale=info.locale)

    return await identify(services, who, lookup)


def _why(exc: Exception) -> str:
    """Slack's error code when it gave one (`user_not_found`), else the kind of failure."""
    data = getattr(getattr(exc, "response", None), "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return f"{type(exc).__name__} {error}" if isinstance(error, str) and error.isascii() and len(error) < 60 \
        else type(exc).__name__


async def asker(services, client, body: dict[str, Any], where: "Where | None") -> int | None:
    """`member_id`, or None when Slack did not give a new user's profile: they are told in the
    conversation (`where`) to try again in a moment."""
    try:
        return await member_id(services, client, body)
    except ProfileUnavailable as exc:
        if where is not None:
            await post(client, where, v.Notice(exc.notice, tone="warning"))
        return None


@dataclass
class Where:
    """Where an interaction came from, to answer in the right place."""

    user_id: str
    trigger_id: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    ephemeral: bool = False
    view: dict[str, Any] | None = None  # the open modal, for actions inside it
    response_url: str | None = None  # where Slack takes answers to this interaction, when it gave one
    origin: dict[str, Any] = field(default_factory=dict)  # stored with a dialog (the message it edits)

    @classmethod
    def of(cls, body: dict[str, Any]) -> "Where":
        container = body.get("container") or {}
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or container.get("channel_id")
        message = body.get("message") or {}
        view = body.get("view") if container.get("type") == "view" or body.get("type") == "view_submission" else None
        where = cls(user_id=chat_user(body).user_id, trigger_id=body.get("trigger_id"), channel_id=channel,
                    message_ts=container.get("message_ts") or message.get("ts"),
                    ephemeral=bool(container.get("is_ephemeral")), view=view,
                    response_url=body.get("response_url"))
        if view is None and where.message_ts:
            where.origin = {"c": channel, "ts": where.message_ts, "e": where.ephemeral,
                            "r": body.get("response_url")}
        return where


async def respond(client, url: str, **payload) -> None:
    """Answer through a `response_url`, on the Web API client's shared HTTP session."""
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    answer = await AsyncWebhookClient(url, session=client.session, logger=client.logger).send(**payload)
    if answer.status_code != 200:
        log.warning("response_url answered %s", answer.status_code)


async def post(client, where: Where, view, *, ephemeral: bool = True) -> None:
    """A new message: in the conversation of the command when possible, else in the user's DM."""
    payload = render.message(view)
    public = getattr(view, "public", False)
    if where.response_url:
        await respond(client, where.response_url, response_type="in_channel" if public else "ephemeral",
                      replace_original=False, **payload)
    elif where.channel_id and ephemeral and not public and not where.channel_id.startswith("D"):
        await client.chat_postEphemeral(channel=where.channel_id, user=where.user_id, **payload)
    else:
        await client.chat_postMessage(channel=where.user_id, **payload)


async def replace(client, where: Where, view, origin: dict[str, Any] | None = None) -> None:
    """Update the message an action came from (or the one a dialog was opened from)."""
    origin = origin or where.origin
    payload = render.message(view)
    if origin.get("e") and (origin.get("r") or where.response_url):
        await respond(client, origin.get("r") or where.response_url, replace_original=True, **payload)
        return
    if origin.get("c") and origin.get("ts"):
        await client.chat_update(channel=origin["c"], ts=origin["ts"], **payload)
    else:
        await client.chat_postMessage(channel=where.user_id, **payload)


async def deliver(client, where: Where, reply: v.Reply, *, dialog_done: bool = False) -> None:
    """Do what a Reply asks, in Slack. `dialog_done`: the dialog part was already answered in the ack."""
    if reply.dialog is not None and not dialog_done:
        if where.view is not None and reply.step is v.DialogStep.PUSH:
            await client.views_push(trigger_id=where.trigger_id, view=modals.modal_dict(reply.dialog, where.origin))
        elif where.view is not None:
            _, _, origin = modals.read_metadata(where.view.get("private_metadata"))
            await client.views_update(view_id=where.view["id"], hash=where.view.get("hash"),
                                      view=modals.modal_dict(reply.dialog, origin))
        else:
            await client.views_open(trigger_id=where.trigger_id, view=modals.modal_dict(reply.dialog, where.origin))
    if reply.replace is not None:
        origin = where.origin
        if where.view is not None:
            origin = modals.read_metadata(where.view.get("private_metadata"))[2]
        await replace(client, where, reply.replace, origin)
    for view in reply.messages:
        await post(client, where, view)
    if reply.notice is not None:
        await post(client, where, reply.notice)
    for view in reply.direct:
        await client.chat_postMessage(channel=where.user_id, **render.message(view))


def home_view(home: v.Home) -> dict:
    view = View(type="home", blocks=render.home_blocks(home))
    view.validate_json()
    return view.to_dict()
