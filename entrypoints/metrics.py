"""The worker's metrics: prometheus_client's multi-process mode, Dramatiq's Prometheus middleware
and the worker's metrics port.

A worker process keeps its series in files of `METRICS_DIR` (default `VAR_DIR/metrics`), as
Dramatiq's own CLI does with its `dramatiq_prom_db` folder: `multiprocess(settings)` chooses that
folder before prometheus_client is first imported (the library reads it at import), so it must
run before `bootstrap`. `expose(services)` then adds Dramatiq's `Prometheus` middleware
(`dramatiq_messages_total`, `dramatiq_message_duration_milliseconds`, …) and serves every series
of the folder on `WORKER_METRICS_PORT`. Several worker processes on one host may share the folder:
the first to bind the port serves them all, the others say so and go on."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from core.services import Services

log = logging.getLogger("invitebot.metrics")
_PID = re.compile(r"_(\d+)\.db$")


def metrics_dir(settings: Settings) -> Path:
    return settings.metrics_dir or settings.var_dir / "metrics"


def multiprocess(settings: Settings) -> Path | None:
    """Multi-process mode for this process, in `metrics_dir(settings)`; the files of processes
    that no longer run are removed first (their counters would otherwise add up forever). None
    (said in the log) when prometheus_client was loaded before: its series stay in this process."""
    if "prometheus_client" in sys.modules and os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None:
        log.warning("metrics: prometheus_client was loaded before its multi-process folder was chosen: "
                    "the worker's metrics are not served")
        return None
    folder = metrics_dir(settings).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db"):
        match = _PID.search(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    os.environ["dramatiq_prom_db"] = str(folder)  # noqa: SIM112 (Dramatiq's name; its middleware reads it at import)
    return folder


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def expose(services: Services, folder: Path | None, *, serve: bool = True) -> Callable[[], None]:
    """In multi-process mode (`folder`, from `multiprocess`): Dramatiq's Prometheus middleware on
    this process's broker and, with `serve`, the metrics of the folder on WORKER_METRICS_PORT (0:
    none). Returns what stops the server."""
    if folder is None:
        return lambda: None
    from dramatiq.middleware.prometheus import Prometheus

    from worker.broker import DramatiqTasks

    if not isinstance(services.tasks, DramatiqTasks):
        raise ValueError("the worker's metrics need the Dramatiq task queue")
    prometheus = Prometheus()
    services.tasks.broker.add_middleware(prometheus)
    prometheus.after_process_boot(services.tasks.broker)  # what the dramatiq CLI does after its fork
    settings = services.settings
    if not serve or not settings.worker_metrics_port:
        return lambda: None
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    try:
        server, thread = start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host,
                                           registry=registry)
    except OSError as exc:
        log.info("worker metrics: port %s not bound (%s): another worker of this host serves the folder's "
                 "metrics, or set WORKER_METRICS_PORT", settings.worker_metrics_port, exc.strerror)
        return lambda: None
    log.info("worker metrics: http://%s:%s/metrics", settings.worker_metrics_host, settings.worker_metrics_port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
