"""The language a Teams member is spoken to in: their client's locale, sent with every activity
(a change is followed), until they choose one with `language` / `langue`."""

from __future__ import annotations

from tests.cards import texts


def said(teams, user) -> str:
    return " ".join(texts(teams.last_card(user)))


async def test_the_activity_locale_picks_the_language_and_a_choice_overrides_it(teams, db):
    ada = teams.user("Ada Lovelace", email="ada@example.com", locale="fr-FR")
    await teams.say(ada, "aide")
    assert "créer" in said(teams, ada) and "afficher ces commandes" in said(teams, ada)
    assert "`" not in said(teams, ada)  # commands are shown as typed to the bot, no Slack markup

    ada.locale = "en-GB"  # she switched Teams to English
    await teams.say(ada, "help")
    assert "create a campaign" in said(teams, ada)

    await teams.say(ada, "langue fr")  # her own choice wins over the client's locale
    assert "Je vous parle désormais en français" in said(teams, ada)
    await teams.say(ada, "help")
    assert "créer une campagne" in said(teams, ada)
