"""The one injectable clock: every `now()` of the product comes from here, so tests and the demo can move time."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, `invitebot demo`)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


class FileClock:
    """Test and demo only (setting `CLOCK_FILE`, never set in production): the instant written in a
    file (ISO 8601, with its offset) by a driver that fast-forwards several processes at once —
    web, workers and clock all read the same time. Re-read when the file changes; written by the
    driver with an atomic rename, so a reader never sees half an instant."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._seen: tuple[int, int] | None = None
        self._now: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        stat = os.stat(self.path)
        with self._lock:
            if self._now is None or self._seen != (stat.st_mtime_ns, stat.st_ino):
                with open(self.path, encoding="ascii") as f:
                    when = datetime.fromisoformat(f.read().strip())
                if when.tzinfo is None:  # never read as local time (a programmer's error, not a user's)
                    raise TypeError(f"{self.path} must hold an instant with its UTC offset")
                self._now, self._seen = when.astimezone(UTC), (stat.st_mtime_ns, stat.st_ino)
            return self._now

    @staticmethod
    def write(path: str | os.PathLike[str], when: datetime) -> None:
        """Move the clock of every process reading `path` to `when` (the driver's side)."""
        if when.tzinfo is None:
            raise TypeError("FileClock.write needs an aware datetime")
        tmp = f"{os.fspath(path)}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(when.astimezone(UTC).isoformat())
        os.replace(tmp, path)
