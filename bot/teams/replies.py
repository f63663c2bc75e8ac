"""A conversation-layer `Reply` as Teams output: card messages, Universal Action responses and
task module responses. Rendering only: what to show was decided by `bot.conversation`."""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity
from botbuilder.schema.teams import (
    TaskModuleContinueResponse, TaskModuleMessageResponse, TaskModuleResponse, TaskModuleTaskInfo,
)

from bot.conversation.views import DigestPage, Form, FormErrors, Notice, Reply
from bot.teams.cards import form_card, render
from bot.teams.cards.elements import CONTENT_TYPE, envelope, text, typed
from bot.teams.cards.form import SUBMIT
from bot.teams.cards.views import render_cards
from core.i18n import t

CARD_RESPONSE = CONTENT_TYPE
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"


def card_activity(card: dict) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


def view_card(view, *, user_ids: list[str] | None = None) -> dict:
    if isinstance(view, DigestPage):
        return render(view, refresh_user_ids=user_ids)
    return render(view)


def launcher_card(form: Form, launch: dict[str, Any]) -> dict:
    """A message cannot open a dialog: this card's button does (task/fetch), with what to redo."""
    data = {"msteams": {"type": "task/fetch"}, "launch": launch}
    return envelope([text(form.title, weight="Bolder", size="Medium")],
                    [{"type": "Action.Submit", "title": t("teams.open_form"), "data": data, "style": "positive"}])


def with_banner(card: dict, notice: Notice) -> dict:
    """The card as it is, the refusal or confirmation shown on top of it."""
    banner = text(notice.text, tone=notice.tone if notice.tone != "info" else None, weight="Bolder")
    return {**card, "body": [banner, *card["body"]]}


def message_activities(reply: Reply, *, launch: dict[str, Any] | None = None,
                       user_ids: list[str] | None = None) -> list[Activity]:
    """Everything of a reply that goes to the conversation as new messages, in the reply's order."""
    out: list[Activity] = []
    if reply.dialog is not None and launch is not None:
        out.append(card_activity(launcher_card(reply.dialog, launch)))
    if reply.errors is not None:
        out.append(card_activity(render(errors_notice(reply.errors))))
    for view in reply.messages:
        out += [card_activity(card) for card in render_cards(view, refresh_user_ids=user_ids)]
    if reply.replace is not None:
        out.append(card_activity(view_card(reply.replace, user_ids=user_ids)))
    if reply.notice is not None:
        out.append(card_activity(render(reply.notice)))
    return out


def errors_notice(errors: FormErrors) -> Notice:
    lines = [errors.summary] if errors.summary else []
    lines += list(errors.errors.values())
    return Notice("\n".join(lines), tone="error")


def universal_card(card: dict) -> dict:
    """An `adaptiveCard/action` answer that replaces the card in place."""
    return {"statusCode": 200, "type": CARD_RESPONSE, "value": card}


def universal_message(message: str) -> dict:
    """An `adaptiveCard/action` answer that leaves the card and tells the user something."""
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": typed(message)}


def task_card(title: str, card: dict) -> TaskModuleResponse:
    info = TaskModuleTaskInfo(title=title[:60], card=CardFactory.adaptive_card(card), width="large", height="large")
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))


def task_message(message: str) -> TaskModuleResponse:
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=typed(message)))


def dialog_card(form: Form, errors: FormErrors | None = None, *, mode: str = SUBMIT,
                static_choices: dict | None = None, page: int = 0) -> dict:
    return form_card(form, mode=mode, errors=errors, static_choices=static_choices, page=page)
