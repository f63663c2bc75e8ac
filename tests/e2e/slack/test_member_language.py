"""The language a Slack member is spoken to in: their Slack locale (`users.info` with
`include_locale`) when they first write, until they choose one with `language` / `langue`; a
member without either gets their workspace's."""

from __future__ import annotations

import json

from sqlmodel import select

from core.db import UnitOfWork
from core.workspace.models import Member, Workspace
from tests.e2e.slack.conftest import TEAM, wait_for


def said_to(slack_sim) -> str:
    return json.dumps(slack_sim.responses, ensure_ascii=False)


def member(ctx, name: str) -> Member:
    with UnitOfWork(ctx.engine)() as s:
        return s.exec(select(Member).where(Member.name == name)).one()


async def test_a_new_member_is_answered_in_their_slack_locale_until_they_choose(slack, slack_sim, ctx):
    slack_sim.add_user("UFRED", TEAM, "Frédérique Fournier", "fred@example.com", locale="fr-FR")
    await slack.command("aide", user="UFRED")
    await wait_for(lambda: slack_sim.responses)
    assert "Campagnes d'invitations" in said_to(slack_sim) and "/invite-campaign créer" in said_to(slack_sim)
    assert member(ctx, "Frédérique Fournier").locale == "fr-FR"
    with UnitOfWork(ctx.engine)() as s:  # the workspace her arrival created speaks her language
        assert s.exec(select(Workspace)).one().ui_language == "fr"

    # She switches to English: her own choice wins over her locale
    slack_sim.clear()
    await slack.command("langue en", user="UFRED")
    await wait_for(lambda: "I now speak English to you" in said_to(slack_sim))
    slack_sim.clear()
    await slack.command("help", user="UFRED")
    await wait_for(lambda: slack_sim.responses)
    assert "/invite-campaign create" in said_to(slack_sim) and "créer" not in said_to(slack_sim)

    # An unknown language is refused in the language she reads, naming the choices
    slack_sim.clear()
    await slack.command("language klingon", user="UFRED")
    await wait_for(lambda: slack_sim.responses)
    assert "not a language I speak" in said_to(slack_sim) and "en, fr" in said_to(slack_sim)


async def test_without_a_locale_the_workspace_language_is_spoken(slack, slack_sim, ctx):
    slack_sim.add_user("UANNE", TEAM, "Anne Admin", "anne@example.com", locale="de-DE")  # not one of ours
    await slack.command("help", user="UANNE")
    await wait_for(lambda: slack_sim.responses)
    assert "/invite-campaign create" in said_to(slack_sim)
    with UnitOfWork(ctx.engine)() as s:
        s.exec(select(Workspace)).one().ui_language = "fr"
    slack_sim.clear()
    await slack.command("help", user="UANNE")
    await wait_for(lambda: slack_sim.responses)
    assert "/invite-campaign créer" in said_to(slack_sim)
