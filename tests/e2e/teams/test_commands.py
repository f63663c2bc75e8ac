"""Commands as messages to the bot, over HTTP, answered at the activity's serviceUrl."""

from __future__ import annotations

from sqlmodel import Session, select

from core.workspace.models import ChatIdentity, Member, Workspace
from tests.cards import assert_valid_card, texts


async def test_unknown_words_get_help(teams):
    ada = teams.user("Ada Lovelace", email="ada@example.com")
    await teams.say(ada, "bake a cake")
    card = teams.last_card(ada)
    assert_valid_card(card)
    shown = " ".join(texts(card))
    assert "bake" in shown and "create" in shown and "digest" in shown


async def test_the_first_person_becomes_the_admin_of_the_tenants_workspace(teams, db):
    ada = teams.user("Ada Lovelace", email="Ada@Example.com")
    await teams.say(ada, "help")
    with Session(db) as session:
        workspace = session.exec(select(Workspace).where(Workspace.teams_tenant_id == "tenant-1")).one()
        member = session.exec(select(Member).where(Member.workspace_id == workspace.id)).one()
        identity = session.exec(select(ChatIdentity).where(ChatIdentity.member_id == member.id)).one()
    assert member.role == "admin" and member.email == "ada@example.com" and member.name == "Ada Lovelace"
    assert identity.platform == "teams" and identity.external_user_id == ada.aad_object_id
    assert identity.conversation_ref["conversation"]["id"] == ada.conversation_id
    assert identity.conversation_ref["serviceUrl"] == teams.connector.url


async def test_channel_messages_work_with_a_mention_and_the_prefix(teams):
    ada = teams.user("Ada Lovelace")
    await teams.say(ada, "<at>invitebot</at> invite-campaign list", conversation_id="19:team@thread.tacv2",
                    conversation_type="channel",
                    entities=[{"type": "mention", "text": "<at>invitebot</at>",
                               "mentioned": {"id": "28:invitebot", "name": "invitebot"}}])
    [card] = teams.connector.cards("19:team@thread.tacv2")
    assert_valid_card(card)
    assert any("campaign" in t.lower() for t in texts(card))


async def test_install_keeps_the_reference_and_says_hello(teams, db):
    ada = teams.user("Ada Lovelace", email="ada@example.com")
    await teams.install(ada)
    card = teams.last_card(ada)
    assert_valid_card(card)
    with Session(db) as session:
        identity = session.exec(select(ChatIdentity)).one()
    assert identity.conversation_ref["conversation"]["id"] == ada.conversation_id
