"""The `invitebot` command: core commands (database, workspace, contacts, demo seed) and the
process commands (serve, web, worker, clock, demo, teams package). Each process builds its
context here, once, from the settings."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

import typer

app = typer.Typer(help="invitebot: LinkedIn invitation campaigns from Slack and Microsoft Teams.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
log = logging.getLogger("invitebot")


def _logging(settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Libraries that narrate every step at INFO: their warnings are enough.
    for noisy in ("alembic", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _settings():
    from core.config import Settings

    return Settings()


def _context(settings):
    from core.db import upgrade
    from worker.context import build_context

    # The embedded run keeps its SQLite file current; production runs `release: invitebot db upgrade`.
    if not settings.database_url:
        upgrade(settings.effective_database_url)
    return build_context(settings, chat=True)


def _announce_surfaces(settings) -> None:
    log.info("web: listening on http://%s:%s (health at /healthz)", settings.host, settings.port)
    log.info("linkedin provider: %s%s", settings.linkedin_provider,
             " (simulated network: nobody is contacted)" if settings.linkedin_provider == "sandbox" else "")
    # Slack and Teams each say at registration whether they are on and what enabling them needs.


async def _serve_web(ctx, stop: threading.Event) -> None:
    from aiohttp import web

    from bot.web import build_web_app, settle

    runner = web.AppRunner(build_web_app(ctx), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, ctx.settings.host, ctx.settings.port)
    await site.start()
    settle()
    socket_mode = None
    try:
        if ctx.settings.slack_app_token and ctx.settings.slack_bot_token:
            from bot.slack import start_socket_mode

            socket_mode = await start_socket_mode(ctx)
        while not stop.is_set():
            await asyncio.sleep(0.5)
    finally:
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()  # stops accepting requests, then drains the work after acks
        if socket_mode is not None:
            from bot.slack.app import close_http_session

            await close_http_session(socket_mode.app)


def _run_until_signal(main) -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    main(stop)


@app.command()
def serve() -> None:
    """Web + worker + clock in one process (the embedded default of `make run`)."""
    settings = _settings()
    _logging(settings)
    ctx = _context(settings)
    from worker.broker import setup_broker
    from worker.commands import run_embedded

    setup_broker(ctx)
    _announce_surfaces(settings)
    log.info("worker and clock: running in this process")

    def main(stop):
        background = run_embedded(ctx, stop)
        try:
            asyncio.run(_serve_web(ctx, stop))
        finally:
            stop.set()
            if background is not None:
                background.join(timeout=10)

    _run_until_signal(main)


@app.command()
def web() -> None:
    """The web process alone: Slack, Teams, tracked links, provider webhooks, health."""
    settings = _settings()
    _logging(settings)
    ctx = _context(settings)
    from worker.broker import setup_broker

    setup_broker(ctx)  # the web process enqueues webhook processing
    _announce_surfaces(settings)
    _run_until_signal(lambda stop: asyncio.run(_serve_web(ctx, stop)))


def main() -> None:
    from core.cli import register as register_core

    register_core(app)
    try:
        from worker.commands import register as register_worker
    except ImportError:  # the delivery commands are optional while they are being built
        register_worker = None
    if register_worker:
        register_worker(app)
    from worker.linkedin_cli import app as linkedin_app

    app.add_typer(linkedin_app, name="linkedin", help="The LinkedIn provider: webhooks and connected accounts.")
    try:
        from bot.teams.cli import app as teams_app
    except ImportError:
        teams_app = None
    if teams_app is not None:
        app.add_typer(teams_app, name="teams", help="Microsoft Teams app package.")
    app()
