"""Running a handler: one unit of work per user interaction, off the event loop.

The handler speaks the actor's language (`core.workspace.language`: chosen, else their chat's,
else their workspace's): every `t(…)` under it is in that language. Refusals of the core
(`NotAllowed`, `NotFound`) and unreadable input (`ValueError`) become a notice after the
transaction was rolled back; anything else is logged with its traceback and
the user is told that nothing was changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.conversation.views import Reply
from core.commands import Context, handle
from core.errors import NotAllowed, NotFound
from core.i18n import N_, current_language, speaking, t
from core.services import Services
from core.workspace.language import language_of_member
from core.workspace.models import Member

log = logging.getLogger("invitebot.conversation")
FAILED = N_("error.failed")


def ask(services: Services, session: Session, actor: Member, command: Any) -> Any:
    """One command to the core for `actor`, in the interaction's unit of work: its outcome."""
    return handle(command, session=session, actor=actor,
                  context=Context(now=services.clock.now(), settings=services.settings))


def run_sync(services: Services, member_id: int, handler: Callable[..., Any], *args: Any, fallback: Any = None,
             read_only: bool = False, **kwargs: Any) -> Any:
    """Call `handler(services, session, actor, *args, **kwargs)` in one transaction, in the actor's language."""
    spoken = current_language()
    try:
        with services.uow(read_only=read_only) as session:
            actor = session.get(Member, member_id)
            if actor is None:
                raise NotFound(t("error.not_a_member"))
            spoken = language_of_member(session, actor)
            with speaking(spoken):
                return handler(services, session, actor, *args, **kwargs)
    except (NotAllowed, NotFound) as exc:
        return fallback if fallback is not None else Reply.say(str(exc), tone="error")
    except ValueError as exc:
        log.info("refused input in %s: %s", getattr(handler, "__name__", handler), type(exc).__name__)
        return fallback if fallback is not None else Reply.say(
            t("error.refused_input", lang=spoken, problem=exc), tone="error")
    except Exception:
        log.exception("handler %s failed", getattr(handler, "__name__", handler))
        return fallback if fallback is not None else Reply.say(t(FAILED, lang=spoken), tone="error")


async def run(services: Services, member_id: int, handler: Callable[..., Any], *args: Any, fallback: Any = None,
              read_only: bool = False, **kwargs: Any) -> Any:
    """`run_sync` in a worker thread, for the surfaces' async listeners."""
    return await asyncio.to_thread(run_sync, services, member_id, handler, *args, fallback=fallback,
                                   read_only=read_only, **kwargs)
