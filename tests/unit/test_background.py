"""Work after acks (`bot.background`) as the people waiting on it see it: the platform's answer never
waits for the work after it; AT_ONCE pieces run at a time and a turn given back goes to the next
in line; no piece waits for a turn longer than MAX_WAIT; a failure is logged with its traceback;
`drain()` returns once everything, and whatever it started, is done.

The pieces of work here say when they start and wait to be let go, so each test waits for what it
expects to see (with a generous guard against hanging), never for a number of event-loop turns."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import background

GUARD = 10  # seconds before a test that waits for something that never comes fails, instead of hanging


class Pieces:
    """Pieces of work after an ack: each records its start, then waits until the test lets it go."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.running = 0
        self.most_at_once = 0
        self._gates: dict[int, asyncio.Event] = {}
        self._changed = asyncio.Condition()

    def schedule(self, count: int) -> None:
        for i in range(len(self._gates), len(self._gates) + count):
            self._gates[i] = asyncio.Event()
            background.after_ack(self._piece(i))

    async def _piece(self, i: int) -> None:
        await self._note(lambda: self._start(i))
        await self._gates[i].wait()
        await self._note(lambda: self._finish(i))

    def _start(self, i: int) -> None:
        self.started.append(i)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)

    def _finish(self, i: int) -> None:
        self.running -= 1
        self.finished.append(i)

    async def _note(self, change) -> None:
        async with self._changed:
            change()
            self._changed.notify_all()

    def let_go(self, *which: int) -> None:
        for i in which or list(self._gates):
            self._gates[i].set()

    async def until(self, condition) -> None:
        async with asyncio.timeout(GUARD), self._changed:
            await self._changed.wait_for(condition)


@pytest.fixture
async def pieces():
    work = Pieces()
    yield work
    work.let_go()  # a failed test leaves nothing running into the next one
    await background.drain()


async def test_the_answer_to_the_platform_does_not_wait_for_the_work_after_it(monkeypatch, pieces):
    monkeypatch.setattr(background, "MAX_WAIT", 60)
    # Given every turn held by slow work, and more waiting for a turn
    pieces.schedule(background.AT_ONCE * 2)
    assert pieces.started == []  # handed over, not run on the way to the answer
    await pieces.until(lambda: pieces.running == background.AT_ONCE)

    # When the platform is answered meanwhile
    async def answer() -> int:
        await asyncio.sleep(0)
        return 200

    # Then the answer goes out while all that work is still under way
    assert await answer() == 200
    assert pieces.finished == [] and pieces.running == background.AT_ONCE


async def test_at_most_at_once_pieces_run_together(monkeypatch, pieces):
    monkeypatch.setattr(background, "MAX_WAIT", 60)
    pieces.schedule(background.AT_ONCE * 3)
    await pieces.until(lambda: len(pieces.started) == background.AT_ONCE)
    pieces.let_go()
    await background.drain()
    assert pieces.most_at_once == background.AT_ONCE  # the first ones together, never more
    assert sorted(pieces.finished) == list(range(background.AT_ONCE * 3))  # …and all of them in the end


async def test_a_turn_given_back_goes_to_the_next_in_line(monkeypatch, pieces):
    monkeypatch.setattr(background, "MAX_WAIT", 60)
    pieces.schedule(background.AT_ONCE + 1)
    await pieces.until(lambda: len(pieces.started) == background.AT_ONCE)
    assert pieces.started == list(range(background.AT_ONCE))  # first come, first served

    pieces.let_go(0)
    await pieces.until(lambda: background.AT_ONCE in pieces.started)
    assert pieces.finished == [0] and pieces.running == background.AT_ONCE  # it took the turn given back


async def test_no_piece_waits_for_a_turn_longer_than_max_wait(monkeypatch, pieces):
    monkeypatch.setattr(background, "MAX_WAIT", 0.05)
    # Given every turn held by work that does not end (a call sleeping on a Retry-After)
    pieces.schedule(background.AT_ONCE + 1)
    # Then the last one goes all the same, beside the others, none of which gave its turn back
    await pieces.until(lambda: background.AT_ONCE in pieces.started)
    assert pieces.running == background.AT_ONCE + 1 and pieces.finished == []


async def test_a_failure_is_logged_with_its_traceback(caplog):
    async def fails() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="invitebot.background"):
        background.after_ack(fails(), what="Slack work after the ack")
        await background.drain()
    [record] = [r for r in caplog.records if "Slack work after the ack failed" in r.getMessage()]
    kind, error, traceback = record.exc_info
    assert kind is RuntimeError and str(error) == "boom" and traceback is not None


async def test_drain_waits_for_everything_including_what_it_started_and_past_a_failure():
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("boom")

    async def child() -> None:
        await asyncio.sleep(0.01)
        done.append("child")

    async def parent() -> None:
        await asyncio.sleep(0.01)
        background.after_ack(child())  # e.g. a reply that starts a look-up of its own
        done.append("parent")

    background.after_ack(fails())
    background.after_ack(parent())
    await background.drain()
    assert done == ["parent", "child"]
