"""Microsoft Teams: the Bot Framework endpoint, cards, proactive notifier and app package.

`register(app, services)` mounts `POST /api/messages` on the one aiohttp app. Teams is always on:
without `MicrosoftAppId` it answers the Bot Framework Emulator (said at start-up)."""

from __future__ import annotations

import logging

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from bot.teams.auth import build_authentication, emulator_mode
from bot.teams.bot import InviteBot
from bot.teams.clients import CachingAuthentication, ClientCache
from bot.teams.route import MessagesEndpoint, on_turn_error
from core.config import Settings
from core.services import Services

def build_adapter(settings: Settings, *, proactive: bool = False) -> CloudAdapter:
    """The Bot Framework adapter. A proactive one (the notifier's) lets errors through to its
    caller, which retries on 429; the endpoint's answers the user instead."""
    adapter = CloudAdapter(build_authentication(settings, endpoints=settings.bot_framework_endpoints or None,
                                                announce=not proactive))
    if not proactive:
        adapter.on_turn_error = on_turn_error
    return adapter


def register(app: web.Application, services: Services) -> None:
    # msrest warns of every key of an activity its models do not know, naming it: what a client
    # put in its body reaches the log. Its errors still show.
    logging.getLogger("msrest.serialization").setLevel(logging.ERROR)
    adapter = build_adapter(services.settings)
    # The endpoint's replies reuse their connector clients (one event loop: the app's); the
    # proactive adapter runs each send on its own loop and keeps botbuilder's per-call clients.
    clients = ClientCache()
    adapter.bot_framework_authentication = CachingAuthentication(adapter.bot_framework_authentication, clients)

    async def close_clients(_app: web.Application) -> None:
        await clients.close()

    app.on_cleanup.append(close_clients)
    app.router.add_post("/api/messages",
                        MessagesEndpoint(adapter, InviteBot(services), local_only=emulator_mode(services.settings),
                                         metrics=services.metrics))
