"""/healthz: 200 with the status of database and Redis; 503 naming the failing part."""

from __future__ import annotations

import redis
from dramatiq.brokers.stub import StubBroker

from bot.web import build_web_app
from core.db import make_engine
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from worker.broker import DramatiqTasks


async def test_healthy(aiohttp_client, settings, db, redis_url):
    tasks = DramatiqTasks(StubBroker(), redis.Redis.from_url(redis_url))
    ctx = bootstrap(settings, engine=db, notifier=LoggingNotifier(), tasks=tasks)
    client = await aiohttp_client(build_web_app(ctx))
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["database"] == "ok" and body["redis"] == "ok" and "failing" not in body


async def test_unreachable_database_and_redis_are_named(aiohttp_client, settings, tmp_path):
    # A port nothing listens on: the database and Redis checks both fail, fast.
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    tasks = DramatiqTasks(StubBroker(), redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))
    ctx = bootstrap(settings, engine=engine, notifier=LoggingNotifier(), tasks=tasks)
    client = await aiohttp_client(build_web_app(ctx))
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 503
    assert body["failing"] == ["database", "redis"]
    assert body["database"].startswith("database unreachable")
