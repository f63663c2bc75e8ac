"""`invitebot worker` and `invitebot clock` as an operator starts them, on the settings of the
environment, a real database and Redis: both run with the chat notifiers (digests and alerts reach
Slack and Teams), only the worker carries out the actors, and both quiet the libraries' INFO
chatter like every other process. What runs until a signal (the worker's threads, the scheduler)
is replaced by something that returns at once and hands over the services the process built."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest
from dramatiq.errors import ActorNotFound

import worker.clock
from core.notify import FanoutNotifier
from entrypoints import metrics, processes
from entrypoints.bootstrap import actor
from entrypoints.cli import processes as commands


@pytest.fixture
def started(monkeypatch, tmp_path, redis_url):
    """The services of each process started, once it returned."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the process's own SQLite file, migrated by it
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-bot-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    ran = []
    stopped = threading.Event()
    stopped.set()  # the processes return at once
    monkeypatch.setattr(processes, "until_signal", lambda: stopped)
    # The worker's multi-process metrics set process-wide environment variables: not in the test process.
    monkeypatch.setattr(metrics, "multiprocess", lambda settings: None)
    monkeypatch.setattr(processes, "start_worker", lambda services, threads=8: ran.append(services)
                        or SimpleNamespace(stop=lambda timeout: None))
    scheduler = SimpleNamespace(start=lambda: None, shutdown=lambda wait: None)
    monkeypatch.setattr(worker.clock, "build_scheduler", lambda services: ran.append(services) or (scheduler, None))
    # The commands set these loggers' levels for the process: put them back for the next tests.
    touched = [logging.getLogger(name) for name in ("apscheduler", "alembic", "aiohttp.access")]
    levels = [logger.level for logger in touched]
    touched[0].setLevel(logging.NOTSET)
    yield ran
    for logger, level in zip(touched, levels):
        logger.setLevel(level)


@pytest.mark.parametrize("command", ["worker", "clock"])
def test_processes_reach_the_chat_platforms_and_share_the_logging_set_up(started, command):
    if command == "worker":
        commands.worker(threads=1)
    else:
        commands.clock()
    [services] = started
    # Digests and alerts go to the chat platforms, not to a log
    assert isinstance(services.notifier, FanoutNotifier)
    assert sorted(type(n).__name__ for n in services.notifier.notifiers) == ["SlackNotifier", "TeamsNotifier"]
    # Only the worker carries out the work the others ask for
    if command == "worker":
        assert actor(services, "send").actor_name == "invitebot.send"
    else:
        with pytest.raises(ActorNotFound):
            actor(services, "send")
    assert logging.getLogger("apscheduler").level >= logging.WARNING  # the shared set-up quiets it
