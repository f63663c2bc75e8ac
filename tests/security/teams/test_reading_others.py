"""Reading what is not one's own, over Teams activities: a card's hidden inputs and a dialog's data
are whatever the client sends. Whoever forges them (a plain member of the same tenant, a Teams
user of the tenant never seen before, an inactive member, a user of another tenant) to name Bob's
campaign, Bob's kept texts or Bob as the sender reads none of Bob's texts, private sources or
contacts, in the invoke's answer or in any activity the bot sends, and writes nothing."""

from __future__ import annotations

import json

import pytest

from bot.conversation import kept_texts
from core.campaigns.service import CampaignDraft, FollowupDraft, SlotDraft
from core.db import UnitOfWork
from core.sources.segments import create_finder, create_segment
from core.workspace.service import deactivate_member
from tests import factories as f
from tests.cards import find_action, inputs
from tests.security.common import campaign_rows, row_counts

SECRETS = ("BOBSECRET", "Paris founders", "Bob private segment", "Bob private finder", "Zenobia", "Hiddenfield")
KEPT_KEY = "b0b" + "0" * 29
ATTACKERS = ("carol", "dave", "frank", "eve")
REFUSALS = {"carol": "Only the campaign's sender or a workspace admin can edit", "frank": "inactive",
            "dave": "Only the campaign's sender or a workspace admin can edit", "eve": "No such campaign"}
FORM_VERBS = (("form.followup.add", ""), ("form.followup.remove", "0"), ("form.language.open", "en"),
              ("form.changed", "sender"), ("form.changed", "languages"), ("form.changed", "name"),
              ("form.page", "0"), ("form.submit", ""))


class Tenant:
    """Tenant 1: Ada (first, so admin), Bob (a member with a campaign and private sources), Carol (a
    member), Frank (inactive); Dave of the same tenant has never talked to the bot; Eve is of tenant 2."""

    def __init__(self, teams, ctx) -> None:
        self.users = {name: teams.user(full, email=f"{name}@one.example") for name, full in (
            ("ada", "Ada Admin"), ("bob", "Bob Builder"), ("carol", "Carol Client"), ("frank", "Frank Former"),
            ("dave", "Dave Newcomer"))}
        self.users["eve"] = teams.user("Eve Elsewhere", email="eve@two.example", tenant_id="tenant-2")
        with UnitOfWork(ctx.engine)() as s:
            members = {name: f.chat_member(s, "teams", user.tenant_id, user.aad_object_id, user.name, f"{name}@x.example")
                       for name in ("ada", "bob", "carol", "frank", "eve") for user in [self.users[name]]}
            self.ids = ids = {name: member.id for name, member in members.items()}
            bob = members["bob"]
            workspace_id = bob.workspace_id
            deactivate_member(session=s, workspace_id=workspace_id, member_id=ids["frank"])
            f.connect(s, bob, account_key="sbx-bob")
            zenobia = f.contact(s, workspace_id, "z0", language="en", first_name="Zenobia", last_name="Hiddenfield",
                                headline="CEO", company="Z")
            segment = f.segment(s, workspace_id, [zenobia], owner=bob, name="Paris founders")
            create_segment(session=s, workspace_id=workspace_id, name="Bob private segment", owner_id=bob.id)
            create_finder(session=s, workspace_id=workspace_id, name="Bob private finder", owner_id=bob.id)
            draft = CampaignDraft(
                name="Bobs plan", program="Growth", sender_id=bob.id, source_kind="segment", source_id=segment.id,
                languages=["en"], invitation={"en": "BOBSECRET invitation {{firstName}}"},
                welcome={"en": "BOBSECRET welcome"}, followups=[FollowupDraft(3, {"en": "BOBSECRET follow-up"})],
                slots=[SlotDraft(weekday=0, start="09:00", end="11:00")])
            self.campaign_id = f.save_campaign(s, bob, draft, now=ctx.clock.now()).id
            self.segment_id = segment.id
        kept_texts.keep(ctx.form_texts, ids["bob"], KEPT_KEY, texts={"messages.invitation.en": "BOBSECRET kept invitation"},
                        typed={"description": "BOBSECRET kept description"})


def _card_of(answer: dict) -> dict:
    return answer["task"]["value"]["card"]["content"]


async def _a_form(teams, user) -> dict:
    """A campaign form card as the bot draws it (the user's own, from `create`)."""
    await teams.say(user, "create")
    launcher = next(c for c in reversed(teams.cards(user)) if "Open the form" in json.dumps(c))
    return _card_of(await teams.task_fetch(user, find_action(launcher, "Open the form")))


def _forged(card: dict, state: dict, **typed) -> dict:
    """The card's inputs sent back with the texts left out, and a hidden form input naming Bob's things."""
    form = json.loads(inputs(card)["_form"])
    form["state"] = state
    sent = {k: v for k, v in inputs(card).items() if not k.startswith("messages.") and k != "description"}
    return {**sent, **typed, "_form": json.dumps(form)}


def _said(connector, answers: list) -> str:
    return json.dumps([answers, [a.body for a in connector.activities()]], ensure_ascii=False, default=str)


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


@pytest.mark.parametrize("who", ATTACKERS)
async def test_forged_card_data_never_reads_another_members_campaign(teams, ctx, connector, who):
    # Given Bob's campaign and kept texts, and a form card to forge from (Carol's own)
    tenant = Tenant(teams, ctx)
    card = await _a_form(teams, tenant.users["carol"])
    user = tenant.users[who]
    connector.clear()
    before, campaigns = row_counts(ctx.engine), campaign_rows(ctx.engine)
    bobs = {"campaign_id": tenant.campaign_id, "name": "Bobs plan", "languages": ["en"], "followups": 1}
    states = [bobs, {**bobs, "texts": KEPT_KEY}, {"languages": ["en"], "texts": KEPT_KEY}]
    typed = {"name": f"campaign:{tenant.campaign_id}", "sender": str(tenant.ids["bob"]), "slots": "someday"}
    answers = []

    # When they act on the form, in place (Action.Execute) and in a dialog (task/submit)
    for state in states:
        data = _forged(card, state, **typed)
        for verb, value in FORM_VERBS:
            execute = {"action": {"type": "Action.Execute", "verb": verb, "data": {**data, "value": value}},
                       "trigger": "manual"}
            answers.append(await teams.invoke(user, "adaptiveCard/action", execute))
            answers.append(await teams.invoke(user, "task/submit", {"data": {**data, "action": verb, "value": value}}))
        page = _forged(card, {**state, "language": "en"})
        page["_form"] = json.dumps({**json.loads(page["_form"]), "kind": "campaign_texts"})
        answers.append(await teams.invoke(user, "task/submit", {"data": {**page, "action": "form.submit"}}))
    # ... and open dialogs and buttons naming Bob's campaign
    for action in ("campaign.edit", "campaign.preview", "form.followup.add"):
        answers.append(await teams.invoke(user, "task/fetch", {"data": {"launch": {
            "action": action, "value": str(tenant.campaign_id)}}}))

    # Then nothing of Bob's shows anywhere, and nothing was written
    said = _said(connector, answers)
    assert not [s for s in SECRETS if s in said], [s for s in SECRETS if s in said]
    assert _grown(before, row_counts(ctx.engine)) == ({"member": 1, "chatidentity": 1} if who == "dave" else {})
    assert campaign_rows(ctx.engine) == campaigns
    assert REFUSALS[who] in said


@pytest.mark.parametrize("who", ATTACKERS)
async def test_the_source_search_offers_only_what_the_asker_may_pick(teams, ctx, connector, who):
    # Given Bob's private sources, just searched by Ada (an admin) as Bob's sources
    tenant = Tenant(teams, ctx)
    bob = str(tenant.ids["bob"])
    assert "Bob private segment" in json.dumps(await teams.search(tenant.users["ada"], "source", "", {"sender": bob}))
    card = await _a_form(teams, tenant.users["carol"])
    before = row_counts(ctx.engine)
    user = tenant.users[who]

    # When the attacker searches sources with Bob as the card's sender, or redraws the card with him
    answers = [await teams.search(user, "source", typed, {"sender": bob}) for typed in ("", "Bob", "Paris")]
    data = _forged(card, {"languages": ["en"]}, sender=bob, name="new:Mine")
    answers.append(await teams.invoke(user, "adaptiveCard/action", {
        "action": {"type": "Action.Execute", "verb": "form.changed", "data": {**data, "value": "sender"}},
        "trigger": "manual"}))
    answers.append(await teams.invoke(user, "task/submit", {"data": {**data, "action": "form.changed",
                                                                     "value": "sender"}}))
    # ... or picks Bob's segment by its id
    data = _forged(card, {"languages": ["en"]}, source=f"segment:{tenant.segment_id}", name="new:Mine")
    answers.append(await teams.invoke(user, "task/submit", {"data": {**data, "action": "form.followup.add"}}))

    # Then none of Bob's sources is named
    said = _said(connector, answers)
    assert not [s for s in SECRETS if s in said], [s for s in SECRETS if s in said]
    assert _grown(before, row_counts(ctx.engine)) == ({"member": 1, "chatidentity": 1} if who == "dave" else {})


async def test_the_sender_and_an_admin_still_read_the_texts_to_edit_them(teams, ctx, connector):
    tenant = Tenant(teams, ctx)
    card = await _a_form(teams, tenant.users["carol"])
    state = {"campaign_id": tenant.campaign_id, "name": "Bobs plan", "languages": ["en"], "followups": 1}
    for who in ("bob", "ada"):
        data = _forged(card, state, name=f"campaign:{tenant.campaign_id}")
        answer = await teams.invoke(tenant.users[who], "task/submit", {"data": {**data, "action": "form.followup.add"}})
        assert "BOBSECRET invitation" in json.dumps(answer), who


@pytest.mark.parametrize("who", ATTACKERS)
async def test_the_name_and_sender_searches_offer_only_what_the_asker_may_pick(teams, ctx, connector, who):
    # Given Bob's campaign, and Ada (an admin) who just searched every campaign and member
    tenant = Tenant(teams, ctx)
    ada = tenant.users["ada"]
    assert any(r["value"].startswith("campaign:") for r in await teams.search(ada, "campaign_name", "b"))
    assert "Bob Builder" in json.dumps(await teams.search(ada, "sender", ""))
    # When the attacker searches names and senders
    user = tenant.users[who]
    names = await teams.search(user, "campaign_name", "b")
    senders = await teams.search(user, "sender", "")
    # Then Bob's campaign is not offered for editing, nor Bob as the sender
    assert not [r for r in names if r["value"].startswith("campaign:")], names
    expected = {"carol": ["Carol Client"], "dave": ["Dave Newcomer"], "eve": ["Eve Elsewhere"]}.get(who, [])
    assert [r["title"] for r in senders] == expected, senders
