"""Only requests signed by Slack within the last five minutes reach a listener."""

import time

from tests.e2e.slack.conftest import sign


async def test_signed_command_is_acknowledged(slack, world):
    response = await slack.command("help", user="UBOB")
    assert response.status == 200


async def test_unsigned_request_is_refused(slack, world, slack_sim):
    response = await slack.command("list", signed=False)
    assert response.status == 401
    assert slack_sim.calls == []


async def test_forged_signature_is_refused(slack, world, slack_sim):
    forged = sign("something else entirely", int(time.time()))
    response = await slack.command("list", signature=forged)
    assert response.status == 401
    assert slack_sim.responses == []


async def test_signature_with_the_wrong_secret_is_refused(slack, world):
    ts = int(time.time())
    response = await slack.command("list", timestamp=ts, signature=sign("x", ts, secret="not-the-secret"))
    assert response.status == 401


async def test_five_minute_old_request_is_refused(slack, world, slack_sim):
    old = int(time.time()) - 5 * 60 - 1
    response = await slack.command("list", timestamp=old)  # correctly signed, but replayed late
    assert response.status == 401
    assert slack_sim.responses == []
