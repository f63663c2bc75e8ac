"""Database engine, sessions and migrations. Nothing connects at import time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, DateTime, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Dialect, Engine
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config


def migrations_dir() -> Path:
    """The Alembic scripts: the `migrations` package, installed beside `core` (a wheel carries it
    as package data), so that `invitebot db upgrade` runs from any working directory."""
    from importlib.resources import files

    return Path(str(files("migrations")))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSON(), "sqlite")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Build an engine. SQLite gets WAL, a busy timeout and foreign keys so that web, worker
    and clock threads of the embedded run can share one file."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # No pre-ping: a connection to a local file does not go stale, and the ping was a
        # statement more on every unit of work.
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - trivial
            # Let SQLAlchemy's BEGIN be the one that starts transactions (pysqlite defers it otherwise).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:  # pragma: no cover - trivial
            # BEGIN IMMEDIATE takes the write lock up front: two writers wait instead of
            # failing with "database is locked" half way through a claim. A read-only unit of
            # work (execution option `read_only`) begins deferred, so readers run side by side.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE")

        return engine
    # Disconnects are handled the optimistic way (SQLAlchemy's default): a connection found dead
    # fails its unit of work, which invalidates the whole pool; the worker's message is retried and
    # a chat user is told to try again. A ping on every checkout (`pool_pre_ping`) cost a fifth of
    # the worker's throughput on a small machine, for a server restart that happens rarely.
    # Connections are renewed every half hour (servers and proxies close idle ones).
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800)


class UnitOfWork:
    """The one unit of work of a process: `with uow() as session:` commits on success and rolls
    back on any error (nothing half-written); `with uow(read_only=True) as session:` only reads.

    SQLite has one writer at a time and its busy handler sleeps (in steps of up to 100 ms) while
    it waits, so the writers of this process (web, worker and clock threads share one instance,
    built by `bootstrap`) take turns on a lock that wakes them at once; each then begins with
    `BEGIN IMMEDIATE` (see `make_engine`). A read-only unit begins deferred and takes no turn: it
    never waits for a writer nor blocks one. On PostgreSQL units run side by side."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = engine.execution_options(read_only=True)
        # Re-entrant: a write unit opened inside another of the same thread is a bug that SQLite's
        # busy timeout reports ("database is locked"), rather than a thread that waits forever.
        self._turn: AbstractContextManager = threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()

    @contextmanager
    def __call__(self, *, read_only: bool = False) -> Iterator[Session]:
        with nullcontext() if read_only else self._turn:
            session = Session(self._reader if read_only else self.engine, expire_on_commit=False)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision` (`invitebot db upgrade`)."""
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def utcnow() -> datetime:
    return datetime.now(UTC)


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's dialect, which has its ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def rowcount(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> int:
    """Run an UPDATE or DELETE and say how many rows it matched."""
    result = cast(CursorResult[Any], session.execute(statement, params))
    return result.rowcount
