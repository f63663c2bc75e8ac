"""The acks of Slack and Teams requests are timed by surface and kind (`/metrics`)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import PrometheusMetrics
from bot.web import build_web_app
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from tests.e2e.slack.conftest import SlackRequests
from tests.e2e.teams.harness import TeamsHarness


def acks(text: str, surface: str, kind: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "invitebot_interaction_ack_seconds_count"
               and s.labels == {"surface": surface, "kind": kind})


async def test_slack_and_teams_acks_are_timed_by_kind(aiohttp_client, slack_settings, db, clock, slack_sim):
    from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

    services = bootstrap(slack_settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none",
                         metrics=PrometheusMetrics())
    client = await aiohttp_client(build_web_app(services))
    slack = SlackRequests(client, slack_sim)
    assert (await slack.command("help")).status == 200
    assert (await slack.event({"type": "app_home_opened", "user": "UBOB", "tab": "home"})).status == 200
    with BotFrameworkConnectorSimulator() as connector:
        teams = TeamsHarness(client, connector)
        await teams.say(teams.user("Tess Teams", email="tess@example.com"), "help")
    found = await (await client.get("/metrics")).text()
    assert acks(found, "slack", "command") == 1
    assert acks(found, "slack", "event_callback") == 1
    assert acks(found, "teams", "message") == 1
