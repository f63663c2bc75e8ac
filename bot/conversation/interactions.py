"""Buttons, form changes and dialog submissions: what the user did (`Asked`, `Submitted`) in, a
`Reply` out. Each action id of the neutral views (`views.Button.action`) and each dialog kind has
one handler in a registry; a handler reads what the click names, asks the core one command
(`core.commands.handle`: it authorises, validates and applies) and renders the outcome. The
state a dialog or card carries back is the client's input: it names things, it proves nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.conversation.views import DialogRoom, Reply
from core.i18n import N_, invocation, t
from core.services import Services
from core.workspace.models import Member

UNSUPPORTED = N_("error.unsupported_button")


@dataclass(frozen=True)
class Asked:
    """A button pressed or a form change dispatched: its action id and value; inside a dialog,
    the state kept with it and what is typed in it now; the surface's dialog room."""

    action: str
    value: str = ""
    room: DialogRoom = DialogRoom()
    form_state: dict[str, Any] | None = None
    form_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    """A dialog submitted: its kind, the state kept with it, the values typed, the surface's room."""

    kind: str
    state: Any
    values: dict[str, Any]
    room: DialogRoom = DialogRoom()


ActionHandler = Callable[[Services, Session, Member, Asked], Reply]
SubmissionHandler = Callable[[Services, Session, Member, Submitted], Reply]


@dataclass(frozen=True)
class Action:
    handle: ActionHandler
    read_only: bool = False  # run in a read-only unit of work (it never waits for writers nor blocks them)


ACTIONS: dict[str, Action] = {}
SUBMISSIONS: dict[str, SubmissionHandler] = {}


def action(*ids: str, read_only: bool = False) -> Callable[[ActionHandler], ActionHandler]:
    """Register a handler of the action ids `ids`."""
    def register(handler: ActionHandler) -> ActionHandler:
        for ident in ids:
            ACTIONS[ident] = Action(handler, read_only)
        return handler
    return register


def submission(kind: str) -> Callable[[SubmissionHandler], SubmissionHandler]:
    def register(handler: SubmissionHandler) -> SubmissionHandler:
        SUBMISSIONS[kind] = handler
        return handler
    return register


def _registered() -> None:
    """The handlers register themselves when their modules are imported."""
    from bot.conversation import campaign_actions, digest_actions, finders, form_actions  # noqa: F401


def reads_only(action_id: str) -> bool:
    _registered()
    found = ACTIONS.get(action_id)
    return found is not None and found.read_only


def handle_action(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    """A button press or a dispatched form change: its handler's reply, or a notice for an action
    id nobody handles (a button of an older version, or a forged one)."""
    _registered()
    found = ACTIONS.get(asked.action)
    if found is None:
        return Reply.say(t(UNSUPPORTED, command=invocation("help")), tone="warning")
    return found.handle(services, session, actor, asked)


def handle_submission(services: Services, session: Session, actor: Member, submitted: Submitted) -> Reply:
    """A dialog submitted. On error nothing is saved and the dialog shows the errors."""
    _registered()
    handler = SUBMISSIONS.get(submitted.kind) or SUBMISSIONS["campaign"]
    return handler(services, session, actor, submitted)
