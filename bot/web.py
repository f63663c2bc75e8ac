"""The one aiohttp application: health, and the routes each surface registers.

Surfaces register themselves with `register(app, services)`; the Slack and Teams parts mount their
endpoints here (`/slack/events`, `/api/messages`), delivery mounts `/l/{token}` and
`/webhooks/linkedin`."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from aiohttp import web
from sqlalchemy import text

from bot import logs, metrics
from core.services import Services

log = logging.getLogger("invitebot.web")

SERVICES_KEY = web.AppKey("services", Services)
STARTED_KEY = web.AppKey("started", float)


def _check_database(services: Services) -> str | None:
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # the health check reports, it does not raise
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return f"database unreachable ({type(exc).__name__})"


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    db_problem, redis_problem = await asyncio.gather(
        asyncio.to_thread(_check_database, services), asyncio.to_thread(services.tasks.problem)
    )
    body = {
        "database": "ok" if db_problem is None else db_problem,
        "redis": "ok" if redis_problem is None else redis_problem,
        "linkedin_provider": services.settings.linkedin_provider,
        "uptime_seconds": round(time.monotonic() - request.app[STARTED_KEY], 1),
    }
    failing = [name for name, problem in (("database", db_problem), ("redis", redis_problem)) if problem]
    if failing:
        body["failing"] = failing
    return web.json_response(body, status=503 if failing else 200)


def build_web_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SERVICES_KEY] = services
    app[STARTED_KEY] = time.monotonic()
    logs.install(app)
    app.router.add_get("/healthz", healthz)
    if isinstance(services.metrics, metrics.PrometheusMetrics):
        metrics.register(app, services.metrics)
    app.on_cleanup.append(_finish_background)  # first: the surfaces close their clients after it
    for register in _surfaces():
        register(app, services)
    return app


async def _finish_background(_app: web.Application) -> None:
    """On shutdown (the site no longer accepts requests): the answers still owed after acks go out."""
    from bot.background import drain

    await drain()


def _surfaces():
    """Each surface's `register(app, services)`, in mounting order."""
    from bot.http import accounts, charts, legal, links, webhooks
    from bot.slack import register as register_slack
    from bot.teams import register as register_teams

    registrars = [register_slack, register_teams, links.register, webhooks.register, accounts.register, legal.register,
                  charts.register]
    # (each surface adds its import and registrar here)
    return registrars


def settle() -> None:
    """Once the web process has started: what it built (libraries, the app, its clients) lives as
    long as the process, so the garbage collector stops scanning it. Each full collection walked
    those ~180,000 objects, a pause of up to 80 ms in the middle of a burst of requests."""
    gc.collect()
    gc.freeze()
