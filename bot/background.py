"""Work done after a chat platform got its answer: Slack's ack, the HTTP 200 of a Teams message.

Both platforms want their HTTP answer fast (Slack within 3 s, and a Bot Framework channel holds
its request open meanwhile); the answer to the user follows. Under a burst, the acks must not
queue behind every answer being computed and posted on the same event loop: the work after acks
runs AT_ONCE at a time and the rest waits its turn, but never more than MAX_WAIT seconds (a turn
held by a rate-limited call sleeping on Retry-After must not make a `trigger_id`, valid 3 s,
expire in the queue). A failure is logged with its traceback. `drain()` waits for all of it
(shutdown, tests, benches)."""

from __future__ import annotations

import asyncio
import logging
import weakref

log = logging.getLogger("invitebot.background")

AT_ONCE = 4
MAX_WAIT = 0.5  # seconds
_RUNNING: set[asyncio.Task] = set()
_TURNS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


def after_ack(work, *, what: str = "work after the ack") -> asyncio.Task:
    """Run `work` (a coroutine) once a turn is free."""
    loop = asyncio.get_running_loop()
    turns = _TURNS.get(loop)
    if turns is None:
        turns = _TURNS[loop] = asyncio.Semaphore(AT_ONCE)
    task = loop.create_task(_in_turn(turns, work))
    _RUNNING.add(task)
    task.add_done_callback(lambda done: _finished(done, what))
    return task


async def _in_turn(turns: asyncio.Semaphore, work) -> None:
    try:
        await asyncio.wait_for(turns.acquire(), MAX_WAIT)
        held = True
    except TimeoutError:
        held = False  # waited long enough: goes now, beside the others
    try:
        await work
    finally:
        if held:
            turns.release()


def _finished(task: asyncio.Task, what: str) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", what, exc_info=task.exception())


async def drain() -> None:
    """Wait for every piece of work started after an ack, including work they started."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING), return_exceptions=True)
