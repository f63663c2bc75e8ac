"""The composition root: settings in, the process's `Services` out (cosmicpython's bootstrap).

Every process — web, worker, clock, `serve`, an admin command, the demo, a test — builds its
services here, once, and passes them down; nothing else builds an engine, a broker, a gateway or
a notifier, and nothing connects at import time. Tests and the demo pass their own clock,
notifier, gateway or task queue; everything they do not pass is built from the settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.engine import Engine

from core.campaigns.form_texts import FormTextStore
from core.clock import Clock, FileClock, SystemClock
from core.config import Settings
from core.db import UnitOfWork, make_engine, upgrade
from core.delivery.linkedin.port import LinkedInGateway
from core.metrics import NO_METRICS, Metrics
from core.notify import FanoutNotifier, Notifier
from core.services import Services
from core.tasks import RecordedTasks, Tasks
from core.typeahead import NameCache

if TYPE_CHECKING:
    import redis
    from dramatiq import Actor

log = logging.getLogger("invitebot")

# What a process does with the task queue: `redis` (REDIS_URL, else an embedded Redis under
# VAR_DIR) for the processes that ask for work or do it; `stub` (Dramatiq's in-memory broker, the
# demo); `none` (admin commands, which never ask for work: requests are only recorded).
Queue = Literal["redis", "stub", "none"]


def bootstrap(settings: Settings | None = None, *, queue: Queue = "redis", worker: bool = False,
              engine: Engine | None = None, clock: Clock | None = None, notifier: Notifier | None = None,
              linkedin: LinkedInGateway | None = None, tasks: Tasks | None = None,
              form_texts: FormTextStore | None = None, migrate: bool = False,
              metrics: Metrics | None = None) -> Services:
    """The services of one process. `worker`: declare the actors on the broker (processes that
    run them: worker, `serve`, the demo). `migrate`: bring a SQLite file (the embedded default) to
    the latest schema first; PostgreSQL is migrated by `invitebot db upgrade`, the release step.
    `metrics`: Prometheus series (`bot.metrics`) unless given; none for admin commands (queue 'none')."""
    settings = settings or Settings()
    if migrate and settings.effective_database_url.startswith("sqlite"):
        upgrade(settings.effective_database_url)
    engine = engine or make_engine(settings.effective_database_url)
    uow = UnitOfWork(engine)
    clock = clock or (FileClock(settings.clock_file) if settings.clock_file else SystemClock())
    if metrics is None:
        metrics = NO_METRICS if queue == "none" else _prometheus()
    broker, client = None, None
    if tasks is None:
        if queue == "none":
            tasks = RecordedTasks()
        else:
            from worker.broker import DramatiqTasks, build_broker

            broker, client, embedded = build_broker(settings, stub=queue == "stub")
            tasks = DramatiqTasks(broker, client, embedded)
    services = Services(
        settings=settings, engine=engine, uow=uow, clock=clock,
        linkedin=linkedin or _linkedin(settings, uow, clock, metrics),
        notifier=notifier or _chat_notifier(settings, uow),
        form_texts=form_texts or _form_texts(client),
        tasks=tasks, typeahead=NameCache(), metrics=metrics,
    )
    if worker:
        if broker is None:
            raise ValueError("the actors need a broker of this process (queue 'redis' or 'stub')")
        from worker.actors import declare_actors

        declare_actors(broker, services)
    return services


def _prometheus() -> Metrics:
    # Imported here, not at the top: a worker process first chooses prometheus_client's
    # multi-process mode (`entrypoints.metrics.multiprocess`), which the library reads at import.
    from bot.metrics import PrometheusMetrics

    return PrometheusMetrics()


def _linkedin(settings: Settings, uow: UnitOfWork, clock: Clock, metrics: Metrics) -> LinkedInGateway:
    """The LinkedIn provider named by LINKEDIN_PROVIDER."""
    if settings.linkedin_provider == "unipile":
        from core.delivery.linkedin.unipile import UnipileGateway

        return UnipileGateway.from_settings(settings, metrics=metrics)
    from core.delivery.linkedin.sandbox import SandboxGateway

    return SandboxGateway(uow=uow, clock=clock, settings=settings)


def _chat_notifier(settings: Settings, uow: UnitOfWork) -> Notifier:
    """Digests and alerts go to every chat platform a member can be reached on: Slack when it is
    configured, Teams always (a member without a Teams conversation is unreachable there)."""
    from bot.teams.notifier import build_teams_notifier

    notifiers: list[Notifier] = []
    if settings.slack_enabled:
        from bot.slack.notifier import SlackNotifier

        notifiers.append(SlackNotifier(settings, uow))
    notifiers.append(build_teams_notifier(settings, uow))
    return FanoutNotifier(notifiers)


def _form_texts(client: redis.Redis | None) -> FormTextStore:
    from bot.conversation.kept_texts import MemoryFormTexts, RedisFormTexts

    return RedisFormTexts(client) if client is not None else MemoryFormTexts()


def actor(services: Services, name: str) -> Actor[..., Any]:
    """The declared actor `name` of a process with a Dramatiq task queue (the demo and tests run
    actors directly, as a worker thread would)."""
    from worker.broker import DramatiqTasks, actor_name

    if not isinstance(services.tasks, DramatiqTasks):
        raise ValueError("this process has no Dramatiq broker")
    return services.tasks.broker.get_actor(actor_name(name))
