"""LOG_FORMAT=json: every line of a web request is a JSON object carrying the request's id, the
access log included, and no line prints a secret of the request (query string, headers, body)."""

from __future__ import annotations

import io
import json
import logging

import pytest
import redis
from aiohttp.test_utils import TestServer
from dramatiq.brokers.stub import StubBroker
from pydantic import SecretStr

from bot.logs import ACCESS_LOGGER, AccessLog
from bot.web import build_web_app
from core.notify import LoggingNotifier
from entrypoints import logs
from entrypoints.bootstrap import bootstrap
from worker.broker import DramatiqTasks

SECRETS = ("s3cr3t-webhook", "s1gn4ture-in-query", "b34rer-in-header", "t0ken-in-path", "b0dy-text")


@pytest.fixture
def json_lines(settings):
    """What the processes' JSON handler writes, for the time of the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(settings.model_copy(update={"log_format": "json"})))
    handler.addFilter(logs.LogIds())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_json_lines_carry_the_request_id_and_no_secret(aiohttp_client, settings, db, redis_url, json_lines):
    settings = settings.model_copy(update={"webhook_secret": SecretStr("s3cr3t-webhook")})
    services = bootstrap(settings, engine=db, notifier=LoggingNotifier(),
                         tasks=DramatiqTasks(StubBroker(), redis.Redis.from_url(redis_url)))
    server = TestServer(build_web_app(services))
    await server.start_server(access_log_class=AccessLog, access_log=ACCESS_LOGGER)  # as `invitebot web` runs it
    client = await aiohttp_client(server)
    start_up = json_lines.getvalue()
    assert start_up and all(json.loads(line) for line in start_up.splitlines())
    json_lines.seek(0)
    json_lines.truncate()  # from here on, every line is written for a request
    refused = await client.post("/webhooks/linkedin?sig=s1gn4ture-in-query", data=b"not json b0dy-text",
                                headers={"X-Invitebot-Secret": "s3cr3t-webhook",
                                         "Authorization": "Bearer b34rer-in-header"})
    assert refused.status == 400
    link = await client.get("/l/t0ken-in-path?sig=s1gn4ture-in-query", allow_redirects=False,
                            headers={"Authorization": "Bearer b34rer-in-header", "X-Request-Id": "given-id-1"})
    assert link.headers["X-Request-Id"] == "given-id-1"
    text = json_lines.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    access = [line for line in lines if line["logger"] == "aiohttp.access"]
    assert len(access) == 2
    assert {line["request_id"] for line in access} == {refused.headers["X-Request-Id"], "given-id-1"}
    assert any(line["message"] == "webhook refused: the body is not JSON" for line in lines)
    assert all(line.get("request_id") for line in lines), lines
    assert any("/l/{token}" in line["message"] for line in access)
    for secret in SECRETS:
        assert secret not in text
