"""The Slack e2e fixtures (real aiohttp app, signed requests, Web API simulator), reused."""

from tests.e2e.slack.conftest import ctx, slack, slack_settings, slack_sim, world  # noqa: F401
