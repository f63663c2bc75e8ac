"""No secret and no message text in the logs, at DEBUG, libraries included: a Slack campaign
created with a distinctive invitation, a digest edited with a distinctive text, and the same over
Teams (emulator mode) on the same app."""

from __future__ import annotations

import json
import logging

from sqlmodel import select

from bot.slack.surface import drain
from core.campaigns.models import CampaignMessage
from core.db import UnitOfWork
from tests.e2e.slack.conftest import BOT_TOKEN, SIGNING_SECRET, fill, wait_for
from tests.e2e.teams.harness import TeamsHarness
from tests.cards import find_action
from tests.security.common import active_campaign_with_digest
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

INVITATION = "Zebracorn {{firstName}} quokka-7731 invitation"
EDITED = "Platypus {{firstName}} marmalade-4410 edit"
TEAMS_INVITATION = "Narwhal {{firstName}} teams-5521"
WELCOME = "Axolotl welcome-9902"


def _logged(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(repr(record.exc_info[1]))
        lines.append(str(getattr(record, "__dict__", "")))
    return "\n".join(lines)


def _secrets_in(text: str) -> list[str]:
    words = (BOT_TOKEN, SIGNING_SECRET, "Zebracorn", "quokka-7731", "Platypus", "marmalade-4410", "Narwhal",
             "teams-5521", "Axolotl", "welcome-9902")
    return [w for w in words if w in text]


async def test_slack_flows_log_no_secret_and_no_message_text(slack, slack_sim, ctx, world, caplog):
    caplog.set_level(logging.DEBUG)
    # A campaign created through the form
    await slack.command("create", user="UBOB")
    await wait_for(lambda: slack_sim.of("views.open"))
    view = slack_sim.of("views.open")[-1].answer["view"]
    values = {"name": ("new:Logged", "Logged"), "program": ("new:Growth", "Growth"), "messages.invitation.en": INVITATION,
              "messages.welcome.en": WELCOME, "source": (f"segment:{world.segment_id}", "Paris founders")}
    assert (await slack.submit(fill(view, {**values, "slots": "Funday"}))).status == 200  # refused first
    assert (await slack.submit(fill(view, values))).status == 200
    await drain()
    with UnitOfWork(ctx.engine)() as s:
        assert "Zebracorn" in s.exec(select(CampaignMessage.template)).first()  # the flow did run
    # A digest edited (refused once for a bad token, then saved)
    _, digest_id, sends = active_campaign_with_digest(ctx, world.bob, world.segment_id, "Logged digest")
    edit = {"id": "V9", "type": "modal", "callback_id": "form:digest_edit", "hash": "h", "blocks": [
        {"type": "input", "block_id": "text", "element": {"type": "plain_text_input", "action_id": "text@0"}}],
        "private_metadata": json.dumps({"k": "digest_edit", "s": {"digest_id": digest_id, "page": 0, "send_id": sends[0]}})}
    await slack.submit(fill(edit, {"text": EDITED + " {{nope}}"}))
    await slack.submit(fill(edit, {"text": EDITED}))
    await slack.press("digest.edit", f"{digest_id}:0:{sends[0]}", message={"channel": "D0BOB", "ts": "1.1"})
    await slack.event({"type": "message", "channel_type": "im", "user": "UBOB", "text": "show Logged"})
    await drain()
    assert caplog.records, "nothing was logged at all: the test would prove nothing"
    assert _secrets_in(_logged(caplog)) == []


async def test_teams_flows_log_no_message_text(aiohttp_client, ctx, world, caplog):
    from bot.web import build_web_app

    caplog.set_level(logging.DEBUG)
    with BotFrameworkConnectorSimulator() as connector:
        teams = TeamsHarness(await aiohttp_client(build_web_app(ctx)), connector)
        ada = teams.user("Ada Teams", email="ada@teams.example")
        await teams.say(ada, "connect")
        await teams.say(ada, "create")
        card = teams.last_card(ada)
        fetched = await teams.task_fetch(ada, find_action(card, "Open the form"))
        form = fetched["task"]["value"]["card"]["content"]
        submit = find_action(form, "Create")
        await teams.task_submit(ada, submit, {"name": "new:Teams logged", "program": "new:Growth",
                                              "messages.invitation.en": TEAMS_INVITATION, "messages.welcome.en": WELCOME})
        await teams.say(ada, "list")
    assert caplog.records
    assert _secrets_in(_logged(caplog)) == []
