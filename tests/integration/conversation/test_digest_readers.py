"""A digest page shows a sender's contacts and notes: only the sender and the workspace's admins
read it or act on it, whatever the button (refresh included)."""

from __future__ import annotations

import pytest

from bot.conversation import digest as digests
from bot.conversation.interactions import Asked, handle_action
from bot.conversation.runner import run_sync
from bot.conversation.views import Reply
from tests.integration.conversation.forms import ROOM
from core.campaigns.service import CampaignDraft, SlotDraft, activate_campaign, create_campaign
from core.db import UnitOfWork
from core.moderation.decisions import build_digest_now
from core.workspace.models import Member
from core.workspace.service import ensure_member_for_chat



@pytest.fixture
def digest_id(ctx, people) -> int:
    with UnitOfWork(ctx.engine)() as s:
        bob = s.get(Member, people.bob)
        draft = CampaignDraft(name="Readers", program="Growth", sender_id=bob.id, source_kind="segment",
                              source_id=people.segment, invitation={"en": "Hi {{firstName}}"}, cohort_size=5,
                              slots=[SlotDraft(weekday=d, start="09:00", end="17:00") for d in range(7)])
        now = ctx.clock.now()
        campaign = create_campaign(session=s, actor=bob, draft=draft, now=now, public_url=ctx.settings.public_url).value
        activate_campaign(session=s, actor=bob, campaign_id=campaign.id, now=now, public_url=ctx.settings.public_url)
        view = build_digest_now(session=s, actor=bob, campaign_id=campaign.id, now=now)
        assert view.items, "the digest must hold an invitation for this test to mean anything"
        return view.digest_id


@pytest.fixture
def dan(ctx, people) -> int:
    """A plain member of Bob's workspace: neither the sender nor an admin."""
    with UnitOfWork(ctx.engine)() as s:
        return ensure_member_for_chat(session=s, platform="teams", tenant="tenant-1", external_user_id="aad-dan",
                                      name="Dan Member", email="dan@example.com").id


def test_the_sender_and_an_admin_read_the_page(ctx, people, digest_id):
    for reader in (people.bob, people.admin):
        reply = run_sync(ctx, reader, handle_action, Asked(digests.REFRESH, f"{digest_id}:0", ROOM), read_only=True)
        assert reply.replace is not None and "Ann" in str(reply.replace)


@pytest.mark.parametrize("action", [digests.REFRESH, "digest.skip_all", "digest.restore_all"])
def test_another_member_of_the_workspace_reads_nothing(ctx, people, digest_id, dan, action):
    reply = run_sync(ctx, dan, handle_action, Asked(action, f"{digest_id}:0", ROOM))
    assert isinstance(reply, Reply) and reply.replace is None and reply.dialog is None
    assert "Only the sender" in reply.notice.text
    assert "Ann" not in str(reply)
