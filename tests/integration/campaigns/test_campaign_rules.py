"""The campaign service's rules (P-2…P-19), each error path, on the real database."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from core.campaigns.drafts import FollowupDraft, SlotDraft
from core.campaigns.models import Campaign, CampaignMessage, Program
from core.campaigns.service import (
    activate_campaign, create_campaign, campaign_draft, get_campaign, stop_campaign, update_campaign,
)
from core.errors import NotAllowed, NotFound
from core.workspace.models import Member
from core.sources.segments import create_finder, create_segment
from tests.factories import PUBLIC_URL, draft_for, make_campaign, make_team


def create(session, team, actor=None, now=None, **overrides):
    return create_campaign(session=session, actor=actor or team.sender, draft=draft_for(team, **overrides),
                           now=now, public_url=PUBLIC_URL)


def fields(outcome):
    return outcome.errors_by_field()


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_valid_campaign_is_saved_as_draft_with_its_program_and_messages(session, clock):
    team = make_team(session)
    outcome = create(session, team, now=clock.now())
    assert outcome.ok, outcome.errors
    campaign = outcome.value
    assert campaign.status == "draft" and campaign.moderation is True
    assert session.get(Program, campaign.program_id).name == "Enterprise"
    # 2 languages × (invitation + welcome + 1 follow-up)
    assert count(session, CampaignMessage) == 6
    _, again = campaign_draft(session=session, actor=session.get(Member, campaign.sender_id), campaign_id=campaign.id)
    assert again.invitation["fr"] == "Bonjour {{firstName}}, échangeons !"
    assert again.followups[0].delay_days == 3 and again.slots[0].start == "09:00"


@pytest.mark.parametrize("name, message", [
    ("", "required"), ("ab", "too short"), ("x" * 81, "too long"), ("two\nlines", "one line"),
])
def test_name_rules(session, clock, name, message):
    team = make_team(session)
    outcome = create(session, team, now=clock.now(), name=name)
    assert message in fields(outcome)["name"]
    assert count(session, Campaign) == 0 and count(session, Program) == 0


def test_names_are_unique_case_and_space_insensitively_and_an_edit_keeps_its_own(session, clock):
    team = make_team(session)
    first = create(session, team, now=clock.now(), name="Q4 Paris CTOs").value
    clash = create(session, team, now=clock.now(), name="  q4 paris   ctos ")
    assert "already exists" in fields(clash)["name"]
    clash2 = create(session, team, now=clock.now(), name="Q4PARISCTOS")
    assert "already exists" in fields(clash2)["name"]
    edited = update_campaign(session=session, actor=team.sender, campaign_id=first.id,
                             draft=draft_for(team, name="Q4 PARIS CTOs", description="new"), now=clock.now(),
                             public_url=PUBLIC_URL)
    assert edited.ok and edited.value.name == "Q4 PARIS CTOs"


def test_another_workspace_may_use_the_same_name(session, clock):
    a, b = make_team(session, name="A corp"), make_team(session, name="B corp")
    assert create(session, a, now=clock.now()).ok
    assert create(session, b, now=clock.now()).ok


def test_a_new_program_name_creates_it_and_an_existing_one_is_reused(session, clock):
    team = make_team(session)
    create(session, team, now=clock.now(), name="First one", program="Growth")
    create(session, team, now=clock.now(), name="Second one", program=" growth ")
    assert count(session, Program) == 1


@pytest.mark.parametrize("who, message", [
    ("no_account", "no LinkedIn account connected"),
    ("inactive", "inactive"),
])
def test_sender_must_be_active_with_a_linkedin_account(session, clock, who, message):
    team = make_team(session)
    outcome = create(session, team, actor=team.admin, now=clock.now(), sender_id=getattr(team, who).id)
    assert message in fields(outcome)["sender"]


def test_sender_with_invalid_account_is_told_to_reconnect(session, clock):
    team = make_team(session)
    team.sender_account.status = "invalid"
    session.add(team.sender_account)
    session.flush()
    assert "disconnected" in fields(create(session, team, now=clock.now()))["sender"]


def test_sender_of_another_workspace_is_refused(session, clock):
    team, other = make_team(session, name="A"), make_team(session, name="B")
    outcome = create(session, team, actor=team.admin, now=clock.now(), sender_id=other.sender.id)
    assert "not a member of this workspace" in fields(outcome)["sender"]


def test_a_member_cannot_send_from_someone_elses_account_but_an_admin_can(session, clock):
    team = make_team(session)
    refused = create(session, team, actor=team.colleague, now=clock.now())
    assert "your own LinkedIn account" in fields(refused)["sender"]
    assert create(session, team, actor=team.admin, now=clock.now()).ok


class TestSourceVisibility:
    """P-8a / P-8c: owner, additional member, other member, global segment; ids submitted directly."""

    def test_matrix(self, session, clock):
        team = make_team(session)
        own_finder = create_finder(session=session, workspace_id=team.workspace.id, name="Sam's search",
                                   owner_id=team.sender.id)
        shared_finder = create_finder(session=session, workspace_id=team.workspace.id, name="Carl's search",
                                      owner_id=team.colleague.id, additional_member_ids=[team.sender.id])
        private_finder = create_finder(session=session, workspace_id=team.workspace.id, name="Carl's private",
                                       owner_id=team.colleague.id)
        global_segment = create_segment(session=session, workspace_id=team.workspace.id, name="Everyone in Paris",
                                        is_global=True)
        private_segment = create_segment(session=session, workspace_id=team.workspace.id, name="Carl's list",
                                         owner_id=team.colleague.id)
        cases = [
            ("finder", own_finder.id, True), ("finder", shared_finder.id, True), ("finder", private_finder.id, False),
            ("segment", global_segment.id, True), ("segment", private_segment.id, False),
            ("segment", own_finder.segment_id, True), ("segment", private_finder.segment_id, False),
        ]
        for i, (kind, source_id, allowed) in enumerate(cases):
            outcome = create(session, team, now=clock.now(), name=f"Visibility {i}", source_kind=kind,
                             source_id=source_id)
            assert ("source" not in fields(outcome)) is allowed, (kind, source_id, outcome.errors)
            if not allowed:
                assert "cannot use this" in fields(outcome)["source"]

    def test_other_workspace_source_is_refused(self, session, clock):
        team, other = make_team(session, name="A"), make_team(session, name="B")
        outcome = create(session, team, now=clock.now(), source_id=other.segment.id)
        assert "source" in fields(outcome)

    def test_missing_source(self, session, clock):
        team = make_team(session)
        assert "Pick a finder or a segment" in fields(create(session, team, now=clock.now(), source_id=None))["source"]


class TestMessages:
    def test_unknown_token_is_quoted(self, session, clock):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), invitation={"en": "Hi {{firstname}}", "fr": "Salut"})
        assert "{{firstname}}" in fields(outcome)["messages.invitation.en"]

    def test_syntax_error(self, session, clock):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), invitation={"en": "Hi {{firstName", "fr": "Salut"})
        assert "syntax error" in fields(outcome)["messages.invitation.en"]

    @pytest.mark.parametrize("attack", [
        "{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ cycler.__init__.__globals__ }}",
        "{{ firstName.__class__ }}", "{% for x in range(10) %}x{% endfor %}", "{{ custom.__class__ }}x{{ custom }}",
        "{{ firstName|attr('upper') }}", "{{ self }}", "{% set x = 1 %}", "{{ config }}",
    ])
    def test_templates_cannot_reach_outside_the_catalogue(self, session, clock, attack):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), welcome={"en": attack, "fr": "Merci"})
        assert "messages.welcome.en" in fields(outcome)
        assert count(session, Campaign) == 0

    def test_every_message_must_exist_in_every_language(self, session, clock):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), invitation={"en": "Hi {{firstName}}"},
                         followups=[FollowupDraft(delay_days=2, texts={"en": "Still there?"})])
        errors = fields(outcome)
        assert "missing" in errors["messages.invitation.fr"]
        assert "missing" in errors["messages.followup.1.fr"]

    def test_welcome_is_required_with_followups_and_optional_without(self, session, clock):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), welcome={})
        assert "required when the campaign has follow-ups" in fields(outcome)["messages.welcome.en"]
        assert create(session, team, now=clock.now(), welcome={}, followups=[]).ok

    @pytest.mark.parametrize("delay", [0, 61, None])
    def test_followup_delay_range(self, session, clock, delay):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(),
                         followups=[FollowupDraft(delay_days=delay, texts={"en": "x", "fr": "y"})])
        assert "1 to 60 days" in fields(outcome)["followups.1.delay"]

    def test_line_break_in_invitation_is_a_warning(self, session, clock):
        team = make_team(session)
        outcome = create(session, team, now=clock.now(), invitation={"en": "Hi {{firstName}},\nconnect?", "fr": "Salut"})
        assert outcome.ok
        assert any(w.field == "messages.invitation.en" and "one line" in w.message for w in outcome.warnings)

    def test_contacts_missing_a_token_without_fallback_are_reported_with_examples(self, session, clock):
        team = make_team(session)  # Carlos García has no company
        outcome = create(session, team, now=clock.now(), languages=["en"], default_language="en",
                         invitation={"en": "Hi {{firstName}} from {{company}}"}, welcome={}, followups=[])
        assert outcome.ok
        warning = next(w for w in outcome.warnings if w.field == "messages.invitation.en")
        assert "1 contact has no company" in warning.message and "Carlos García" in warning.message
        with_fallback = create(session, team, now=clock.now(), name="With fallback", languages=["en"],
                               invitation={"en": "Hi {{firstName}} from {{company|default('your team')}}"},
                               welcome={}, followups=[])
        assert not [w for w in with_fallback.warnings if w.field.startswith("messages.")]


class TestNoteLimit:
    """P-11 and invariant 5: the limit holds for every contact after personalisation, in UTF-16 units."""

    @staticmethod
    def team_with(session, first_names, kind="premium"):
        people = [{"first_name": n, "last_name": "L", "language": "en"} for n in first_names]
        team = make_team(session, people=people)
        team.sender_account.kind = kind
        session.add(team.sender_account)
        session.flush()
        return team

    def test_295_chars_plus_first_name_overflows_for_long_names_only(self, session, clock):
        team = self.team_with(session, ["Bob", "Maximilian", "Jo"])
        # 290 characters + "Maximilian" (10) = 300 exactly: fits.
        exact = create(session, team, now=clock.now(), languages=["en"], invitation={"en": "y" * 290 + "{{firstName}}"},
                       welcome={}, followups=[])
        assert exact.ok, exact.errors
        # P-11's case: 295 characters of text; a first name over 5 characters overflows.
        p11 = create(session, team, now=clock.now(), name="P-11 case", languages=["en"],
                     invitation={"en": "w" * 295 + "{{firstName}}"}, welcome={}, followups=[])
        assert "1 of 3 contacts" in fields(p11)["messages.invitation.en"]
        over = create(session, team, now=clock.now(), name="Long names", languages=["en"],
                      invitation={"en": "y" * 291 + "{{firstName}}"}, welcome={}, followups=[])
        message = fields(over)["messages.invitation.en"]
        assert "1 of 3 contacts" in message and "301 characters" in message and "Maximilian" in message

    def test_free_accounts_have_200(self, session, clock):
        team = self.team_with(session, ["Bob"], kind="free")
        over = create(session, team, now=clock.now(), languages=["en"], invitation={"en": "z" * 198 + "{{firstName}}"},
                      welcome={}, followups=[])
        assert "200-character limit" in fields(over)["messages.invitation.en"]
        team.sender_account.kind = "premium"
        session.add(team.sender_account)
        session.flush()
        assert create(session, team, now=clock.now(), languages=["en"], invitation={"en": "z" * 198 + "{{firstName}}"},
                      welcome={}, followups=[]).ok

    def test_emoji_count_two_and_accents_one(self, session, clock):
        team = self.team_with(session, ["Zoé"])
        # 148 emoji = 296 UTF-16 units; "Zoé" = 3 → 299: fits. One more emoji → 301.
        fits = create(session, team, now=clock.now(), languages=["en"], invitation={"en": "😀" * 148 + "{{firstName}}"},
                      welcome={}, followups=[])
        assert fits.ok, fits.errors
        over = create(session, team, now=clock.now(), name="Emoji over", languages=["en"],
                      invitation={"en": "😀" * 149 + "{{firstName}}"}, welcome={}, followups=[])
        assert "301 characters" in fields(over)["messages.invitation.en"]

    def test_links_count_at_their_tracked_length(self, session, clock):
        team = self.team_with(session, ["Al"])
        tracked = len(PUBLIC_URL) + 3 + 10
        long_url = "https://example.com/" + "a" * 200
        text = "k" * (300 - tracked - 2 - 1) + " " + long_url + "{{firstName}}"
        # The raw text is far over 300, its tracked form exactly 300.
        outcome = create(session, team, now=clock.now(), languages=["en"], invitation={"en": text}, welcome={},
                         followups=[])
        assert outcome.ok, outcome.errors


class TestSchedule:
    @pytest.mark.parametrize("overrides, field, message", [
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown timezone"),
        ({"slots": [SlotDraft(0, "11:00", "09:00")]}, "slots", "must be after the start"),
        ({"slots": [SlotDraft(0, "09:00", "11:00"), SlotDraft(0, "10:30", "12:00")]}, "slots", "overlap"),
        ({"slots": [SlotDraft(0, "9h", "11:00")]}, "slots", "HH:MM"),
        ({"slots": [SlotDraft(9, "09:00", "11:00")]}, "slots", "weekday"),
        ({"cohort_size": 0}, "cohort_size", "1 to 25"),
        ({"cohort_size": 26}, "cohort_size", "1 to 25"),
    ])
    def test_schedule_errors(self, session, clock, overrides, field, message):
        team = make_team(session)
        assert message in fields(create(session, team, now=clock.now(), **overrides))[field]

    def test_activation_needs_a_slot(self, session, clock):
        team = make_team(session)
        campaign = create(session, team, now=clock.now(), slots=[]).value
        outcome = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert "at least one slot" in fields(outcome)["slots"]
        assert session.get(Campaign, campaign.id).status == "draft"


class TestLifecycle:
    def test_activation_checks_the_account_again(self, session, clock):
        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now())
        team.sender_account.status = "restricted"
        session.add(team.sender_account)
        session.flush()
        outcome = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert "restricted" in fields(outcome)["sender"]
        team.sender_account.status = "valid"
        session.add(team.sender_account)
        outcome = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert outcome.ok and outcome.value.status == "active" and outcome.value.activated_by_id == team.sender.id

    def test_only_sender_or_admin_may_activate_edit_or_stop(self, session, clock):
        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now())
        with pytest.raises(NotAllowed, match="sender or a workspace admin"):
            activate_campaign(session=session, actor=team.colleague, campaign_id=campaign.id, now=clock.now(),
                              public_url=PUBLIC_URL)
        with pytest.raises(NotAllowed):
            update_campaign(session=session, actor=team.colleague, campaign_id=campaign.id,
                            draft=draft_for(team, description="hijack"), now=clock.now(), public_url=PUBLIC_URL)
        with pytest.raises(NotAllowed):
            stop_campaign(session=session, actor=team.colleague, campaign_id=campaign.id, now=clock.now())
        assert stop_campaign(session=session, actor=team.admin, campaign_id=campaign.id, now=clock.now()).value.status == "stopped"

    def test_another_workspace_cannot_see_or_touch_it(self, session, clock):
        team, other = make_team(session, name="A"), make_team(session, name="B")
        campaign = make_campaign(session, team, now=clock.now())
        with pytest.raises(NotFound):
            get_campaign(session=session, actor=other.admin, campaign_id=campaign.id)
        with pytest.raises(NotFound):
            stop_campaign(session=session, actor=other.admin, campaign_id=campaign.id, now=clock.now())

    def test_a_stopped_campaign_cannot_be_activated_again(self, session, clock):
        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now(), activate=True)
        stop_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now())
        outcome = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert "stopped" in fields(outcome)["status"]

    def test_an_error_on_update_changes_nothing(self, session, clock):
        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now())
        outcome = update_campaign(session=session, actor=team.sender, campaign_id=campaign.id,
                                  draft=draft_for(team, description="changed", cohort_size=99), now=clock.now(),
                                  public_url=PUBLIC_URL)
        assert not outcome.ok
        session.expire_all()
        assert session.get(Campaign, campaign.id).description == "Decision makers in Europe"


class TestPauses:
    """A paused campaign (account disconnected, note limit) resumes: by reconnecting, or by
    `activate` once the sender has acted."""

    def test_reconnecting_the_account_lifts_the_disconnection_pause(self, session, clock):
        from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE
        from core.workspace.service import connect_linkedin_account

        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now(), activate=True)
        campaign.paused_reason = ACCOUNT_DISCONNECTED_PAUSE
        team.sender_account.status = "invalid"
        session.add_all([campaign, team.sender_account])
        session.flush()
        connect_linkedin_account(session=session, member_id=team.sender.id, provider="sandbox",
                                 provider_account_id=team.sender_account.provider_account_id)
        session.refresh(campaign)
        assert campaign.paused_reason is None and campaign.status == "active"

    def test_activate_resumes_after_a_note_limit_pause_but_not_while_disconnected(self, session, clock):
        team = make_team(session)
        campaign = make_campaign(session, team, now=clock.now(), activate=True)
        team.sender_account.invitations_paused_reason = "LinkedIn refused the invitation note (note limit reached)"
        team.sender_account.status = "invalid"
        session.add(team.sender_account)
        session.flush()
        refused = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert "disconnected" in fields(refused)["sender"]
        assert team.sender_account.invitations_paused_reason is not None
        team.sender_account.status = "valid"
        session.add(team.sender_account)
        session.flush()
        resumed = activate_campaign(session=session, actor=team.sender, campaign_id=campaign.id, now=clock.now(),
                                    public_url=PUBLIC_URL)
        assert resumed.ok and team.sender_account.invitations_paused_reason is None


def test_an_inactive_member_cannot_create_even_as_admin(session, clock):
    team = make_team(session)
    team.admin.active = False
    session.add(team.admin)
    session.flush()
    outcome = create(session, team, actor=team.admin, now=clock.now())
    assert "Your membership of this workspace is inactive" in fields(outcome)["sender"]
    assert count(session, Campaign) == 0
