"""Who reads what of a campaign (core.campaigns.authz): its texts only its sender and the active
admins; its card any active member of its workspace; nothing for an inactive member or another
workspace. And the type-aheads offer what the core accepts: a member's own campaigns, themself as
the sender, their own sources; an admin's, every campaign, member and the picked sender's sources."""

from __future__ import annotations

import pytest

from core.campaigns.service import (
    campaign_draft, editable_campaign_names, find_campaign, get_campaign, list_campaigns, sender_choices,
)
from core.moderation.decisions import build_digest_now, read_digest
from core.errors import NotAllowed, NotFound
from core.sources.segments import create_segment
from core.sources.visibility import may_pick_source, selectable_sources
from core.workspace.service import linkedin_account_of
from tests.factories import make_campaign, make_team


def test_only_the_sender_and_an_active_admin_read_a_campaigns_texts(session, clock):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    campaign = make_campaign(session, team, now=clock.now())
    for reader in (team.sender, team.admin):
        _, draft = campaign_draft(session=session, actor=reader, campaign_id=campaign.id)
        assert draft.invitation and all(draft.invitation.values())
    for reader, refusal in ((team.colleague, NotAllowed), (team.inactive, NotAllowed), (other.admin, NotFound)):
        with pytest.raises(refusal):
            campaign_draft(session=session, actor=reader, campaign_id=campaign.id)
    team.admin.active = False
    with pytest.raises(NotAllowed, match="inactive"):
        campaign_draft(session=session, actor=team.admin, campaign_id=campaign.id)


def test_a_campaign_card_is_read_by_the_active_members_of_its_workspace(session, clock):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    campaign = make_campaign(session, team, now=clock.now())
    assert get_campaign(session=session, actor=team.colleague, campaign_id=campaign.id).id == campaign.id
    with pytest.raises(NotAllowed, match="inactive"):
        get_campaign(session=session, actor=team.inactive, campaign_id=campaign.id)
    with pytest.raises(NotAllowed, match="inactive"):
        find_campaign(session=session, actor=team.inactive, name=campaign.name)
    with pytest.raises(NotAllowed, match="inactive"):
        list_campaigns(session=session, actor=team.inactive)
    with pytest.raises(NotFound):
        get_campaign(session=session, actor=other.admin, campaign_id=campaign.id)


def test_a_digest_is_read_by_its_moderators_only(session, clock):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    campaign = make_campaign(session, team, now=clock.now(), activate=True)
    digest = build_digest_now(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now())
    for reader in (team.sender, team.admin):
        assert read_digest(session=session, actor=reader, digest_id=digest.digest_id).items
    for reader, refusal in ((team.colleague, NotAllowed), (team.inactive, NotAllowed), (other.admin, NotFound)):
        with pytest.raises(refusal):
            read_digest(session=session, actor=reader, digest_id=digest.digest_id)


def test_the_name_type_ahead_offers_the_campaigns_one_may_edit(session, clock):
    team = make_team(session)
    make_campaign(session, team, now=clock.now(), name="Sams outreach")
    assert [n for _, n in editable_campaign_names(session=session, actor=team.sender)] == ["Sams outreach"]
    assert [n for _, n in editable_campaign_names(session=session, actor=team.admin)] == ["Sams outreach"]
    assert editable_campaign_names(session=session, actor=team.colleague) == []
    assert editable_campaign_names(session=session, actor=team.inactive) == []


def test_the_sender_type_ahead_offers_who_the_core_accepts(session):
    team = make_team(session)
    assert [c.member.name for c in sender_choices(session=session, actor=team.colleague)] == ["Carl Colleague"]
    assert sender_choices(session=session, actor=team.colleague, query="sam") == []
    assert sender_choices(session=session, actor=team.inactive) == []
    offered = {c.member.name for c in sender_choices(session=session, actor=team.admin)}
    assert {"Sam Sender", "Carl Colleague", "Alice Admin"} <= offered and "Ian Inactive" not in offered


def test_sources_shown_are_those_the_asker_may_pick(session):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    mine = create_segment(session=session, workspace_id=team.workspace.id, name="Carl own", owner_id=team.colleague.id)
    sams = team.segment  # the sender's private segment

    def names(actor, sender_id):
        return {s.name for s in selectable_sources(session=session, actor=actor, sender_id=sender_id)}

    # A member: their own sources while the form names them, none while it names someone else
    assert names(team.colleague, team.colleague.id) == names(team.colleague, None) == {"Carl own"}
    assert names(team.colleague, team.sender.id) == set() and names(team.colleague, other.sender.id) == set()
    assert not may_pick_source(session=session, actor=team.colleague, sender_id=team.sender.id, kind="segment",
                               source_id=sams.id)
    assert not may_pick_source(session=session, actor=team.colleague, sender_id=team.colleague.id, kind="segment",
                               source_id=sams.id)
    assert may_pick_source(session=session, actor=team.colleague, sender_id=None, kind="segment", source_id=mine.id)
    # An admin: the picked sender's; never another workspace's
    assert names(team.admin, team.sender.id) == {"Decision makers"}
    assert may_pick_source(session=session, actor=team.admin, sender_id=team.sender.id, kind="segment",
                           source_id=sams.id)
    assert names(team.admin, other.sender.id) == set()
    # An inactive member: nothing
    assert names(team.inactive, team.inactive.id) == set()


def test_the_sender_type_ahead_says_who_cannot_send_yet_and_lists_them_last(session):
    """P-7: a member without a valid LinkedIn account is refused as the sender on save; the
    type-ahead offers them after those who can send, with why and what to do."""
    from bot.conversation.options import sender_options
    from core.workspace.service import connect_linkedin_account

    team = make_team(session)
    for member in (team.admin, team.colleague):
        if linkedin_account_of(session=session, member_id=member.id) is None:
            connect_linkedin_account(session=session, member_id=member.id, provider="sandbox",
                                     provider_account_id=f"sbx-{member.id}")
    account = linkedin_account_of(session=session, member_id=team.colleague.id)
    account.status = "invalid"
    session.add(account)
    session.flush()
    choices = sender_choices(session=session, actor=team.admin)
    ready = [c.member.name for c in choices if c.can_send]
    assert ready and [c.member.name for c in choices[:len(ready)]] == ready  # those who can send come first
    options = {o.label: o.description for o in sender_options(session, team.admin, "")}
    assert "LinkedIn account is invalid" in options["Carl Colleague"] and "connect" in options["Carl Colleague"]
    assert "connect" not in (options["Alice Admin"] or "")
