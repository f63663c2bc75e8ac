"""Digests and alerts sent proactively into the member's personal chat, paced and retried on 429."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from bot.teams import build_adapter
from bot.teams.notifier import ConversationPacer, TeamsNotifier
from core.notify import Alert, DigestItem, DigestOutcome, DigestView
from core.workspace.models import ChatIdentity
from tests.cards import assert_valid_card, texts


def _digest(member_id: int, items: int) -> DigestView:
    return DigestView(
        digest_id=1, workspace_id=1, campaign_id=2, campaign_name="Spring outreach", sender_member_id=member_id,
        for_date=date(2026, 11, 26), starts_at=datetime(2026, 11, 26, 8, tzinfo=timezone.utc), timezone="Europe/Paris",
        items=tuple(DigestItem(send_id=10 + i, contact_id=i, contact_name=f"Contact {i}", headline="CTO",
                               language="en", languages=("en", "fr"), text=f"Hello Contact {i}", length=16,
                               limit=300, status="planned") for i in range(items)))


def _member_of(db, user) -> int:
    with Session(db) as session:
        return session.exec(select(ChatIdentity.member_id).where(
            ChatIdentity.external_user_id == user.aad_object_id)).one()


async def test_a_digest_goes_to_the_senders_chat_page_by_page(teams, ctx, db):
    ada = teams.user("Ada Lovelace", email="ada@example.com")
    await teams.install(ada)
    teams.connector.clear()
    notifier = TeamsNotifier(ctx.settings, ctx.uow, build_adapter(ctx.settings, proactive=True))
    result = await asyncio.to_thread(notifier.send_digest, _digest(_member_of(db, ada), 25))
    assert result.outcome == DigestOutcome.DELIVERED
    refs = result.refs
    cards = teams.cards(ada)
    assert len(cards) == 3  # 25 invitations, 10 a page
    for card in cards:
        assert_valid_card(card)
        assert card["refresh"]["userIds"] == [ada.id]
    assert any("Contact 24" in t for t in texts(cards[-1]))
    assert refs["teams"]["conversation_id"] == ada.conversation_id
    assert len(refs["teams"]["activity_ids"]) == 3 and all(refs["teams"]["activity_ids"])


async def test_429s_are_waited_out_and_nothing_is_lost(teams, ctx, db):
    ada = teams.user("Ada Lovelace")
    await teams.install(ada)
    teams.connector.clear()
    teams.connector.throttle(3, retry_after=0.05, conversation_id=ada.conversation_id)
    notifier = TeamsNotifier(ctx.settings, ctx.uow, build_adapter(ctx.settings, proactive=True))
    await asyncio.to_thread(notifier.send_digest, _digest(_member_of(db, ada), 15))
    assert len(teams.connector.throttled) == 3
    assert len(teams.cards(ada)) == 2


async def test_many_messages_to_one_conversation_stay_under_the_rate(teams, ctx, db, connector):
    # Given Teams' limit of about 7 messages a second per conversation, enforced by the simulator
    connector.rate_per_second = 7
    ada = teams.user("Ada Lovelace")
    await teams.install(ada)
    connector.clear()
    member_id = _member_of(db, ada)
    notifier = TeamsNotifier(ctx.settings, ctx.uow, build_adapter(ctx.settings, proactive=True), pacer=ConversationPacer(per_second=7))
    alerts = [Alert(workspace_id=1, member_id=member_id, kind="campaign_paused", title=f"Paused {i}",
                    text="The LinkedIn limit was hit.", action_hint="Nothing: it resumes tomorrow.")
              for i in range(16)]
    # When 16 alerts go out at once from two worker threads
    await asyncio.gather(*(asyncio.to_thread(lambda chunk=chunk: [notifier.send_alert(a) for a in chunk])
                           for chunk in (alerts[:8], alerts[8:])))
    # Then all arrive and the connector never had to refuse one
    assert len(teams.cards(ada)) == 16
    assert connector.throttled == []


async def test_members_who_never_used_teams_are_not_sent_anything(teams, ctx, connector):
    notifier = TeamsNotifier(ctx.settings, ctx.uow, build_adapter(ctx.settings, proactive=True))
    result = await asyncio.to_thread(notifier.send_digest, _digest(12345, 3))
    assert result.outcome == DigestOutcome.UNREACHABLE and result.refs == {}
    assert connector.activities() == []
