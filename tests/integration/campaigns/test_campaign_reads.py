"""Type-ahead, lookup by name, lists, preview and health."""

import pytest

from core.campaigns.health import campaign_health
from core.campaigns.preview import preview_campaign
from core.campaigns.queries import campaign_names, find_campaign, list_campaigns, program_names
from core.errors import NotAllowed
from tests.factories import PUBLIC_URL, make_campaign, make_team


def test_type_ahead_puts_prefix_matches_first(session, clock):
    team = make_team(session)
    for name in ("Spring Paris", "Paris CTOs", "Berlin", "Old Paris list"):
        make_campaign(session, team, now=clock.now(), name=name)
    names = [n for _, n in campaign_names(session=session, workspace_id=team.workspace.id, query="paris")]
    assert names[0] == "Paris CTOs" and set(names[1:]) == {"Spring Paris", "Old Paris list"}
    assert [n for _, n in program_names(session=session, workspace_id=team.workspace.id, query="ent")] == ["Enterprise"]


def test_type_ahead_treats_like_wildcards_literally(session, clock):
    team = make_team(session)
    make_campaign(session, team, now=clock.now(), name="100% growth")
    make_campaign(session, team, now=clock.now(), name="1000 leads")
    assert [n for _, n in campaign_names(session=session, workspace_id=team.workspace.id, query="100%")] == ["100% growth"]


def test_find_by_name_is_case_and_space_insensitive_and_suggests_otherwise(session, clock):
    team = make_team(session)
    made = make_campaign(session, team, now=clock.now(), name="Paris CTOs")
    found, _ = find_campaign(session=session, actor=team.sender, name="  paris   ctos")
    assert found.id == made.id
    missing, suggestions = find_campaign(session=session, actor=team.sender, name="Paris CTO's")
    assert missing is None and suggestions == ["Paris CTOs"]


def test_lookup_never_crosses_workspaces(session, clock):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    make_campaign(session, team, now=clock.now(), name="Secret plan")
    found, suggestions = find_campaign(session=session, actor=other.admin, name="Secret plan")
    assert found is None and suggestions == []
    assert campaign_names(session=session, workspace_id=other.workspace.id, query="sec") == []


def test_list_mine_and_all_for_admins(session, clock):
    team = make_team(session)
    make_campaign(session, team, now=clock.now(), name="Sam's one")
    assert [c.name for c in list_campaigns(session=session, actor=team.sender)] == ["Sam's one"]
    assert list_campaigns(session=session, actor=team.colleague, include_all=True) == []
    assert len(list_campaigns(session=session, actor=team.admin, include_all=True)) == 1


def test_preview_shows_first_longest_and_missing_token_contacts_with_lengths(session, clock):
    team = make_team(session)
    campaign = make_campaign(session, team, now=clock.now(), languages=["en"],
                             invitation={"en": "Hi {{firstName}} {{lastName}} of {{company}}"}, welcome={}, followups=[])
    preview = preview_campaign(session=session, actor=team.sender, campaign_id=campaign.id, public_url=PUBLIC_URL)
    assert preview.total_contacts == 4 and preview.note_limit == 300
    whys = {p.why: p for p in preview.contacts}
    assert whys["first contact"].name == "Anna Schmidt"
    missing = whys["missing a token"]
    assert missing.name == "Carlos García" and missing.messages[0].missing == ["company"]
    longest = max(preview.contacts, key=lambda p: p.messages[0].length)
    assert longest.messages[0].length == len(longest.messages[0].text)
    with pytest.raises(NotAllowed):
        preview_campaign(session=session, actor=team.colleague, campaign_id=campaign.id, public_url=PUBLIC_URL)


def test_health_of_a_new_active_campaign_starts_tomorrow(session, clock):
    team = make_team(session)
    draft = make_campaign(session, team, now=clock.now())
    assert campaign_health(session=session, campaign=draft, now=clock.now()).label == "draft"
    active = make_campaign(session, team, now=clock.now(), name="Running one", activate=True)
    health = campaign_health(session=session, campaign=active, now=clock.now())
    assert health.label == "starts_tomorrow" and health.ratio is None
    assert health.next_slot is not None and health.next_slot > clock.now()


def test_health_of_many_campaigns_at_once_is_each_ones_health(session, clock):
    from datetime import timedelta

    from sqlalchemy import event

    from zoneinfo import ZoneInfo

    from core.campaigns.health import campaigns_health
    from core.delivery.models import Enrollment, Send

    team = make_team(session)
    now = clock.now()
    campaigns = [make_campaign(session, team, now=now, name="Draft one"),
                 make_campaign(session, team, now=now - timedelta(days=3), name="Paris one", activate=True),
                 make_campaign(session, team, now=now - timedelta(days=3), name="Tokyo one", activate=True,
                               timezone="Asia/Tokyo"),
                 make_campaign(session, team, now=now, name="New today", activate=True, timezone="America/New_York")]
    # Sends of today (each campaign's own local day): failed and sent in Paris, skipped in Tokyo;
    # one accepted invitation sent earlier in Paris
    rows = ((campaigns[1], "failed", 0, None), (campaigns[1], "sent", 1, now), (campaigns[2], "skipped", 2, None),
            (campaigns[1], "sent", 3, None))
    for campaign, status, i, accepted_at in rows:
        day = now.astimezone(ZoneInfo(campaign.timezone)).date() - timedelta(days=3 if i == 3 else 0)
        enrollment = Enrollment(workspace_id=campaign.workspace_id, campaign_id=campaign.id,
                                contact_id=team.contacts[i].id, account_id=team.sender_account.id,
                                accepted_at=accepted_at)
        session.add(enrollment)
        session.flush()
        session.add(Send(workspace_id=campaign.workspace_id, campaign_id=campaign.id, enrollment_id=enrollment.id,
                         account_id=team.sender_account.id, contact_id=team.contacts[i].id, step="invitation",
                         language="en", status=status, local_date=day, due_at=now))
    session.flush()
    statements = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    together = campaigns_health(session=session, campaigns=campaigns, now=now)
    assert len(statements) == 2  # whatever the number of campaigns
    for campaign in campaigns:
        assert together[campaign.id] == campaign_health(session=session, campaign=campaign, now=now)
    assert [together[c.id].label for c in campaigns] == ["draft", "errors", "warnings", "starts_tomorrow"]
    paris = together[campaigns[1].id]
    assert (paris.today_planned, paris.today_sent, paris.invitations_sent, paris.accepted) == (2, 1, 2, 1)
