"""`/metrics` on the web app: requests by route template (never the path), status and latency."""

from __future__ import annotations

import redis
from dramatiq.brokers.stub import StubBroker
from prometheus_client.parser import text_string_to_metric_families

from bot.web import build_web_app
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from worker.broker import DramatiqTasks


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_requests_are_counted_by_route_template(aiohttp_client, settings, db, redis_url):
    tasks = DramatiqTasks(StubBroker(), redis.Redis.from_url(redis_url))
    services = bootstrap(settings, engine=db, notifier=LoggingNotifier(), tasks=tasks)
    client = await aiohttp_client(build_web_app(services))
    for token in ("abc123", "def456"):
        await client.get(f"/l/{token}")
    await client.get("/healthz")
    await client.get("/no/such/path/9f8e7d")
    response = await client.get("/metrics")
    assert response.status == 200
    text = await response.text()
    found = samples(text)
    link_statuses = {dict(labels)["status"] for (name, labels), _ in found.items()
                     if name == "invitebot_http_requests_total" and dict(labels)["route"] == "/l/{token}"}
    assert len(link_statuses) == 1
    link = ("invitebot_http_requests_total",
            frozenset({"route": "/l/{token}", "method": "GET", "status": link_statuses.pop()}.items()))
    assert found[link] == 2
    assert found[("invitebot_http_requests_total",
                  frozenset({"route": "/healthz", "method": "GET", "status": "200"}.items()))] == 1
    assert found[("invitebot_http_requests_total",
                  frozenset({"route": "unmatched", "method": "GET", "status": "404"}.items()))] == 1
    assert found[("invitebot_http_request_duration_seconds_count",
                  frozenset({"route": "/l/{token}", "method": "GET"}.items()))] == 2
    for raw in ("abc123", "def456", "9f8e7d"):
        assert raw not in text
    # The domain series are there from the start (an alert on their rate needs them).
    assert ("invitebot_sends_total", frozenset({"outcome": "sent"}.items())) in found
    assert ("invitebot_caps_reached_total", frozenset({"cap": "daily_invitations"}.items())) in found
