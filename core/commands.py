"""What a user can ask of the product, as commands, and the one handler of each (the message bus of
cosmicpython, without events). A chat surface turns a click or a form into a command; `handle`
finds its handler, which authorises the acting member, validates and applies it, and returns an
outcome that the surface renders. Nothing the client sent is taken as proof of anything: a
command only names things, its handler checks them.

Handlers run inside the caller's unit of work (`core.db.UnitOfWork`); a refusal is `NotFound` /
`NotAllowed` (nothing written), a problem the user can fix is an `Outcome` with field errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from core.config import Settings
from core.workspace.models import Member


@dataclass(frozen=True)
class Context:
    """What every handler may need besides the session and the actor."""

    now: datetime
    settings: Settings

    @property
    def public_url(self) -> str:
        return self.settings.public_url


Handler = Callable[[Session, Member, Any, Context], Any]


def _handlers() -> dict[type, Handler]:
    from core.analytics import commands as analytics
    from core.campaigns import commands as campaigns
    from core.moderation import commands as moderation
    from core.sources import commands as sources
    from core.sources import segment_commands as segments
    from core.workspace import language

    return {**campaigns.HANDLERS, **moderation.HANDLERS, **analytics.HANDLERS, **language.HANDLERS, **sources.HANDLERS,
            **segments.HANDLERS}


def handle(command: Any, *, session: Session, actor: Member, context: Context) -> Any:
    """Run `command` for `actor`: its handler's outcome (see each command's docstring)."""
    handler = _handlers().get(type(command))
    if handler is None:
        raise TypeError(f"no handler for {type(command).__name__}")
    return handler(session, actor, command, context)
