"""`invitebot worker` and `invitebot clock` build a chat-wired context (digests and alerts reach
Slack/Teams) and set logging up like every other invitebot process."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest

import core.db
import worker.broker
import worker.clock
import worker.commands as commands
import worker.context


@pytest.fixture
def wired(monkeypatch, tmp_path):
    """Everything around the commands replaced: what they pass to build_context is recorded."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    built = []
    monkeypatch.setattr(core.db, "upgrade", lambda url: None)
    monkeypatch.setattr(worker.context, "build_context", lambda settings, **kw: built.append(kw) or SimpleNamespace())
    stopped = threading.Event()
    stopped.set()  # the processes return at once
    monkeypatch.setattr(commands, "_until_signal", lambda: stopped)
    monkeypatch.setattr(commands, "start_worker", lambda ctx, threads=8: SimpleNamespace(stop=lambda timeout: None))
    monkeypatch.setattr(worker.broker, "setup_broker", lambda ctx: None)
    scheduler = SimpleNamespace(start=lambda: None, shutdown=lambda wait: None)
    monkeypatch.setattr(worker.clock, "build_scheduler", lambda ctx: (scheduler, None))
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
        commands.worker_command(threads=1)
    else:
        commands.clock_command()
    assert wired == [{"chat": True}]
    assert logging.getLogger("apscheduler").level >= logging.WARNING  # worker.cli's set-up quiets it
