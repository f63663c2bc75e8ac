"""`invitebot worker` and `invitebot clock` build their services with the chat notifiers (digests and
alerts reach Slack/Teams), the worker with its actors, and set logging up like every other process."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest

import worker.clock
from entrypoints import processes
from entrypoints.cli import processes as commands


@pytest.fixture
def wired(monkeypatch, tmp_path):
    """Everything around the commands replaced: what they ask of bootstrap is recorded."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    built = []
    monkeypatch.setattr(commands, "bootstrap",
                        lambda settings, **kw: built.append(kw) or SimpleNamespace(close=lambda: None))
    stopped = threading.Event()
    stopped.set()  # the processes return at once
    monkeypatch.setattr(processes, "until_signal", lambda: stopped)
    monkeypatch.setattr(processes, "start_worker", lambda services, threads=8: SimpleNamespace(stop=lambda timeout: None))
    scheduler = SimpleNamespace(start=lambda: None, shutdown=lambda wait: None)
    monkeypatch.setattr(worker.clock, "build_scheduler", lambda services: (scheduler, None))
    # The commands set these loggers' levels for the process: put them back for the next tests.
    touched = [logging.getLogger(name) for name in ("apscheduler", "alembic", "aiohttp.access")]
    levels = [logger.level for logger in touched]
    touched[0].setLevel(logging.NOTSET)
    yield built
    for logger, level in zip(touched, levels):
        logger.setLevel(level)


@pytest.mark.parametrize("command", ["worker", "clock"])
def test_processes_wire_the_chat_notifiers_and_the_shared_logging(wired, command):
    if command == "worker":
        commands.worker(threads=1)
    else:
        commands.clock()
    assert len(wired) == 1 and "notifier" not in wired[0]  # bootstrap builds the chat notifiers
    assert wired[0].get("worker", False) == (command == "worker")  # only the worker declares the actors
    assert logging.getLogger("apscheduler").level >= logging.WARNING  # the shared set-up quiets it
