"""The moderation digest in Slack: built on demand, posted in pages, each decision updating the
message in place; refusals for other people and after the claim; the notifier's DMs and alerts."""

import asyncio
import json

from sqlalchemy import update

from bot.slack.notifier import SlackNotifier
from core.db import UnitOfWork
from core.delivery.models import Send
from core.moderation.decisions import build_digest_now
from core.notify import Alert, DigestOutcome
from core.workspace.models import Member
from tests.e2e.slack.conftest import wait_for
from tests.e2e.slack.steps import active_campaign

MESSAGE = {"channel": "D0BOB", "ts": "1700000099.000100"}


async def digest_message(slack, slack_sim):
    before = len(slack_sim.of("chat.postMessage"))
    await slack.command("digest digest run")
    await wait_for(lambda: len(slack_sim.of("chat.postMessage")) > before)
    return slack_sim.of("chat.postMessage")[-1].args


def entry_buttons(blocks):
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" and b.get("block_id", "").startswith("decide.")
            for e in b["elements"]}


def first_entry(blocks):
    actions = next(b for b in blocks if b["type"] == "actions" and b.get("block_id", "").startswith("decide."))
    return {e["action_id"]: e for e in actions["elements"]}


def statuses(ctx):
    with UnitOfWork(ctx.engine)() as s:
        return {row.id: row.status for row in s.exec(Send.__table__.select()).all()}


async def updated(slack_sim, before):
    await wait_for(lambda: len(slack_sim.of("chat.update")) > before)
    return slack_sim.of("chat.update")[-1].args


async def test_digest_decisions_update_the_message_in_place(slack, slack_sim, world, ctx):
    active_campaign(ctx, world)
    posted = await digest_message(slack, slack_sim)
    assert posted["channel"] == "UBOB" and len(posted["blocks"]) <= 50
    assert "Tomorrow's invitations: Digest run" in json.dumps(posted["blocks"])
    entry = first_entry(posted["blocks"])
    send_id = int(entry["digest.skip"]["value"].split(":")[2])

    # Skip: the same message changes, the entry now offers Restore
    n = len(slack_sim.of("chat.update"))
    await slack.press("digest.skip", entry["digest.skip"]["value"], message=MESSAGE)
    changed = await updated(slack_sim, n)
    assert (changed["channel"], changed["ts"]) == (MESSAGE["channel"], MESSAGE["ts"])
    assert statuses(ctx)[send_id] == "skipped"
    assert "digest.restore" in first_entry(changed["blocks"])

    # Restore
    n = len(slack_sim.of("chat.update"))
    await slack.press("digest.restore", first_entry(changed["blocks"])["digest.restore"]["value"], message=MESSAGE)
    changed = await updated(slack_sim, n)
    assert statuses(ctx)[send_id] == "planned"

    # Language: switch to French
    select = first_entry(changed["blocks"])["digest.language"]
    french = next(o["value"] for o in select["options"] if o["value"].endswith(":fr"))
    n = len(slack_sim.of("chat.update"))
    await slack.press("digest.language", selected=french, message=MESSAGE)
    changed = await updated(slack_sim, n)
    assert "Bonjour" in json.dumps(changed["blocks"])

    # Edit: a modal prefilled with the text; too long is refused on the field, then saved
    opened = len(slack_sim.of("views.open"))
    await slack.press("digest.edit", first_entry(changed["blocks"])["digest.edit"]["value"], message=MESSAGE)
    await wait_for(lambda: len(slack_sim.of("views.open")) > opened)
    view = slack_sim.of("views.open")[-1].answer["view"]
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "text")
    assert "Bonjour" in text_block["element"]["initial_value"]
    aid = text_block["element"]["action_id"]
    too_long = {**view, "state": {"values": {"text": {aid: {"type": "plain_text_input", "value": "x" * 400}}}}}
    answer = await (await slack.submit(too_long)).json()
    assert answer["response_action"] == "errors" and "text" in answer["errors"]
    n = len(slack_sim.of("chat.update"))
    fine = {**view, "state": {"values": {"text": {aid: {"type": "plain_text_input", "value": "Bonjour, ravi de vous lire."}}}}}
    response = await slack.submit(fine)
    assert response.status == 200
    changed = await updated(slack_sim, n)
    assert (changed["channel"], changed["ts"]) == (MESSAGE["channel"], MESSAGE["ts"])
    assert "ravi de vous lire" in json.dumps(changed["blocks"])

    # Skip all / Restore all of the page
    page_buttons = {e["action_id"]: e for b in changed["blocks"] if b.get("block_id", "").startswith("page.") for e in b["elements"]}
    n = len(slack_sim.of("chat.update"))
    await slack.press("digest.skip_all", page_buttons["digest.skip_all"]["value"], message=MESSAGE)
    await updated(slack_sim, n)
    assert set(statuses(ctx).values()) == {"skipped"}
    n = len(slack_sim.of("chat.update"))
    await slack.press("digest.restore_all", page_buttons["digest.restore_all"]["value"], message=MESSAGE)
    await updated(slack_sim, n)
    assert set(statuses(ctx).values()) == {"planned"}


async def test_others_and_claimed_sends_are_refused_without_change(slack, slack_sim, world, ctx):
    active_campaign(ctx, world)
    posted = await digest_message(slack, slack_sim)
    value = first_entry(posted["blocks"])["digest.skip"]["value"]
    send_id = int(value.split(":")[2])
    updates = len(slack_sim.of("chat.update"))

    # Carol is of the workspace but neither the sender nor an admin
    slack_sim.responses.clear()
    await slack.press("digest.skip", value, user="UCAROL", message=MESSAGE)
    await wait_for(lambda: slack_sim.responses)
    assert slack_sim.responses[-1]["response_type"] == "ephemeral"
    assert "sender" in json.dumps(slack_sim.responses[-1])
    assert statuses(ctx)[send_id] == "planned"

    # Once the worker claimed the send, even Bob's Skip changes nothing
    with UnitOfWork(ctx.engine)() as s:
        s.exec(update(Send).where(Send.id == send_id).values(status="claimed"))
    slack_sim.responses.clear()
    await slack.press("digest.skip", value, message=MESSAGE)
    await wait_for(lambda: slack_sim.responses)
    assert statuses(ctx)[send_id] == "claimed"
    assert len(slack_sim.of("chat.update")) == updates


async def test_notifier_sends_digest_pages_and_alerts_as_direct_messages(slack, slack_sim, world, ctx):
    campaign_id = active_campaign(ctx, world)
    with UnitOfWork(ctx.engine)() as s:
        view = build_digest_now(session=s, actor=s.get(Member, world.bob), campaign_id=campaign_id,
                                now=ctx.clock.now(), settings=ctx.settings)
    notifier = SlackNotifier(ctx.settings, ctx.uow)
    result = await asyncio.to_thread(notifier.send_digest, view)
    assert result.outcome == DigestOutcome.DELIVERED
    assert result.refs["slack"] and result.refs["slack"][0]["channel"] == "DBOB"
    assert slack_sim.last("chat.postMessage").args["channel"] == "UBOB"

    await asyncio.to_thread(notifier.send_alert, Alert(
        workspace_id=world.workspace_id, member_id=world.bob, kind="account_disconnected",
        title="Your LinkedIn account is disconnected", text="Invitations are paused.",
        action_hint="Reconnect it with /invite-campaign connect.", campaign_id=campaign_id))
    alert = slack_sim.last("chat.postMessage").args
    assert "Reconnect" in json.dumps(alert["blocks"]) and alert["channel"] == "UBOB"


async def test_the_worker_delivers_a_digest_to_slack_and_records_where(slack, slack_sim, world, ctx):
    """The evening run: tomorrow planned, then the worker's attempt posts the digest (outside any
    transaction: the notifier's own lookups never wait for a writer) and records where it went."""
    from core.moderation.digests import DELIVERED, deliver_digest
    from core.moderation.models import Digest
    from core.delivery.planner import plan_due

    campaign_id = active_campaign(ctx, world)
    with UnitOfWork(ctx.engine)() as s:
        [digest_id] = plan_due(session=s, now=ctx.clock.now(), settings=ctx.settings, campaign_ids=[campaign_id],
                               force_tomorrow=True).digests

    def deliver():
        return deliver_digest(uow=ctx.uow, digest_id=digest_id, notifier=SlackNotifier(ctx.settings, ctx.uow),
                              clock=ctx.clock)

    assert await asyncio.to_thread(deliver) == DELIVERED
    assert slack_sim.last("chat.postMessage").args["channel"] == "UBOB"
    with UnitOfWork(ctx.engine)() as s:
        digest = s.get(Digest, digest_id)
        assert digest.delivered_at == ctx.clock.now() and digest.delivery["slack"][0]["channel"] == "DBOB"
