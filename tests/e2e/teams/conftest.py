from __future__ import annotations

import pytest

from bot.web import build_web_app
from tests.e2e.teams.harness import TeamsHarness
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap


@pytest.fixture
def connector():
    with BotFrameworkConnectorSimulator() as sim:
        yield sim


@pytest.fixture
def ctx(settings, clock, db):
    return bootstrap(settings, clock=clock, engine=db, notifier=LoggingNotifier(), queue="none")


@pytest.fixture
async def teams(aiohttp_client, ctx, connector) -> TeamsHarness:
    client = await aiohttp_client(build_web_app(ctx))
    return TeamsHarness(client, connector)
