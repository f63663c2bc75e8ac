"""The Teams activity handler: who is asking, what they asked, and the conversation layer's
answer rendered as cards. No product rule here: every decision is `bot.conversation`'s."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import BotAdapter, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.conversation import handlers, interactions
from bot.conversation.actor import ChatUser, Profile, ProfileUnavailable, identify
from bot.conversation.commands import parse_command
from bot.conversation.digest import REFRESH as DIGEST_REFRESH
from bot.conversation.options import CREATE_FROM_TYPED, LIMIT, options_for
from bot.conversation.runner import run
from bot.conversation.interactions import Asked, Submitted
from bot.conversation.views import EXTERNAL_SELECT, Form, Notice, Reply
from bot.teams import references, replies
from bot.teams.cards.form import CHANGED_ACTION, PAGE_ACTION, ROOM, SUBMIT_ACTION, form_of, values_from_payload
from bot.teams.cards.elements import EXECUTE, SUBMIT
from bot.teams.search import SEARCH_INVOKE, search_body, search_response
from core.i18n import invocation, t

log = logging.getLogger("invitebot.teams")
EMULATOR = "emulator"  # the Bot Framework Emulator's channel: it keeps no directory to look people up in


class InviteBot(TeamsActivityHandler):
    def __init__(self, services) -> None:
        self.services = services
        self._saved_refs: set[tuple[str, str, str]] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
        except ProfileUnavailable as exc:
            await _try_again(turn_context, exc.notice)

    # -- who is asking ---------------------------------------------------------------------------

    async def _member_id(self, turn_context: TurnContext) -> int:
        activity = turn_context.activity
        tenant = references.tenant_of(activity) or "emulator"
        user = references.user_key(activity)
        if not user:
            raise ValueError("an activity without a sender")
        who = ChatUser("teams", tenant, user, name=activity.from_property.name, locale=activity.locale)

        async def lookup(_who: ChatUser) -> Profile:
            if activity.channel_id == EMULATOR:  # what the activity says is all there is to know
                return Profile(name=activity.from_property.name)
            try:
                account = await TeamsInfo.get_member(turn_context, activity.from_property.id)
            except Exception as exc:  # noqa: BLE001 - any failure means the profile was not read
                # The connector's error answers (ErrorResponseException), a body it cannot read
                # (msrest's DeserializationError), no answer (aiohttp's errors, TimeoutError).
                log.warning("teams: member lookup failed: %s", type(exc).__name__)
                raise ProfileUnavailable("teams") from None
            return Profile(name=account.name or activity.from_property.name,
                           email=account.email or account.user_principal_name)

        member_id = await identify(self.services, who, lookup)
        await self._remember(activity, tenant, user)
        return member_id

    async def _remember(self, activity: Activity, tenant: str, user: str) -> None:
        """Keep the personal chat's reference, for digests and alerts (once per process and chat)."""
        if not references.is_personal(activity):
            return
        key = (tenant, user, activity.conversation.id)
        if key in self._saved_refs:
            return
        saved = await asyncio.to_thread(references.save_reference, self.services.uow, tenant=tenant, user=user,
                                        reference=references.reference_of(activity))
        if saved:
            self._saved_refs.add(key)

    # -- messages and installation -----------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value and not activity.text:
            return  # an Action.Submit outside a dialog: we only use Action.Execute in messages
        member_id = await self._member_id(turn_context)
        text = TurnContext.remove_recipient_mention(activity) if activity.entities else activity.text
        command = parse_command(text)
        reply = await run(self.services, member_id, handlers.handle_command, command, ROOM)
        await self._send(turn_context, reply, launch={"text": text or ""})

    async def on_teams_members_added_dispatch(self, members_added: list[ChannelAccount], team_info, turn_context):
        """Only whether the bot itself was added matters (`on_teams_members_added`): botbuilder's own
        dispatch first looks every other added member up on the connector, for nothing."""
        await self.on_teams_members_added(members_added, team_info, turn_context)

    async def on_teams_members_added(self, members_added: list[ChannelAccount], team_info, turn_context):
        """Installed (personal chat or team): keep the installer's reference and say hello."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if not any(m.id == bot_id for m in members_added):
            return
        member_id = await self._member_id(turn_context)
        if references.is_personal(turn_context.activity):
            home = await run(self.services, member_id, handlers.home, fallback=Notice(t("teams.welcome", command=invocation("help"))))
            await turn_context.send_activity(replies.card_activity(replies.view_card(home)))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._member_id(turn_context)

    # -- invokes -------------------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == SEARCH_INVOKE:
            member_id = await self._member_id(turn_context)
            return _answered(turn_context, await search_response(self.services, member_id, turn_context.activity.value))
        if turn_context.activity.name == "adaptiveCard/action":
            # Handled here rather than in `on_adaptive_card_invoke`: our answers are plain dicts
            # (a card, or a message), which botbuilder's msrest models would serialise again.
            return _answered(turn_context, await self._universal_action(turn_context))
        return await super().on_invoke_activity(turn_context)

    async def _universal_action(self, turn_context: TurnContext) -> dict:
        """Universal Actions (`Action.Execute`): the answer replaces the card in place."""
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        if action.get("type") != "Action.Execute":
            return {"statusCode": 400, "type": "application/vnd.microsoft.error",
                    "value": {"code": "BadRequest", "message": "expected an Action.Execute"}}
        member_id = await self._member_id(turn_context)
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        verb = str(action.get("verb") or data.get("action") or "")
        value = str(data.get("value") or "")
        user_ids = [turn_context.activity.from_property.id]
        if verb == DIGEST_REFRESH:
            page = await run(self.services, member_id, interactions.handle_action, Asked(verb, value, ROOM), read_only=True)
            if page.replace is None:
                return replies.universal_message((page.notice or Notice(t("digest.gone"))).text)
            return replies.universal_card(replies.view_card(page.replace, user_ids=user_ids))
        form = form_of(data)
        reply = await self._interact(member_id, verb, value, data, form)
        if reply.dialog is not None or reply.errors is not None:
            card = await self._form_card(member_id, reply, form, data, mode=EXECUTE, page=_page(verb, value))
            await self._post_rest(turn_context, reply, user_ids)
            return replies.universal_card(card)
        first = reply.replace or (reply.messages[0] if reply.messages else None)
        if first is not None:
            rest = Reply(messages=[m for m in reply.messages if m is not first], notice=reply.notice,
                         direct=reply.direct)
            await self._post_rest(turn_context, rest, user_ids)
            return replies.universal_card(replies.view_card(first, user_ids=user_ids))
        notice = reply.notice or Notice(t("teams.done"))
        if verb.startswith("digest."):
            page = await run(self.services, member_id, interactions.handle_action, Asked(DIGEST_REFRESH, _page_of(value), ROOM),
                             read_only=True)
            if page.replace is not None:
                return replies.universal_card(replies.with_banner(replies.view_card(page.replace, user_ids=user_ids),
                                                                  notice))
        await self._post_rest(turn_context, Reply(direct=reply.direct), user_ids)
        return replies.universal_message(notice.text)

    async def on_teams_task_module_fetch(self, turn_context: TurnContext, task_module_request):
        member_id = await self._member_id(turn_context)
        data = task_module_request.data if isinstance(task_module_request.data, dict) else {}
        launch = data.get("launch") if isinstance(data.get("launch"), dict) else {}
        if "text" in launch:
            reply = await run(self.services, member_id, handlers.handle_command, parse_command(str(launch["text"])), ROOM)
        else:
            action = str(launch.get("action") or "")
            reply = await run(self.services, member_id, interactions.handle_action,
                              Asked(action, str(launch.get("value") or ""), ROOM),
                              read_only=interactions.reads_only(action))
        if reply.dialog is None:
            return replies.task_message((reply.notice or Notice(t("teams.nothing_to_open"))).text)
        card = await self._form_card(member_id, reply, None, {}, mode=SUBMIT)
        return replies.task_card(reply.dialog.title, card)

    async def on_teams_task_module_submit(self, turn_context: TurnContext, task_module_request):
        member_id = await self._member_id(turn_context)
        data = task_module_request.data if isinstance(task_module_request.data, dict) else {}
        form = form_of(data)
        verb, value = str(data.get("action") or SUBMIT_ACTION), str(data.get("value") or "")
        reply = await self._interact(member_id, verb, value, data, form)
        user_ids = [turn_context.activity.from_property.id]
        if reply.dialog is not None or reply.errors is not None:
            card = await self._form_card(member_id, reply, form, data, mode=SUBMIT, page=_page(verb, value))
            await self._post_rest(turn_context, Reply(notice=reply.notice), user_ids)
            title = reply.dialog.title if reply.dialog else t("help.title")
            return replies.task_card(title, card)
        await self._post_rest(turn_context, reply, user_ids)
        return None  # closes the dialog

    # -- shared ----------------------------------------------------------------------------------------

    async def _interact(self, member_id: int, verb: str, value: str, data: dict, form: dict | None) -> Reply:
        if form is not None and (verb == SUBMIT_ACTION or verb.startswith("form.")):
            state = form.get("state") if isinstance(form.get("state"), dict) else {}
            values = values_from_payload(data)
            if verb == PAGE_ACTION:  # another page of the same form: rebuilt from what was typed
                verb, value = CHANGED_ACTION, ""
            if verb == SUBMIT_ACTION:
                return await run(self.services, member_id, interactions.handle_submission,
                                 Submitted(str(form.get("kind") or ""), state, values, ROOM))
            return await run(self.services, member_id, interactions.handle_action, Asked(verb, value, ROOM, state, values))
        input_id = data.get("input")
        if isinstance(input_id, str) and isinstance(data.get(input_id), str):
            value = f"{value}:{data[input_id]}"  # a select's choice travels with its button
        return await run(self.services, member_id, interactions.handle_action, Asked(verb, value, ROOM),
                         read_only=interactions.reads_only(verb))

    async def _form_card(self, member_id: int, reply: Reply, form: dict | None, data: dict, *, mode: str,
                         page: int = 0) -> dict:
        dialog = reply.dialog  # a refused submission comes back rebuilt from what was typed
        if dialog is None:
            return replies.render(replies.errors_notice(reply.errors)) if reply.errors else replies.render(
                reply.notice or Notice(t("teams.nothing_to_show")))
        static = await run(self.services, member_id, _static_choices, dialog, fallback={}, read_only=True)
        return replies.dialog_card(dialog, reply.errors, mode=mode, static_choices=static, page=page)

    async def _send(self, turn_context: TurnContext, reply: Reply, *, launch: dict | None = None) -> None:
        user_ids = [turn_context.activity.from_property.id]
        activities = replies.message_activities(reply, launch=launch, user_ids=user_ids)
        activities += [replies.card_activity(replies.view_card(v, user_ids=user_ids)) for v in reply.direct]
        for activity in activities:
            await turn_context.send_activity(activity)

    async def _post_rest(self, turn_context: TurnContext, reply: Reply, user_ids: list[str]) -> None:
        activities = replies.message_activities(Reply(messages=reply.messages, notice=reply.notice), user_ids=user_ids)
        activities += [replies.card_activity(replies.view_card(v, user_ids=user_ids)) for v in reply.direct]
        for activity in activities:
            await turn_context.send_activity(activity)


def _page(verb: str, value: str) -> int:
    return int(value) if verb == PAGE_ACTION and value.isdigit() else 0


def _page_of(value: str) -> str:
    """`digest_id:page` of a digest button's value (which may name an invitation after them)."""
    return ":".join(value.split(":", 2)[:2])


def _static_choices(services, session, actor, form: Form) -> dict[str, list[Any]]:
    """Type-ahead fields whose whole list is small get it embedded (filtered as the user types)."""
    values = {f.id: f.value for f in form.fields}
    static: dict[str, list[Any]] = {}
    for f in form.fields:
        if f.kind != EXTERNAL_SELECT or not f.lookup or f.lookup in CREATE_FROM_TYPED:
            continue
        choices = options_for(services, session, actor, f.lookup, "", values)
        count = sum(len(c.options) if hasattr(c, "options") else 1 for c in choices)
        if count < LIMIT:
            static[f.id] = choices
    return static


async def _try_again(turn_context: TurnContext, notice: str) -> None:
    """A new user whose profile Teams did not give: nothing was done, and they are told so in the
    answer the activity expects (an invoke's reply, else a message)."""
    activity = turn_context.activity
    if activity.type != ActivityTypes.invoke:
        await turn_context.send_activity(notice)
    elif activity.name == SEARCH_INVOKE:
        _answered(turn_context, search_body([]))  # a type-ahead has no room for a notice: nothing to offer yet
    elif activity.name == "adaptiveCard/action":
        _answered(turn_context, replies.universal_message(notice))
    else:  # a dialog opened or submitted
        _answered(turn_context, replies.task_message(notice))


def _answered(turn_context: TurnContext, body) -> InvokeResponse:
    """The invoke's answer, kept where the adapter reads it. Returned alone, `ActivityHandler`
    would send it through `send_activity`, which deep-copies the card and reads it back through
    msrest: a third of a card action's time, for an answer that never leaves this process."""
    response = InvokeResponse(status=200, body=body)
    turn_context.turn_state[BotAdapter._INVOKE_RESPONSE_KEY] = Activity(  # noqa: SLF001 - the key ActivityHandler checks
        type=ActivityTypes.invoke_response, value=response)
    return response
