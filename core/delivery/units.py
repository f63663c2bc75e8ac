"""Units of work of the delivery engine. On SQLite, the worker's threads take turns on a lock per
engine before `BEGIN IMMEDIATE`, instead of meeting SQLite's busy handler, which sleeps in steps
of milliseconds while the database is free again (writers are serialised either way)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from core.db import session_scope

_locks: "WeakKeyDictionary[Engine, threading.Lock]" = WeakKeyDictionary()
_guard = threading.Lock()


def _lock_for(engine: Engine) -> threading.Lock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _guard:
        lock = _locks.get(engine)
        if lock is None:
            lock = _locks[engine] = threading.Lock()
        return lock


@contextmanager
def unit(engine: Engine) -> Iterator[Session]:
    """`session_scope`, with SQLite writers of this process taking turns."""
    lock = _lock_for(engine)
    if lock is None:
        with session_scope(engine) as session:
            yield session
        return
    with lock:
        with session_scope(engine) as session:
            yield session


@contextmanager
def connection_unit(engine: Engine) -> Iterator[Connection]:
    """A unit of work on a bare Core connection (commit on success, roll back on error), for the
    worker's hot path where an ORM Session would only add bookkeeping; same SQLite turn-taking."""
    lock = _lock_for(engine)
    if lock is None:
        with engine.begin() as conn:
            yield conn
        return
    with lock:
        with engine.begin() as conn:
            yield conn
