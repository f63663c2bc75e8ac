"""Languages beyond the form's room, platform-neutral: their texts are written on a page of their
own, kept between interactions, renumbered with the follow-ups, and read from the saved campaign
when it is edited."""

from bot.conversation import form as campaign_form
from bot.conversation.handlers import open_campaign_form
from bot.conversation.interactions import Asked, Submitted, handle_action, handle_submission
from bot.conversation.views import DialogStep
from bot.conversation.runner import run_sync
from core.campaigns.service import campaign_draft
from core.db import UnitOfWork
from core.workspace.models import Member
from tests.integration.conversation.forms import ROOM, campaigns, open_form, valid_values, values_for


LANGS = ["en", "fr", "de", "es", "it", "nl", "pt", "pl"]


def act(ctx, who, action, value, form, values):
    return run_sync(ctx, who, handle_action, Asked(action, value, ROOM, form.state, values))


def written(form, lang, label="T"):
    """A text for each of `lang`'s inputs on `form`."""
    return {f.id: f"{label} {f.id} {{{{firstName}}}}" for f in form.fields if f.id.endswith(f".{lang}")}


def big_form(ctx, people):
    form = open_form(ctx, people.bob)
    values = valid_values(form, people, languages=LANGS)
    form = act(ctx, people.bob, "form.changed", "languages", form, values).dialog
    for _ in range(10):
        form = act(ctx, people.bob, "form.followup.add", "", form, values_for(form)).dialog
    return form


def fill_inline(form, people):
    values = valid_values(form, people)
    for lang in LANGS:
        values.update(written(form, lang))
    return values


def test_page_texts_are_kept_renumbered_and_saved(ctx, people):
    form = big_form(ctx, people)
    paged = campaign_form.paged_languages(form)
    assert paged and len(form.state["languages"]) == len(LANGS)
    assert form.state["texts"]  # the key under which the bot keeps them
    values = fill_inline(form, people)

    for lang in paged:
        opened = act(ctx, people.bob, "form.language.open", lang, form, values)
        assert opened.step is DialogStep.PUSH and opened.dialog.kind == campaign_form.PAGE_KIND
        done = run_sync(ctx, people.bob, handle_submission, Submitted(opened.dialog.kind, opened.dialog.state, written(opened.dialog, lang, "P"), ROOM))
        assert done.step is DialogStep.POP and done.errors is None
        form = done.dialog
        values = values_for(form)
    # What was typed in the form itself is there again
    assert form.field("messages.invitation.en").value == values["messages.invitation.en"]

    # Removing follow-up 1 moves the pages' texts up with it
    form = act(ctx, people.bob, "form.followup.remove", "0", form, values).dialog
    lang = paged[0]
    page = act(ctx, people.bob, "form.language.open", lang, form, values_for(form)).dialog
    assert page.field(f"messages.followup.1.{lang}").value == f"P messages.followup.2.{lang} {{{{firstName}}}}"
    assert page.field(f"messages.followup.10.{lang}") is None

    saved = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, values_for(form), ROOM))
    assert saved.closes_dialog and saved.errors is None
    [campaign] = campaigns(ctx)
    with UnitOfWork(ctx.engine)() as s:
        _, draft = campaign_draft(session=s, actor=s.get(Member, people.bob), campaign_id=campaign.id)
    assert draft.languages == LANGS and len(draft.followups) == 9
    assert draft.invitation[lang] == f"P messages.invitation.{lang} {{{{firstName}}}}"
    assert draft.followups[8].texts[lang] == f"P messages.followup.10.{lang} {{{{firstName}}}}"


def test_a_page_with_an_error_stays_open_and_the_form_names_unwritten_languages(ctx, people):
    form = big_form(ctx, people)
    values = fill_inline(form, people)
    first = campaign_form.paged_languages(form)[0]
    page = act(ctx, people.bob, "form.language.open", first, form, values).dialog
    refused = run_sync(ctx, people.bob, handle_submission, Submitted(page.kind, page.state, {**written(page, first), f"messages.welcome.{first}": "Danke {{firstName"}, ROOM))
    assert list(refused.errors.errors) == [f"messages.welcome.{first}"] and refused.step is not DialogStep.POP
    assert refused.dialog.kind == campaign_form.PAGE_KIND

    reply = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, values, ROOM))
    assert set(reply.errors.errors) == {"languages"}
    assert "Write the texts in" in reply.errors.errors["languages"]
    assert campaigns(ctx) == []


def test_editing_a_saved_campaign_reads_the_pages_texts_from_it(ctx, people):
    form = big_form(ctx, people)
    values = fill_inline(form, people)
    for lang in campaign_form.paged_languages(form):
        page = act(ctx, people.bob, "form.language.open", lang, form, values).dialog
        form = run_sync(ctx, people.bob, handle_submission, Submitted(page.kind, page.state, written(page, lang, "P"), ROOM)).dialog
        values = values_for(form)
    run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, values, ROOM))
    [campaign] = campaigns(ctx)

    # Opened again to edit it: the pages' texts were never kept for this form, they come from the campaign
    with UnitOfWork(ctx.engine)() as s:
        actor = s.get(Member, people.bob)
        edit = open_campaign_form(ctx, s, actor, ROOM, campaign.id).dialog
    lang = campaign_form.paged_languages(edit)[-1]
    assert "texts" not in edit.state
    page = act(ctx, people.bob, "form.language.open", lang, edit, values_for(edit)).dialog
    assert page.field(f"messages.invitation.{lang}").value == f"P messages.invitation.{lang} {{{{firstName}}}}"
