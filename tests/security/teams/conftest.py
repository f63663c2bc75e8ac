"""The Teams e2e fixtures (real aiohttp app, connector simulator), reused."""

from tests.e2e.teams.conftest import connector, ctx, teams  # noqa: F401
