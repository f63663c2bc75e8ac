"""The campaign story in Teams, over HTTP: create (dialog, type-ahead, refused then accepted),
activate and stop from the card in place, refusals for other users. In English and in French:
the Teams client's locale picks the language, and every answer is checked in it."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from core.campaigns.models import Campaign
from tests.cards import assert_valid_card, find_action, inputs, texts, walk
from tests.e2e.teams.steps import connected_admin


# What each language's members type and read (written here, not read from the catalogues).
SAID = {
    "en": {"locale": "en-US", "create": "create", "open": "Open the form", "new": "Create “Spring outreach”",
           "activate": "Activate", "refused": "Only the campaign's sender or a workspace admin can stop",
           "slots": "Mon-Fri 09:00-11:00", "facts": ("Health", "Next slot")},
    "fr": {"locale": "fr-FR", "create": "créer", "open": "Ouvrir le formulaire",
           "new": "Créer «\u00a0Spring outreach\u00a0»", "activate": "Activer",
           "refused": "Seuls l'émetteur de la campagne ou un admin de l'espace de travail peuvent arrêter",
           "slots": "Lun-Ven 09:00-11:00", "facts": ("État", "Prochain créneau")},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_create_in_a_dialog_then_activate_and_stop_in_place(teams, db, lang):
    said = SAID[lang]
    ada, identity, segment_id = await connected_admin(teams, db, locale=said["locale"])
    teams.connector.clear()

    # The command answers with a card whose button opens the dialog
    await teams.say(ada, said["create"])
    launcher = teams.last_card(ada)
    fetched = await teams.task_fetch(ada, find_action(launcher, said["open"]))
    form = fetched["task"]["value"]["card"]["content"]
    assert_valid_card(form)
    assert inputs(form)["slots"] == said["slots"]  # written in the member's language, read back as typed

    # Type-ahead: the name searches as typed (Data.Query), offering to create it
    results = await teams.search(ada, "campaign_name", "Spring outreach")
    assert results[0] == {"title": said["new"], "value": "new:Spring outreach"}
    # Sources are those of the sender chosen in the card
    sources = await teams.search(ada, "source", "", {"sender": str(identity.member_id)})
    assert {"title": "Segments: Paris CTOs", "value": f"segment:{segment_id}"} in sources

    # A refused submission keeps the dialog open with the errors on the fields; nothing saved
    typed = {**inputs(form), "name": "new:Sp", "source": f"segment:{segment_id}",
             "messages.invitation.en": "Hi {{firstName}} " + "x" * 320}
    refused = await teams.task_submit(ada, find_action(form, verb="form.submit"), typed)
    errors_card = refused["task"]["value"]["card"]["content"]
    assert_valid_card(errors_card)
    assert any(e.get("id") == "error.name" for e in walk(errors_card))
    with Session(db) as session:
        assert session.exec(select(Campaign)).all() == []

    # Fixed, it is saved; the dialog closes and the campaign card is posted
    typed.update({"name": "new:Spring outreach", "program": "new:Growth", "messages.invitation.en": "Hi {{firstName}}, shall we connect?"})
    teams.connector.clear()
    accepted = await teams.task_submit(ada, find_action(errors_card, verb="form.submit"), typed)
    assert accepted == {}, [t for t in texts(accepted["task"]["value"]["card"]["content"]) if "rror" in t or "must" in t or "nvalid" in t or "required" in t.lower()][:8]
    card = teams.last_card(ada)
    assert_valid_card(card)
    assert "Spring outreach" in texts(card)
    assert all(fact in texts(card) for fact in said["facts"]), texts(card)

    # Activate from the card: the answer replaces the card in place
    activated = await teams.execute(ada, find_action(card, said["activate"]))
    assert activated["type"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(activated["value"])
    with Session(db) as session:
        assert session.exec(select(Campaign)).one().status == "active"

    # Someone else of the workspace cannot stop it
    bob = teams.user("Bob Builder", email="bob@example.com", locale=said["locale"])
    stop = find_action(activated["value"], verb="campaign.stop")
    refused_stop = await teams.execute(bob, stop)
    assert refused_stop["type"] == "application/vnd.microsoft.activity.message"
    assert said["refused"] in refused_stop["value"], refused_stop
    with Session(db) as session:
        assert session.exec(select(Campaign)).one().status == "active"

    # The sender can
    stopped = await teams.execute(ada, stop)
    assert_valid_card(stopped["value"])
    with Session(db) as session:
        assert session.exec(select(Campaign)).one().status == "stopped"
