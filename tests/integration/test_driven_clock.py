"""The driven clock of tests and demos (`CLOCK_FILE`): every process reads the instant a driver
writes, and the clock process runs its jobs on that time, saying which instant it has handled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FileClock, SystemClock
from core.config import Settings
from core.tasks import RecordedTasks
from entrypoints.bootstrap import bootstrap
from worker.clock import follow_driven_clock

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_every_reader_sees_the_instant_the_driver_wrote(tmp_path):
    path = tmp_path / "clock"
    FileClock.write(path, MONDAY)
    readers = [FileClock(path), FileClock(path)]
    assert [r.now() for r in readers] == [MONDAY, MONDAY]
    FileClock.write(path, MONDAY + timedelta(minutes=3))
    assert [r.now() for r in readers] == [MONDAY + timedelta(minutes=3)] * 2
    path.write_text("2026-11-30T09:00:00")  # no offset: refused, never read as local time
    with pytest.raises(TypeError, match="UTC offset"):
        readers[0].now()


def test_only_the_setting_selects_it(tmp_path, database_url):
    path = tmp_path / "clock"
    FileClock.write(path, MONDAY)
    assert isinstance(bootstrap(Settings(DATABASE_URL=database_url, _env_file=None), queue="none").clock, SystemClock)
    driven = bootstrap(Settings(DATABASE_URL=database_url, CLOCK_FILE=path, _env_file=None), queue="none")
    assert driven.clock.now() == MONDAY


def test_the_clock_process_runs_its_jobs_on_the_driven_time(tmp_path, database_url, db):
    path, ticked = tmp_path / "clock", tmp_path / "clock.ticked.1"
    FileClock.write(path, MONDAY)
    tasks = RecordedTasks()
    services = bootstrap(Settings(DATABASE_URL=database_url, CLOCK_FILE=path, _env_file=None), tasks=tasks)
    stop = threading.Event()
    follower = threading.Thread(target=follow_driven_clock, args=(services, stop), kwargs={"ticked": ticked})
    follower.start()

    def handled(when: datetime) -> None:
        FileClock.write(path, when)
        for _ in range(500):
            if ticked.exists() and ticked.read_text().split()[0] == when.isoformat():
                return
            stop.wait(0.01)
        raise AssertionError(f"{when} never handled")

    try:
        handled(MONDAY)
        first = [name for name, _ in tasks.requests]
        handled(MONDAY + timedelta(minutes=2))  # two driven minutes: a tick, no planning yet
        second = [name for name, _ in tasks.requests][len(first):]
        handled(MONDAY + timedelta(hours=1))  # an hour: planning, polling, withdrawals and clean-up
        third = [name for name, _ in tasks.requests][len(first) + len(second):]
    finally:
        stop.set()
        follower.join(5)
    assert first == ["plan_due", "clean_up"] and second == [] and third == ["plan_due", "clean_up"]
    assert ticked.read_text() == f"{(MONDAY + timedelta(hours=1)).isoformat()} 4"  # and how many it enqueued
