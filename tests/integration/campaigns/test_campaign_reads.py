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
