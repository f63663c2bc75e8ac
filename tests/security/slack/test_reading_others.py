"""Reading what is not one's own, over signed Slack requests: a modal's `private_metadata` is the
client's input, never a proof. Whoever forges it (a plain member of the same workspace, a Slack
user of the same team never seen before, an inactive member, a user of another workspace) to
name Bob's campaign, Bob's kept texts or Bob as the sender reads none of Bob's texts, private
sources or contacts, in the HTTP answer or in any message the bot posts, and writes nothing."""

from __future__ import annotations

import json

import pytest

from bot.conversation import kept_texts
from bot.slack.surface import drain
from core.campaigns.service import CampaignDraft, FollowupDraft, SlotDraft, create_campaign
from core.db import UnitOfWork
from core.sources.segments import create_finder, create_segment
from core.workspace.models import Member
from core.workspace.service import deactivate_member, ensure_member_for_chat
from tests.e2e.slack.conftest import OTHER_TEAM, TEAM, fill, wait_for
from tests.security.common import row_counts

# Bob's: his campaign's texts, his private segment and finder, and the contacts of his segment.
SECRETS = ("BOBSECRET", "Paris founders", "Bob private segment", "Bob private finder", "Maximilianus",
           "Vandenberghe", "Ann Lee", "Jo Park")
KEPT_KEY = "b0b" + "0" * 29  # Bob's kept texts (a form of his with languages on their own page)
ATTACKERS = ("carol", "dave", "frank", "eve")
REFUSALS = {"carol": "Only the campaign's sender or a workspace admin can edit", "frank": "inactive",
            "dave": "Only the campaign's sender or a workspace admin can edit", "eve": "No such campaign"}


def _bobs_campaign(ctx, world) -> int:
    """Bob's campaign with texts in every step, his private segment and finder beside it."""
    with UnitOfWork(ctx.engine)() as s:
        bob = s.get(Member, world.bob)
        create_segment(session=s, workspace_id=world.workspace_id, name="Bob private segment", owner_id=bob.id)
        create_finder(session=s, workspace_id=world.workspace_id, name="Bob private finder", owner_id=bob.id)
        draft = CampaignDraft(
            name="Bobs plan", program="Growth", sender_id=bob.id, source_kind="segment", source_id=world.segment_id,
            languages=["en"], invitation={"en": "BOBSECRET invitation {{firstName}}"},
            welcome={"en": "BOBSECRET welcome"}, followups=[FollowupDraft(3, {"en": "BOBSECRET follow-up"})],
            slots=[SlotDraft(weekday=0, start="09:00", end="11:00")])
        outcome = create_campaign(session=s, actor=bob, draft=draft, now=ctx.clock.now(),
                                  public_url=ctx.settings.public_url)
        assert outcome.ok, outcome.errors
        campaign_id = outcome.value.id
    kept_texts.keep(ctx.form_texts, world.bob, KEPT_KEY, texts={"messages.invitation.en": "BOBSECRET kept invitation"},
                    typed={"description": "BOBSECRET kept description"})
    return campaign_id


def _attackers(slack_sim, ctx, world) -> dict[str, tuple[str, str]]:
    """(Slack user, team) of each attacker. Dave is new to the bot: his first request is the attack."""
    slack_sim.add_user("UDAVE", TEAM, "Dave Newcomer", "dave@example.com")
    slack_sim.add_user("UFRANK", TEAM, "Frank Former", "frank@example.com")
    with UnitOfWork(ctx.engine)() as s:
        frank = ensure_member_for_chat(session=s, platform="slack", tenant=TEAM, external_user_id="UFRANK",
                                       name="Frank Former", email="frank@example.com")
        deactivate_member(session=s, workspace_id=world.workspace_id, member_id=frank.id)
        ensure_member_for_chat(session=s, platform="slack", tenant=OTHER_TEAM, external_user_id="UEVE",
                               name="Eve Elsewhere", email="eve@other.example", workspace_name="Other")
    return {"carol": ("UCAROL", TEAM), "dave": ("UDAVE", TEAM), "frank": ("UFRANK", TEAM), "eve": ("UEVE", OTHER_TEAM)}


async def _a_form(slack, slack_sim) -> dict:
    """A campaign modal as the bot draws it (Carol's own, opened by `create`), to forge from."""
    n = len(slack_sim.of("views.open"))
    await slack.command("create", user="UCAROL")
    await wait_for(lambda: len(slack_sim.of("views.open")) > n)
    return slack_sim.of("views.open")[-1].answer["view"]


LEFT_OUT = object()  # an input left out of what the client sends back


def _forged(view: dict, state: dict, values: dict, kind: str = "campaign") -> dict:
    """`view` sent back with what was typed and a private_metadata naming what the attacker wants."""
    forged = fill(view, {k: v for k, v in values.items() if v is not LEFT_OUT})
    for field, value in values.items():
        if value is LEFT_OUT:
            forged["state"]["values"].pop(field, None)
    forged["private_metadata"] = json.dumps({"k": kind, "s": state})
    return forged


def _said(slack_sim, answers: list) -> str:
    """Everything the attacker could read: the HTTP answers, every Web API call, every response_url post."""
    return json.dumps([answers, [c.args for c in slack_sim.calls], slack_sim.responses], ensure_ascii=False,
                      default=str)


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


def _new_user_rows(who: str) -> dict[str, int]:
    """Dave's first contact makes him a member (with his chat identity), and nothing else."""
    return {"member": 1, "chatidentity": 1} if who == "dave" else {}


@pytest.mark.parametrize("who", ATTACKERS)
async def test_forged_form_state_never_reads_another_members_campaign(slack, slack_sim, ctx, world, who):
    # Given Bob's campaign, his kept texts, and a campaign modal to forge from
    campaign_id = _bobs_campaign(ctx, world)
    user, team = _attackers(slack_sim, ctx, world)[who]
    view = await _a_form(slack, slack_sim)
    await drain()
    slack_sim.clear()
    before = row_counts(ctx.engine)
    # Their state names Bob's campaign (and Bob's kept texts); the texts are left out of what is sent
    bobs = {"campaign_id": campaign_id, "name": "Bobs plan", "languages": ["en"], "followups": 1}
    typed = {"name": (f"campaign:{campaign_id}", "Bobs plan"), "messages.invitation.en": LEFT_OUT,
             "messages.welcome.en": LEFT_OUT, "description": LEFT_OUT}
    states = [bobs, {**bobs, "texts": KEPT_KEY}, {"languages": ["en"], "texts": KEPT_KEY}]
    answers = []

    # When they press the form's buttons and change its dispatched inputs
    for state in states:
        forged = _forged(view, state, typed)
        answers.append(await (await slack.press("form.followup.add", view=forged, user=user, team=team)).text())
        answers.append(await (await slack.press("form.followup.remove", "0", view=forged, user=user, team=team)).text())
        answers.append(await (await slack.press("form.language.open", "en", view=forged, user=user, team=team)).text())
        for field in ("languages", "sender", "name"):
            changed = _forged(view, state, {**typed, "sender": (str(world.bob), "Bob Builder")})
            answers.append(await (await slack.change(changed, field, user=user, team=team)).text())
        # ... submit the form with an unreadable slot (the form is drawn again with the errors)
        bad = _forged(view, state, {**typed, "slots": "someday"})
        answers.append(await (await slack.submit(bad, user=user, team=team)).text())
        # ... or submit the page of a language's texts
        page = _forged(view, {**state, "language": "en"}, {}, kind="campaign_texts")
        answers.append(await (await slack.submit(page, user=user, team=team)).text())
    await drain()

    # Then nothing of Bob's shows anywhere, and nothing was written
    said = _said(slack_sim, answers)
    assert not [s for s in SECRETS if s in said], [s for s in SECRETS if s in said]
    assert _grown(before, row_counts(ctx.engine)) == _new_user_rows(who)
    # ... and they were told why
    assert REFUSALS[who] in said


@pytest.mark.parametrize("who", ATTACKERS)
async def test_the_source_type_ahead_offers_only_what_the_asker_may_pick(slack, slack_sim, ctx, world, who):
    # Given Bob's private sources, and Alice (an admin) who just looked at them as Bob's sources
    _bobs_campaign(ctx, world)
    user, team = _attackers(slack_sim, ctx, world)[who]
    view = await _a_form(slack, slack_sim)
    with UnitOfWork(ctx.engine)() as s:
        carols = create_segment(session=s, workspace_id=world.workspace_id, name="Carol own segment",
                                owner_id=world.carol)
        everyone = create_segment(session=s, workspace_id=world.workspace_id, name="Everyone segment", is_global=True)
        carols_id, everyones_id = carols.id, everyone.id
    as_bob = fill(view, {"sender": (str(world.bob), "Bob Builder")})
    admin = await (await slack.options(as_bob, "source", "", user="UALICE")).json()
    assert "Bob private segment" in json.dumps(admin) and "Paris founders" in json.dumps(admin)
    before = row_counts(ctx.engine)

    # When the attacker's form names Bob as the sender, and they type in the Source field
    answers = [await (await slack.options(as_bob, "source", typed, user=user, team=team)).json()
               for typed in ("", "Bob", "Paris", "private")]

    # Then no source is offered: none of Bob's, nor any she could pick (the core refuses Bob as her sender)
    said = json.dumps(answers, ensure_ascii=False)
    assert not [s for s in SECRETS if s in said], said
    assert all(answer in ({"options": []}, {"option_groups": []}) for answer in answers), said
    assert _grown(before, row_counts(ctx.engine)) == _new_user_rows(who)
    # ... while Carol's form naming herself offers what she may pick: her own segment and the global ones
    if who == "carol":
        as_herself = fill(view, {"sender": (str(world.carol), "Carol Client")})
        mine = await (await slack.options(as_herself, "source", "", user=user, team=team)).json()
        offered = {o["value"] for g in mine["option_groups"] for o in g["options"]}
        assert offered == {f"segment:{carols_id}", f"segment:{everyones_id}"}, mine


async def test_a_forged_source_is_not_named_back_in_the_redrawn_form(slack, slack_sim, ctx, world):
    # Given Bob's private segment, and Carol's own form
    _bobs_campaign(ctx, world)
    view = await _a_form(slack, slack_sim)
    await drain()
    slack_sim.clear()
    # When she picks it by its id (a value the type-ahead never offered her) and the form is redrawn
    forged = fill(view, {"source": (f"segment:{world.segment_id}", "a guess")})
    await slack.press("form.followup.add", view=forged, user="UCAROL")
    await slack.change(fill(view, {"source": (f"segment:{world.segment_id}", "a guess"),
                                   "sender": (str(world.bob), "Bob")}), "sender", user="UCAROL")
    await drain()
    # Then the redrawn form does not name it
    updates = slack_sim.of("views.update")
    assert len(updates) == 2
    said = _said(slack_sim, [])
    assert not [s for s in SECRETS if s in said], said


async def test_the_sender_and_an_admin_still_read_the_texts_to_edit_them(slack, slack_sim, ctx, world):
    # Given Bob's campaign
    campaign_id = _bobs_campaign(ctx, world)
    view = await _a_form(slack, slack_sim)
    await drain()
    state = {"campaign_id": campaign_id, "name": "Bobs plan", "languages": ["en"], "followups": 1}
    typed = {"name": (f"campaign:{campaign_id}", "Bobs plan"), "messages.invitation.en": LEFT_OUT}
    for user in ("UBOB", "UALICE"):
        slack_sim.clear()
        # When Bob, then Alice (an admin), add a follow-up to its edit form
        await slack.press("form.followup.add", view=_forged(view, state, typed), user=user)
        await drain()
        # Then the form comes back with its saved texts
        assert "BOBSECRET invitation" in json.dumps(slack_sim.last("views.update").args), user


@pytest.mark.parametrize("who", ATTACKERS)
async def test_another_members_campaign_shows_its_card_at_most(slack, slack_sim, ctx, world, who):
    # Given Bob's campaign, from his private segment
    campaign_id = _bobs_campaign(ctx, world)
    user, team = _attackers(slack_sim, ctx, world)[who]
    before = row_counts(ctx.engine)
    answers = []
    # When the attacker asks for it by name and by its buttons (show, edit, preview, the digest)
    for text in ("show Bobs plan", "edit Bobs plan", "preview Bobs plan", "digest Bobs plan", "list", "list all"):
        answers.append(await (await slack.command(text, user=user, team=team)).text())
    for action in ("campaign.show", "campaign.edit", "campaign.preview"):
        answers.append(await (await slack.press(action, str(campaign_id), user=user, team=team,
                                                message={"channel": "D0X", "ts": "1.1"})).text())
    # ... and opens the App Home
    await slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0X"}, team=team)
    await drain()
    said = _said(slack_sim, answers)
    # Then no text, source or contact of Bob's shows, no form opened, and nothing was written
    assert not [s for s in SECRETS if s in said], [s for s in SECRETS if s in said]
    assert not slack_sim.of("views.open")
    assert _grown(before, row_counts(ctx.engine)) == _new_user_rows(who)
    # ... a member of the workspace sees its card (without the buttons to manage it); nobody else does
    cards = [json.dumps(r) for r in slack_sim.responses if "Bobs plan" in json.dumps(r) and "Health" in json.dumps(r)]
    if who in ("carol", "dave"):
        assert cards and not [c for c in cards if "campaign.stop" in c or "campaign.edit" in c], cards
    else:
        assert not cards, cards
    [home] = slack_sim.of("views.publish")
    assert ("inactive" in json.dumps(home.args)) == (who == "frank")
    if who == "frank":
        assert "inactive" in json.dumps(slack_sim.responses)


@pytest.mark.parametrize("who", ATTACKERS)
async def test_the_name_and_sender_type_aheads_offer_only_what_the_asker_may_pick(slack, slack_sim, ctx, world, who):
    # Given Bob's campaign, and Alice (an admin) who just looked up every campaign and member
    _bobs_campaign(ctx, world)
    user, team = _attackers(slack_sim, ctx, world)[who]
    view = await _a_form(slack, slack_sim)
    admin = [await (await slack.options(view, field, "b", user="UALICE")).json() for field in ("name", "sender")]
    assert "campaign:" in json.dumps(admin[0]) and "Bob Builder" in json.dumps(admin[1])
    # When the attacker types in the Name and Sender fields
    names = await (await slack.options(view, "name", "b", user=user, team=team)).json()
    senders = await (await slack.options(view, "sender", "", user=user, team=team)).json()
    # Then Bob's campaign is not offered for editing, nor Bob as the sender: only what the core accepts
    assert "campaign:" not in json.dumps(names), names
    offered = [o["text"]["text"] for o in senders["options"]]
    expected = {"carol": ["Carol Client"], "dave": ["Dave Newcomer"], "eve": ["Eve Elsewhere"]}.get(who, [])
    assert offered == expected, offered
