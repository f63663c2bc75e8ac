"""The moderation digest in Teams, over HTTP: delivered proactively to the sender's personal chat,
then Skip / Restore / language / Edit through `adaptiveCard/action` invokes, each answering the
updated card (Universal Actions replace it in place); refusals for another member and after the
send was claimed shown on the card with nothing changed; `stop` leaves no planned send."""

from __future__ import annotations

import asyncio

from sqlalchemy import update
from sqlmodel import Session, select

from bot.teams import build_adapter
from bot.teams.notifier import TeamsNotifier
from core.db import UnitOfWork
from core.delivery.models import Send
from core.moderation.models import Digest
from core.moderation.digests import DELIVERED, deliver_digest
from core.delivery.planner import plan_due
from tests.cards import assert_valid_card, find_action, inputs, texts
from tests.e2e.teams.steps import sender_with_active_campaign

CARD = "application/vnd.microsoft.card.adaptive"


def _deliver(ctx, ada_id: int, campaign_id: int) -> int:
    """What the evening run does: plan tomorrow, then hand the digest to the Teams notifier."""
    notifier = TeamsNotifier(ctx.settings, ctx.uow, build_adapter(ctx.settings, proactive=True))
    with UnitOfWork(ctx.engine)() as s:
        [digest_id] = plan_due(session=s, now=ctx.clock.now(), settings=ctx.settings, campaign_ids=[campaign_id],
                               force_tomorrow=True).digests
    assert deliver_digest(uow=ctx.uow, digest_id=digest_id, notifier=notifier, clock=ctx.clock,
                          public_url=ctx.settings.public_url) == DELIVERED
    return digest_id


def _sends(ctx) -> dict[int, Send]:
    with Session(ctx.engine) as s:
        return {row.id: row for row in s.exec(select(Send).where(Send.step == "invitation")).all()}


def _first_entry_actions(card: dict) -> dict[str, dict]:
    """The actions of the first invitation of a digest card, by verb."""
    entry = next(node for node in card["body"] if node.get("type") == "Container")
    action_set = next(item for item in entry["items"] if item.get("type") == "ActionSet")
    return {a["verb"]: a for a in action_set["actions"]}


def _send_id(action: dict) -> int:
    return int(action["data"]["value"].split(":")[2])


def _updated_card(answer: dict) -> dict:
    assert answer["statusCode"] == 200 and answer["type"] == CARD, answer
    assert_valid_card(answer["value"])
    return answer["value"]


async def test_digest_is_delivered_and_decisions_update_the_card_in_place(teams, ctx):
    ada, _, ada_id, campaign_id = await sender_with_active_campaign(teams, ctx)
    teams.connector.clear()

    # The evening run sends the digest proactively into Ada's personal chat, refreshed for her
    digest_id = await asyncio.to_thread(_deliver, ctx, ada_id, campaign_id)
    [posted] = teams.connector.activities(ada.conversation_id, method="post")
    [card] = posted.cards
    assert_valid_card(card)
    assert "Tomorrow's invitations: Digest run" in texts(card)
    assert card["refresh"]["userIds"] == [ada.id]
    with Session(ctx.engine) as s:
        delivery = s.get(Digest, digest_id).delivery
    assert delivery["teams"]["activity_ids"] == [posted.activity_id]
    sends = _sends(ctx)
    assert len(sends) == 3 and {s.status for s in sends.values()} == {"planned"}

    # Opening it refreshes it for the sender: the current page
    refreshed = _updated_card(await teams.execute(ada, card["refresh"]["action"], reply_to=posted.activity_id))
    assert "Digest run" in " ".join(texts(refreshed))

    # Skip: the answer is the same card updated, the entry now offers Restore
    teams.connector.clear()
    skip = _first_entry_actions(card)["digest.skip"]
    send_id = _send_id(skip)
    card = _updated_card(await teams.execute(ada, skip, reply_to=posted.activity_id))
    assert _sends(ctx)[send_id].status == "skipped"
    assert "digest.restore" in _first_entry_actions(card)
    assert teams.connector.activities() == []  # replaced in place, nothing posted

    # Restore
    card = _updated_card(await teams.execute(ada, _first_entry_actions(card)["digest.restore"]))
    assert _sends(ctx)[send_id].status == "planned"

    # Language: the choice travels with the button, the invitation is re-rendered in French
    change = _first_entry_actions(card)["digest.language"]
    choice = change["data"]["input"]
    card = _updated_card(await teams.execute(ada, change, {**inputs(card), choice: "fr"}))
    assert _sends(ctx)[send_id].language == "fr" and _sends(ctx)[send_id].text.startswith("Bonjour")
    assert any(t.startswith("Bonjour") for t in texts(card))

    # Edit: the card becomes the edit form, prefilled; too long is refused on the field, nothing saved
    form = _updated_card(await teams.execute(ada, _first_entry_actions(card)["digest.edit"]))
    assert inputs(form)["text"].startswith("Bonjour")
    save = find_action(form, "Save")
    refused = _updated_card(await teams.execute(ada, save, {**inputs(form), "text": "x" * 400}))
    assert any("Too long" in t for t in texts(refused))
    assert _sends(ctx)[send_id].text.startswith("Bonjour") and not _sends(ctx)[send_id].edited
    # Fixed, it is saved and the card is the digest page again, showing the new text
    card = _updated_card(await teams.execute(ada, find_action(refused, "Save"),
                                             {**inputs(refused), "text": "Bonjour, ravi de vous lire."}))
    assert "Bonjour, ravi de vous lire." in texts(card)
    assert _sends(ctx)[send_id].text == "Bonjour, ravi de vous lire." and _sends(ctx)[send_id].edited
    assert teams.connector.activities() == []

    # Skip all of the page (confirmed first), then Restore all
    card = _updated_card(await teams.execute(ada, find_action(card, "Yes: Skip all")))
    assert {s.status for s in _sends(ctx).values()} == {"skipped"}
    card = _updated_card(await teams.execute(ada, find_action(card, "Restore all")))
    assert {s.status for s in _sends(ctx).values()} == {"planned"}

    # Stop: no invitation stays planned
    await teams.say(ada, "stop Digest run")
    assert "planned" not in {s.status for s in _sends(ctx).values()}


async def test_refusals_show_on_the_card_and_change_nothing(teams, ctx):
    ada, bob, ada_id, campaign_id = await sender_with_active_campaign(teams, ctx)
    await asyncio.to_thread(_deliver, ctx, ada_id, campaign_id)
    card = teams.connector.cards(ada.conversation_id)[-1]
    skip = _first_entry_actions(card)["digest.skip"]
    send_id = _send_id(skip)
    before = {i: (s.status, s.text, s.updated_at) for i, s in _sends(ctx).items()}
    teams.connector.clear()

    # Bob is of the workspace but neither the sender nor an admin: told why, shown no page of the
    # digest (its contacts and notes are the moderators' only), and nothing changes
    refused = await teams.execute(bob, skip)
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert "Only the sender" in refused["value"]
    assert (await teams.execute(bob, card["refresh"]["action"]))["type"] == "application/vnd.microsoft.activity.message"
    assert {i: (s.status, s.text, s.updated_at) for i, s in _sends(ctx).items()} == before

    # Someone of another tenant (another workspace) cannot even see the page
    eve = teams.user("Eve Outsider", tenant_id="tenant-2")
    answer = await teams.execute(eve, card["refresh"]["action"])
    assert answer["type"] == "application/vnd.microsoft.activity.message" and "No such digest" in answer["value"]

    # Once a worker claimed the send, even Ada's Skip changes nothing, and says why
    with UnitOfWork(ctx.engine)() as s:
        s.exec(update(Send).where(Send.id == send_id).values(status="claimed"))
    refused = _updated_card(await teams.execute(ada, skip))
    assert any("Too late" in t for t in texts(refused))
    assert _sends(ctx)[send_id].status == "claimed"
    assert teams.connector.activities() == []
