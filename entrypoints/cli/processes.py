"""`invitebot serve | web | worker | clock`: the processes (one per Procfile line, or all in one)."""

from __future__ import annotations

import asyncio
import logging
import threading

import typer

from core.config import Settings
from entrypoints import metrics, processes
from entrypoints.bootstrap import bootstrap

log = logging.getLogger("invitebot")


def _settings() -> Settings:
    settings = Settings()
    processes.configure_logging(settings)
    return settings


def serve() -> None:
    """Web + worker + clock in one process (the embedded default of `make run`)."""
    settings = _settings()
    folder = metrics.multiprocess(settings)  # the worker's series and the web's, read together by /metrics
    services = bootstrap(settings, worker=True, migrate=True)
    metrics.expose(services, folder, serve=False)
    processes.announce(settings)
    log.info("worker and clock: running in this process")

    def main(stop: threading.Event) -> None:
        background = processes.run_embedded(services, stop)
        try:
            asyncio.run(processes.serve_web(services, stop))
        finally:
            stop.set()
            background.join(timeout=10)

    processes.run(main, services)


def web() -> None:
    """The web process alone: Slack, Teams, tracked links, provider webhooks, health."""
    settings = _settings()
    services = bootstrap(settings, migrate=True)  # it enqueues webhook processing
    processes.announce(settings)
    processes.run(lambda stop: asyncio.run(processes.serve_web(services, stop)), services)


def worker(threads: int = typer.Option(8, "--threads", "-t", min=1, help="Worker threads.")) -> None:
    """The Dramatiq worker: carries out sends, planning, digests, polling, withdrawals."""
    settings = _settings()
    folder = metrics.multiprocess(settings)
    services = bootstrap(settings, worker=True, migrate=True)
    stop_metrics = metrics.expose(services, folder)

    def main(stop: threading.Event) -> None:
        running = processes.start_worker(services, threads)
        log.info("worker: %d threads", threads)
        stop.wait()
        running.stop(timeout=10_000)
        stop_metrics()

    processes.run(main, services)


def clock() -> None:
    """The clock: one instance; enqueues due sends, planning, digests, polling and clean-up."""
    from worker.clock import build_scheduler

    settings = _settings()
    services = bootstrap(settings, migrate=True)

    def main(stop: threading.Event) -> None:
        if settings.clock_file is not None:  # tests and demos: the jobs run on the driven time
            from worker.clock import follow_driven_clock, ticked_path

            log.info("clock: following the driven time of CLOCK_FILE (tests and demos only)")
            follow_driven_clock(services, stop, ticked=ticked_path(settings.clock_file))
            return
        scheduler, _ = build_scheduler(services)
        scheduler.start()
        log.info("clock: running (tick every minute)")
        stop.wait()
        scheduler.shutdown(wait=False)

    processes.run(main, services)


def register(app: typer.Typer) -> None:
    for command in (serve, web, worker, clock):
        app.command(command.__name__)(command)
