"""The flows of the bot core, platform-neutral: the same calls serve Slack and Teams."""


from bot.conversation.actor import ChatUser, Profile, resolve_member_id
from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command, home
from bot.conversation.interactions import Asked, Submitted, handle_action, handle_submission
from bot.conversation.options import options_for
from bot.conversation.runner import run_sync
from core.db import UnitOfWork
from core.workspace.models import Member
from tests.integration.conversation.forms import ROOM, campaigns, open_form, valid_values, values_for

def test_a_new_chat_user_becomes_a_member_by_email_or_as_first_admin(ctx, people):
    # Carol from Teams with the email she has in Slack is the same member
    same = resolve_member_id(ctx.uow, ChatUser("teams", "tenant-1", "aad-carol"),
                             Profile(name="Carol M.", email="ucarol@example.com"))
    assert same != people.carol  # another workspace (Teams tenant) until the workspace carries both ids
    with UnitOfWork(ctx.engine)() as s:
        fresh = s.get(Member, resolve_member_id(ctx.uow, ChatUser("slack", "T-new", "U1"), Profile(name="First")))
        assert fresh.role == "admin" and fresh.name == "First"


def test_create_with_errors_saves_nothing_then_succeeds(ctx, people):
    form = open_form(ctx, people.bob)
    assert form.field("sender").value == str(people.bob)

    bad = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people, name="new:x", cohort_size="lots", slots="someday"), ROOM))
    assert bad.errors is not None
    assert {"name", "cohort_size", "slots"} <= set(bad.errors.errors)
    # The form comes back rebuilt from what was typed, for surfaces that redraw the whole dialog
    assert bad.dialog is not None and bad.dialog.kind == form.kind
    assert bad.dialog.field("sender").value == str(people.bob)
    assert campaigns(ctx) == []

    good = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people), ROOM))
    assert good.closes_dialog and good.errors is None
    [card] = good.messages
    assert card.title == "Lyon push" and [b.action for b in card.buttons] == [
        "campaign.activate", "campaign.edit", "campaign.preview", "campaign.stop"]
    assert campaigns(ctx)[0].status == "draft"


def test_core_errors_land_on_the_form_fields(ctx, people):
    form = open_form(ctx, people.bob)
    reply = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people, **{"messages.invitation.en": "Hi {{nickname}}"}), ROOM))
    assert "nickname" in reply.errors.errors["messages.invitation.en"]


def test_followups_are_added_and_removed(ctx, people):
    form = open_form(ctx, people.bob)
    added = run_sync(ctx, people.bob, handle_action,
                     Asked("form.followup.add", "", ROOM, form.state, valid_values(form, people))).dialog
    assert added.field("followups.1.delay") and added.field("messages.followup.1.en")
    assert added.field("messages.invitation.en").value == "Hello {{firstName}}, let's connect."
    assert added.state["rev"] > form.state.get("rev", 0)
    removed = run_sync(ctx, people.bob, handle_action,
                       Asked("form.followup.remove", "0", ROOM, added.state, values_for(added))).dialog
    assert removed.field("followups.1.delay") is None


def test_sources_follow_the_sender_chosen_in_the_form(ctx, people):
    groups = run_sync(ctx, people.admin, options_for, "source", "lyon", {"sender": str(people.bob)})
    assert [o.label for g in groups for o in g.options] == ["Lyon CTOs"]
    assert run_sync(ctx, people.admin, options_for, "source", "lyon", {"sender": str(people.admin)}) == []


def test_name_typeahead_offers_create_and_existing(ctx, people):
    form = open_form(ctx, people.bob)
    run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people), ROOM))
    options = run_sync(ctx, people.bob, options_for, "campaign_name", "lyon")
    assert options[0].value == "new:lyon" and options[1].label == "Lyon push"
    assert run_sync(ctx, people.bob, options_for, "timezone", "paris")[0].value == "Europe/Paris"


def created(ctx, people):
    form = open_form(ctx, people.bob)
    run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people), ROOM))
    return campaigns(ctx)[0]


def test_activate_and_stop_by_name_and_refusals(ctx, people):
    campaign = created(ctx, people)
    refused = run_sync(ctx, people.carol, handle_action, Asked("campaign.activate", str(campaign.id), ROOM))
    assert refused.notice.tone == "error"  # Carol is in another workspace: it does not exist for her
    outsider = run_sync(ctx, people.outsider, handle_command, parse_command("activate Lyon push"))
    assert "No campaign is named" in outsider.notice.text

    run_sync(ctx, people.bob, handle_command, parse_command("activate lyon PUSH"))
    assert campaigns(ctx)[0].status == "active"
    run_sync(ctx, people.admin, handle_action, Asked("campaign.stop", str(campaign.id), ROOM))  # an admin may stop it
    assert campaigns(ctx)[0].status == "stopped"


def test_list_show_preview_home_and_help(ctx, people):
    created(ctx, people)
    listed = run_sync(ctx, people.bob, handle_command, parse_command("list")).messages[0]
    assert [c.title for c in listed.cards] == ["Lyon push"]
    assert {f.label for f in listed.cards[0].facts} >= {"Health", "Today", "Invitations", "Acceptance", "Next slot"}
    assert "admins" in run_sync(ctx, people.bob, handle_command, parse_command("list all")).notice.text
    assert run_sync(ctx, people.admin, handle_command, parse_command("list all")).messages[0].cards
    preview = run_sync(ctx, people.bob, handle_command, parse_command("preview Lyon push")).messages[0]
    assert any(s.text.startswith("Hello Ann") for s in preview.samples)
    assert run_sync(ctx, people.bob, home).campaigns.cards
    assert "create" in run_sync(ctx, people.bob, handle_command, parse_command("")).notice.text


def test_connect_in_sandbox_connects_at_once_and_says_so(ctx, people):
    reply = run_sync(ctx, people.carol, handle_command, parse_command("connect"))
    assert "sandbox" in reply.notice.text.lower()
    assert open_form(ctx, people.carol) and run_sync(ctx, people.carol, handle_command, parse_command("create")).notice is None


def test_the_form_offers_the_follow_up_delays_the_core_accepts(ctx, people):
    from bot.conversation.form import build_form, followup_delay_id
    from core.campaigns.service import CampaignDraft, FollowupDraft
    from core.campaigns.validation import FOLLOWUP_DELAY_MAX, FOLLOWUP_DELAY_MIN

    draft = CampaignDraft(followups=[FollowupDraft(delay_days=3, texts={"en": "Hi"})])
    delay = build_form(draft, state={}, labels={}, room=ROOM).field(followup_delay_id(0))
    assert (delay.min_value, delay.max_value) == (FOLLOWUP_DELAY_MIN, FOLLOWUP_DELAY_MAX)
