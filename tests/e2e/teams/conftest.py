from __future__ import annotations

import pytest

from bot.web import build_web_app
from tests.e2e.teams.harness import TeamsHarness
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator
from worker.context import build_context


@pytest.fixture
def connector():
    with BotFrameworkConnectorSimulator() as sim:
        yield sim


@pytest.fixture
def ctx(settings, clock, db):
    return build_context(settings, clock=clock, engine=db)


@pytest.fixture
async def teams(aiohttp_client, ctx, connector) -> TeamsHarness:
    client = await aiohttp_client(build_web_app(ctx))
    return TeamsHarness(client, connector)
