"""The long-running processes: web (the aiohttp app, and Slack's Socket Mode), worker (Dramatiq
threads), clock (APScheduler), and `serve`, all three in one process (the embedded default).
Each runs until SIGINT or SIGTERM, then stops accepting work, finishes what it owes and closes
its services (an embedded Redis included)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

import dramatiq

from core.config import Settings
from core.services import Services
from worker.broker import QUEUES, DramatiqTasks

log = logging.getLogger("invitebot")


def configure_logging(settings: Settings) -> None:
    """LOG_FORMAT and LOG_LEVEL (`entrypoints.logs`); the access log (`bot.logs.AccessLog`) at INFO."""
    from entrypoints import logs

    logs.configure(settings)
    # Libraries that narrate every step at INFO: their warnings are enough.
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def until_signal() -> threading.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def announce(settings: Settings) -> None:
    log.info("web: listening on http://%s:%s (health at /healthz)", settings.host, settings.port)
    log.info("linkedin provider: %s%s", settings.linkedin_provider,
             " (simulated network: nobody is contacted)" if settings.linkedin_provider == "sandbox" else "")
    # Slack and Teams each say at registration whether they are on and what enabling them needs.


async def serve_web(services: Services, stop: threading.Event) -> None:
    """The web app on HOST:PORT (and Slack over Socket Mode when its app token is set) until `stop`."""
    from aiohttp import web

    from bot.logs import ACCESS_LOGGER, AccessLog
    from bot.web import build_web_app, settle

    settings = services.settings
    runner = web.AppRunner(build_web_app(services), access_log_class=AccessLog, access_log=ACCESS_LOGGER)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    settle()
    socket_mode = None
    try:
        if settings.slack_app_token and settings.slack_bot_token:
            from bot.slack import start_socket_mode

            socket_mode = await start_socket_mode(services)
        while not stop.is_set():  # noqa: ASYNC110 (a threading.Event: set by a signal or another thread)
            await asyncio.sleep(0.5)
    finally:
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()  # stops accepting requests, then drains the work after acks
        if socket_mode is not None:
            from bot.slack.app import close_http_session

            await close_http_session(socket_mode.app)


def start_worker(services: Services, threads: int = 8) -> dramatiq.Worker:
    """A Dramatiq worker with `threads` threads on the services' broker (its actors declared)."""
    if not isinstance(services.tasks, DramatiqTasks):
        raise ValueError("a worker needs the Dramatiq task queue (bootstrap's queue 'redis' or 'stub')")
    worker = dramatiq.Worker(services.tasks.broker, queues=set(QUEUES), worker_threads=threads, worker_timeout=500)
    worker.start()
    return worker


def run_embedded(services: Services, stop: threading.Event, *, threads: int = 4) -> threading.Thread:
    """Worker threads and the clock in this process (`serve`), stopped when `stop` is set. Returns
    the thread that waits for it: join it to wait for the shutdown."""
    from worker.clock import build_scheduler

    worker = start_worker(services, threads)
    scheduler, _ = build_scheduler(services)
    scheduler.start()

    def wait() -> None:
        stop.wait()
        scheduler.shutdown(wait=False)
        worker.stop(timeout=5_000)

    keeper = threading.Thread(target=wait, name="invitebot-embedded", daemon=True)
    keeper.start()
    return keeper


def run(main: Callable[[threading.Event], None], services: Services) -> None:
    """`main(stop)` until a signal, then the services closed whatever happened."""
    try:
        main(until_signal())
    finally:
        services.close()
