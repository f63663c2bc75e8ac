"""Prometheus: the adapter of `core.metrics.Metrics`, the web app's request metrics and `/metrics`.

Each `PrometheusMetrics` registers its series in a registry of its own (a process builds one;
tests build many). A process that runs the Dramatiq worker (`invitebot worker`, `serve`) runs in
prometheus_client's multi-process mode (`PROMETHEUS_MULTIPROC_DIR`, set before the library is
first imported: `entrypoints.metrics.multiprocess`): every series is then kept in files of that
folder, and an exposition reads them all, Dramatiq's own series included. Otherwise `/metrics`
shows this process's registry.

Labels are closed sets: the route *template* (`/l/{token}`, never the path), the method, the
status, an outcome or a code; `unmatched` for a path that is no route."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from core.metrics import Cap, FinderOutcome, Reconciliation, Surface

PREFIX = "invitebot"
# Seconds: an ack is due within 3 s (Slack); a send, a digest or a webhook is not far behind.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0)
# A task waits for its turn in seconds to hours (a busy queue, a worker down).
LAG_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)


class PrometheusMetrics:
    """`core.metrics.Metrics` as Prometheus series, and the web app's request series."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(f"{PREFIX}_http_requests_total", "HTTP requests answered, by route template, "
                                     "method and status.", ["route", "method", "status"], registry=r)
        self.http_latency = Histogram(f"{PREFIX}_http_request_duration_seconds", "Time to answer an HTTP request, "
                                      "by route template and method.", ["route", "method"], registry=r,
                                      buckets=LATENCY_BUCKETS)
        self.acks = Histogram(f"{PREFIX}_interaction_ack_seconds", "Time to acknowledge a Slack or Teams request, "
                              "by surface and request kind (its _count: the acks).", ["surface", "kind"], registry=r,
                              buckets=LATENCY_BUCKETS)
        self.sends = Counter(f"{PREFIX}_sends_total", "Send attempts, by outcome.", ["outcome"], registry=r)
        self.caps = Counter(f"{PREFIX}_caps_reached_total", "Sends moved to later by a per-account cap, by cap.",
                            ["cap"], registry=r)
        self.reconciliations = Counter(f"{PREFIX}_reconciliations_total", "Provider look-ups of an earlier call "
                                       "whose outcome was unknown, by result.", ["result"], registry=r)
        self.digests = Counter(f"{PREFIX}_digests_total", "Digest delivery attempts, by outcome.", ["outcome"],
                               registry=r)
        self.finder_runs = Counter(f"{PREFIX}_finder_runs_total", "Finder runs, by outcome.", ["outcome"],
                                   registry=r)
        self.provider_errors = Counter(f"{PREFIX}_provider_errors_total", "Errors answered by the LinkedIn provider, "
                                       "by code.", ["code"], registry=r)
        self.lag = Histogram(f"{PREFIX}_queue_lag_seconds", "Time from a task's due instant to its start, by queue.",
                             ["queue"], registry=r, buckets=LAG_BUCKETS)
        for outcome in ("sent", "failed"):  # zero from the start: an alert on a rate needs the series
            self.sends.labels(outcome)
        for digest in ("delivered", "failed", "unreachable"):
            self.digests.labels(digest)
        for cap in Cap:
            self.caps.labels(cap.value)
        for result in Reconciliation:
            self.reconciliations.labels(result.value)
        for finder in FinderOutcome:
            self.finder_runs.labels(finder.value)

    # core.metrics.Metrics
    def send_finished(self, outcome: str) -> None:
        self.sends.labels(outcome).inc()

    def cap_reached(self, cap: Cap) -> None:
        self.caps.labels(cap.value).inc()

    def reconciled(self, result: Reconciliation) -> None:
        self.reconciliations.labels(result.value).inc()

    def digest_finished(self, outcome: str) -> None:
        self.digests.labels(outcome).inc()

    def finder_run(self, outcome: FinderOutcome) -> None:
        self.finder_runs.labels(outcome.value).inc()

    def provider_error(self, code: str) -> None:
        self.provider_errors.labels(code).inc()

    def queue_lag(self, queue: str, seconds: float) -> None:
        self.lag.labels(queue).observe(max(seconds, 0.0))

    def interaction(self, surface: Surface, kind: str, seconds: float) -> None:
        self.acks.labels(surface.value, kind).observe(seconds)

    # the web app
    def http_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_latency.labels(route, method).observe(seconds)

    def exposition(self) -> bytes:
        """The text format of every series of this process (of every process sharing the folder, in
        multi-process mode)."""
        return generate_latest(exposition_registry(self.registry))


def exposition_registry(own: CollectorRegistry) -> CollectorRegistry:
    """What an exposition reads: the files of the multi-process folder when there is one, else `own`."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return own
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)
    return registry


def route_of(request: web.Request) -> str:
    """The route template of a request (`/l/{token}`), `unmatched` when no route took it."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def middleware(metrics: PrometheusMetrics) -> Middleware:
    """Counts and times every request by route template, method and status (an exception: 500)."""

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.http_request(route_of(request), request.method, status, time.perf_counter() - started)

    return measure


def register(app: web.Application, metrics: PrometheusMetrics) -> None:
    """`GET /metrics` and the request metrics on the web app."""

    async def exposition(_request: web.Request) -> web.Response:
        body = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.middlewares.append(middleware(metrics))
    app.router.add_get("/metrics", exposition)
