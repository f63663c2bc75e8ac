"""Workspace, members, LinkedIn accounts and the Sender type-ahead (P-7)."""

import pytest

from core.errors import NotFound
from core.workspace.models import LinkedInAccount
from core.workspace.service import (
    add_member,
    connect_linkedin_account,
    create_workspace,
    deactivate_member,
    list_members,
    member_choices,
)


@pytest.fixture
def ws(session):
    return create_workspace(session=session, name="Acme", timezone="Europe/Paris")


def test_member_gets_a_name_key_and_a_lowercased_email(session, ws):
    member = add_member(session=session, workspace_id=ws.id, name="  Ann   Lee ", email=" Ann.Lee@Example.COM ")
    session.commit()
    assert (member.name, member.name_key, member.email, member.role) == ("Ann Lee", "annlee", "ann.lee@example.com", "member")


def test_duplicate_email_in_a_workspace_is_refused_clearly(session, ws):
    add_member(session=session, workspace_id=ws.id, name="Ann", email="ann@example.com")
    with pytest.raises(ValueError, match="ann@example.com already exists"):
        add_member(session=session, workspace_id=ws.id, name="Ann Again", email="ANN@example.com")
    other = create_workspace(session=session, name="Other")
    assert add_member(session=session, workspace_id=other.id, name="Ann", email="ann@example.com").id


def test_bad_inputs_are_refused(session, ws):
    with pytest.raises(ValueError, match="Role"):
        add_member(session=session, workspace_id=ws.id, name="Bob", role="owner")
    with pytest.raises(ValueError, match="email"):
        add_member(session=session, workspace_id=ws.id, name="Bob", email="not-an-email")
    with pytest.raises(ValueError, match="required"):
        add_member(session=session, workspace_id=ws.id, name="   ")
    with pytest.raises(ValueError, match="IANA"):
        create_workspace(session=session, name="X", timezone="Mars/Olympus")
    with pytest.raises(NotFound):
        add_member(session=session, workspace_id=9999, name="Bob")


def test_deactivated_members_leave_the_list_and_the_choices(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    bob = add_member(session=session, workspace_id=ws.id, name="Bob")
    deactivate_member(session=session, workspace_id=ws.id, member_id=bob.id)
    assert [m.name for m in list_members(session=session, workspace_id=ws.id)] == ["Ann"]
    assert [m.name for m in list_members(session=session, workspace_id=ws.id, include_inactive=True)] == ["Ann", "Bob"]
    assert [m.id for m in member_choices(session=session, workspace_id=ws.id)] == [ann.id]


def test_deactivating_a_member_of_another_workspace_is_not_found(session, ws):
    other = create_workspace(session=session, name="Other")
    stranger = add_member(session=session, workspace_id=other.id, name="Eve")
    with pytest.raises(NotFound):
        deactivate_member(session=session, workspace_id=ws.id, member_id=stranger.id)
    assert stranger.active


def test_member_choices_put_prefix_matches_before_contains(session, ws):
    for name in ("Marie Curie", "Anne-Marie Roux", "Ann Lee", "Zoe Mar", "Bob"):
        add_member(session=session, workspace_id=ws.id, name=name)
    got = [m.name for m in member_choices(session=session, workspace_id=ws.id, query="mar")]
    assert got == ["Marie Curie", "Anne-Marie Roux", "Zoe Mar"]
    assert [m.name for m in member_choices(session=session, workspace_id=ws.id, query="ANN L")] == ["Ann Lee"]
    assert len(member_choices(session=session, workspace_id=ws.id, query="", limit=2)) == 2
    assert member_choices(session=session, workspace_id=ws.id, query="%") == []


def test_connecting_again_updates_what_is_given_keeps_the_rest_and_makes_it_valid(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    first = connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox",
                                     provider_account_id="acc-1", kind="free", daily_invite_cap=10)
    first.status = "invalid"
    session.flush()
    again = connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox",
                                     provider_account_id="acc-2", kind="premium", weekly_invite_cap=80)
    session.commit()
    assert again.id == first.id
    rows = session.query(LinkedInAccount).all()
    assert [(a.provider_account_id, a.kind, a.status, a.daily_invite_cap, a.weekly_invite_cap) for a in rows] == [
        ("acc-2", "premium", "valid", 10, 80)]  # the daily cap was not given: it stays
    assert again.workspace_id == ws.id and again.note_limit == 300
    kept = connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox", provider_account_id="acc-2")
    assert (kept.kind, kept.daily_invite_cap, kept.weekly_invite_cap) == ("premium", 10, 80)
    reset = connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox", provider_account_id="acc-2",
                                     daily_invite_cap=None)
    assert (reset.daily_invite_cap, reset.weekly_invite_cap) == (None, 80)


def test_an_account_cannot_serve_two_members(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    bob = add_member(session=session, workspace_id=ws.id, name="Bob")
    connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox", provider_account_id="acc-1")
    with pytest.raises(ValueError, match="already connected to another member"):
        connect_linkedin_account(session=session, member_id=bob.id, provider="sandbox", provider_account_id="acc-1")
    with pytest.raises(ValueError, match="kind"):
        connect_linkedin_account(session=session, member_id=bob.id, provider="sandbox", provider_account_id="b", kind="gold")
    with pytest.raises(ValueError, match="cap"):
        connect_linkedin_account(session=session, member_id=bob.id, provider="sandbox", provider_account_id="b",
                                 daily_invite_cap=0)
    with pytest.raises(ValueError, match="Provider"):
        connect_linkedin_account(session=session, member_id=bob.id, provider="linkedin", provider_account_id="b")


@pytest.mark.parametrize("kind, cap, value", [
    ("premium", "weekly_invite_cap", 101), ("premium", "daily_invite_cap", 81), ("premium", "daily_message_cap", 151),
    ("free", "weekly_invite_cap", 16), ("free", "daily_invite_cap", 16), ("free", "daily_message_cap", 76),
    ("premium", "daily_invite_cap", 0), ("free", "weekly_invite_cap", True),
])
def test_caps_are_held_within_linkedins_limits_for_the_kind(session, ws, kind, cap, value):
    from core.workspace.limits import CAPS

    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    top = CAPS[cap].maximum[kind]
    with pytest.raises(ValueError, match=f"must be 1 to {top} for a {kind} LinkedIn account"):
        connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox", provider_account_id="a",
                                 kind=kind, **{cap: value})
    assert session.query(LinkedInAccount).all() == []
    ok = connect_linkedin_account(session=session, member_id=ann.id, provider="sandbox", provider_account_id="a",
                                  kind=kind, **{cap: top})
    assert getattr(ok, cap) == top


def test_a_kind_learnt_from_the_provider_brings_caps_down_to_its_limits(session, ws):
    from core.workspace.service import set_account_kind

    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    account = connect_linkedin_account(session=session, member_id=ann.id, provider="unipile", provider_account_id="u",
                                       kind="premium", daily_invite_cap=10, weekly_invite_cap=90, daily_message_cap=40)
    set_account_kind(session=session, account=account, kind="free")
    session.flush()
    assert (account.kind, account.daily_invite_cap, account.weekly_invite_cap, account.daily_message_cap) == (
        "free", 10, 15, 40)


def test_a_cap_stored_over_the_limits_before_they_were_checked_comes_down_on_reconnect(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    account = connect_linkedin_account(session=session, member_id=ann.id, provider="unipile", provider_account_id="u",
                                       kind="premium")
    account.weekly_invite_cap = 500  # what the command line used to accept
    session.flush()
    again = connect_linkedin_account(session=session, member_id=ann.id, provider="unipile", provider_account_id="u")
    assert (again.kind, again.weekly_invite_cap) == ("premium", 100)
