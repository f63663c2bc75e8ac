"""Running a handler: one unit of work per user interaction, off the event loop.

Refusals of the core (`NotAllowed`, `NotFound`) and unreadable input (`ValueError`) become a
notice after the transaction was rolled back; anything else is logged with its traceback and
the user is told that nothing was changed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from sqlalchemy import event

from bot.conversation.views import Reply
from core.errors import NotAllowed, NotFound
from core.workspace.models import Member

log = logging.getLogger("invitebot.conversation")
FAILED = "Something went wrong on our side and nothing was changed. Please try again in a minute."


def run_sync(ctx, member_id: int, handler: Callable[..., Any], *args, fallback: Any = None,
             read_only: bool = False, **kwargs) -> Any:
    """Call `handler(ctx, session, actor, *args, **kwargs)` in one transaction."""
    try:
        with ctx.uow(read_only=read_only) as session:
            actor = session.get(Member, member_id)
            if actor is None:
                raise NotFound("You are not a member of this workspace yet; try again.")
            workspace_id = actor.workspace_id
            wrote = _watch_writes(session)
            result = handler(ctx, session, actor, *args, **kwargs)
        if wrote:
            _written(ctx, workspace_id)
        return result
    except (NotAllowed, NotFound) as exc:
        return fallback if fallback is not None else Reply.say(str(exc), tone="error")
    except ValueError as exc:
        log.info("refused input in %s: %s", getattr(handler, "__name__", handler), type(exc).__name__)
        return fallback if fallback is not None else Reply.say(f"That did not work: {exc}", tone="error")
    except Exception:
        log.exception("handler %s failed", getattr(handler, "__name__", handler))
        return fallback if fallback is not None else Reply.say(FAILED, tone="error")


def _watch_writes(session) -> list[bool]:
    """A list that gets an item when the unit of work writes (an ORM flush, or an INSERT, UPDATE or
    DELETE statement): form changes and reads do not make the type-ahead forget its snapshots."""
    wrote: list[bool] = []
    event.listen(session, "after_flush", lambda *_: wrote.append(True))
    event.listen(session, "do_orm_execute",
                 lambda state: wrote.append(True) if state.is_insert or state.is_update or state.is_delete else None)
    return wrote


def _written(ctx, workspace_id: int) -> None:
    """What this process keeps of a workspace for the type-ahead is forgotten once it was written to."""
    from bot.conversation.suggestions import suggestions_of

    suggestions_of(ctx).forget_workspace(workspace_id)


async def run(ctx, member_id: int, handler: Callable[..., Any], *args, fallback: Any = None,
              read_only: bool = False, **kwargs) -> Any:
    """`run_sync` in a worker thread, for the surfaces' async listeners."""
    return await asyncio.to_thread(run_sync, ctx, member_id, handler, *args, fallback=fallback,
                                   read_only=read_only, **kwargs)
