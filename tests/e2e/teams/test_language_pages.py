"""A campaign in more languages than the form has room for, in a Teams dialog: each other
language's texts are written on a card of their own, and saved with the campaign. Every card
validates against Adaptive Cards 1.5 and stays under 28 KB."""

from __future__ import annotations

from sqlmodel import Session, select

from core.campaigns.models import Campaign
from core.campaigns.service import campaign_draft
from core.workspace.models import Member
from tests.cards import assert_valid_card, find_action, inputs, texts, walk
from tests.e2e.teams.steps import connected_admin

LANGS = ["en", "fr", "de", "es", "it", "nl", "pt", "pl"]


def card_of(answer: dict) -> dict:
    card = answer["task"]["value"]["card"]["content"]
    assert_valid_card(card)
    return card


def written(card: dict, label: str) -> dict:
    """A text for every message input of the card."""
    return {e["id"]: f"{label} {e['id']} {{{{firstName}}}}" for e in walk(card)
            if e.get("type") == "Input.Text" and e.get("id", "").startswith("messages.")}


async def every_page(teams, user, form: dict) -> list[dict]:
    """The pages of a form too big for one card, from the first, following its Next buttons."""
    cards = [form]
    while True:
        following = [a for a in walk(cards[-1]) if a.get("data", {}).get("action") == "form.page"
                     and a["data"].get("value") == str(len(cards))]
        if not following:
            return cards
        cards.append(card_of(await teams.task_submit(user, following[0], inputs(cards[-1]))))


async def test_languages_beyond_the_form_are_written_on_their_own_card_and_saved(teams, db):
    ada, identity, segment_id = await connected_admin(teams, db)
    await teams.say(ada, "create")
    form = card_of(await teams.task_fetch(ada, find_action(teams.last_card(ada), "Open the form")))
    typed = {"name": "new:Polyglot", "program": "new:Growth", "source": f"segment:{segment_id}",
             "languages": ",".join(LANGS)}
    form = card_of(await teams.task_submit(ada, find_action(form, "Apply languages"), {**inputs(form), **typed}))
    for _ in range(10):
        form = card_of(await teams.task_submit(ada, find_action(form, verb="form.followup.add"), inputs(form)))
    opens = [a for a in walk(form) if a.get("data", {}).get("action") == "form.language.open"]
    assert opens, "eight languages and ten follow-ups leave some languages to their own card"

    for action in opens:
        lang = action["data"]["value"]
        form_values = {**inputs(form), **written(form, "F")}
        page = card_of(await teams.task_submit(ada, action, form_values))
        assert {e["id"] for e in walk(page) if e.get("type") == "Input.Text" and e["id"].startswith("messages.")} \
            == {f"messages.invitation.{lang}", f"messages.welcome.{lang}"} | {f"messages.followup.{n}.{lang}" for n in range(1, 11)}
        form = card_of(await teams.task_submit(ada, find_action(page, verb="form.submit"),
                                               {**inputs(page), **written(page, "P")}))
        shown = [t for card in await every_page(teams, ada, form) for t in texts(card) + [a.get("title", "") for a in walk(card)]]
        assert any("12 of 12 written" in t for t in shown)

    accepted = await teams.task_submit(ada, find_action(form, verb="form.submit"), inputs(form))
    assert accepted == {}, texts(card_of(accepted))[:8]
    with Session(db) as session:
        campaign = session.exec(select(Campaign)).one()
        _, draft = campaign_draft(session=session, actor=session.get(Member, campaign.sender_id),
                                  campaign_id=campaign.id)
    assert draft.languages == LANGS
    lang = opens[-1]["data"]["value"]
    assert draft.followups[9].texts[lang] == f"P messages.followup.10.{lang} {{{{firstName}}}}"
    assert draft.invitation["en"] == "F messages.invitation.en {{firstName}}"
