"""Work after acks: AT_ONCE at a time, none waiting past MAX_WAIT, drained, failures logged."""

from __future__ import annotations

import asyncio
import logging

from bot import background


async def test_work_takes_turns_then_goes_once_it_waited_long_enough(monkeypatch):
    monkeypatch.setattr(background, "MAX_WAIT", 0.05)
    release = asyncio.Event()
    started: list[int] = []

    async def work(i: int) -> None:
        started.append(i)
        await release.wait()

    for i in range(background.AT_ONCE + 1):
        background.after_ack(work(i))
    for _ in range(5):
        await asyncio.sleep(0)
    assert started == list(range(background.AT_ONCE))  # the last one waits for a turn…
    async with asyncio.timeout(5):
        while len(started) <= background.AT_ONCE:
            await asyncio.sleep(0.01)
    assert started[-1] == background.AT_ONCE  # …but not forever
    release.set()
    await background.drain()


async def test_a_turn_given_back_goes_to_the_next_in_line(monkeypatch):
    monkeypatch.setattr(background, "MAX_WAIT", 60)
    gates = [asyncio.Event() for _ in range(background.AT_ONCE + 1)]
    started: list[int] = []

    async def work(i: int) -> None:
        started.append(i)
        await gates[i].wait()

    for i in range(background.AT_ONCE + 1):
        background.after_ack(work(i))
    for _ in range(5):
        await asyncio.sleep(0)
    assert background.AT_ONCE not in started
    gates[0].set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert started[-1] == background.AT_ONCE
    for gate in gates:
        gate.set()
    await background.drain()


async def test_drain_waits_for_everything_and_failures_are_logged(caplog):
    done = []

    async def fails() -> None:
        raise RuntimeError("boom")

    async def works() -> None:
        await asyncio.sleep(0)
        done.append(True)

    with caplog.at_level(logging.ERROR, logger="invitebot.background"):
        background.after_ack(fails(), what="Slack work after the ack")
        background.after_ack(works())
        await background.drain()
    assert done == [True]
    assert any("Slack work after the ack failed" in r.getMessage() and r.exc_info for r in caplog.records)
