"""Chat users become members: identity, then email in the tenant's workspace, then a new member."""

from core.workspace.models import ChatIdentity, Member, Workspace
from core.workspace.service import (
    add_member,
    create_workspace,
    ensure_member_for_chat,
    member_for_identity,
)


def test_first_chat_user_creates_the_workspace_and_is_its_admin(session):
    first = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U1",
                                   name="Ann Lee", email="Ann@Example.com", workspace_name="Acme")
    second = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U2", name="Bob")
    session.commit()
    ws = session.query(Workspace).one()
    assert (ws.name, ws.slack_team_id) == ("Acme", "T1")
    assert (first.role, first.email, second.role) == ("admin", "ann@example.com", "member")
    assert first.workspace_id == second.workspace_id == ws.id


def test_a_known_identity_returns_the_same_member(session):
    a = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U1", name="Ann")
    b = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U1", name="Renamed")
    assert a.id == b.id
    assert session.query(ChatIdentity).count() == 1
    assert member_for_identity(session=session, platform="slack", tenant="T1", external_user_id="U1").id == a.id
    assert member_for_identity(session=session, platform="teams", tenant="T1", external_user_id="U1") is None


def test_a_member_added_by_email_is_linked_not_duplicated(session):
    ws = create_workspace(session=session, name="Acme", slack_team_id="T1")
    ann = add_member(session=session, workspace_id=ws.id, name="Ann", email="ann@example.com", role="admin")
    got = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U9",
                                 name="Ann L.", email="ANN@example.com")
    assert got.id == ann.id
    assert session.query(Member).count() == 1


def test_slack_and_teams_identities_with_one_email_are_one_member(session):
    create_workspace(session=session, name="Acme", slack_team_id="T1", teams_tenant_id="tenant-guid")
    via_slack = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U1",
                                       name="Ann", email="ann@example.com")
    via_teams = ensure_member_for_chat(session=session, platform="teams", tenant="tenant-guid",
                                       external_user_id="aad-1", name="Ann Lee", email="ann@example.com")
    session.commit()
    assert via_slack.id == via_teams.id
    assert session.query(ChatIdentity).filter_by(member_id=via_slack.id).count() == 2


def test_same_email_in_unrelated_tenants_gives_two_workspaces(session):
    a = ensure_member_for_chat(session=session, platform="slack", tenant="T1", external_user_id="U1", name="Ann",
                               email="ann@example.com")
    b = ensure_member_for_chat(session=session, platform="teams", tenant="other", external_user_id="x", name="Ann",
                               email="ann@example.com")
    assert a.workspace_id != b.workspace_id
    assert b.role == "admin"


def test_odd_chat_profiles_still_give_a_member(session):
    member = ensure_member_for_chat(session=session, platform="teams", tenant="t", external_user_id="aad-9",
                                    name="N" * 300, email="not an email")
    assert member.email is None and len(member.name) == 120
    nameless = ensure_member_for_chat(session=session, platform="teams", tenant="t", external_user_id="aad-10",
                                      name="   ")
    assert nameless.name == "aad-10"
