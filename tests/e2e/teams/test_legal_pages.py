"""The privacy and terms pages the Teams manifest links to are served by the web app (200, HTML)."""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
from dramatiq.brokers.stub import StubBroker

from bot.teams.package import build_manifest
from bot.web import build_web_app
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from worker.broker import DramatiqTasks


async def test_the_manifest_links_answer(aiohttp_client, settings, db, redis_url):
    services = bootstrap(settings, engine=db, notifier=LoggingNotifier(),
                         tasks=DramatiqTasks(StubBroker(), redis.Redis.from_url(redis_url)))
    client = await aiohttp_client(build_web_app(services))
    developer = build_manifest(settings, bot_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301")["developer"]
    titles = []
    for key in ("privacyUrl", "termsOfUseUrl"):
        url = urlsplit(developer[key])
        assert f"{url.scheme}://{url.netloc}" == settings.public_url
        response = await client.get(url.path)
        assert response.status == 200 and response.content_type == "text/html"
        body = await response.text()
        titles.append(body.split("<title>")[1].split("</title>")[0])
    assert titles == ["invitebot: privacy", "invitebot: terms of use"]
