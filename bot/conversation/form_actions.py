"""The campaign form's own actions (add or remove a follow-up, open the page of a language's
texts, a dispatched change of name, sender or languages) and its submissions (the form, a
language's page). The form's state is the client's input: a campaign it names is one the core
lets the actor edit, or nothing is read (`NotFound`/`NotAllowed`, ValueError for an unreadable
state); the texts kept for a form are the actor's own (`kept_texts`, by member)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session

from bot.conversation import form as campaign_form
from bot.conversation import handlers, kept_texts, language_page
from bot.conversation.interactions import Asked, Submitted, action, submission
from bot.conversation.runner import ask
from bot.conversation.views import DialogRoom, DialogStep, Notice, Reply
from core.campaigns.commands import CheckCampaign, EditCampaign, SaveCampaign
from core.campaigns.drafts import CampaignDraft, FollowupDraft
from core.campaigns.service import editable_campaign, find_campaign
from core.i18n import t
from core.services import Services
from core.workspace.models import Member

FOLLOWUP_DELAY = 3  # days, for a first follow-up


def _form_state(session: Session, actor: Member, raw: Any) -> dict[str, Any]:
    state = campaign_form.read_state(raw)
    if state.get("campaign_id") is not None:
        editable_campaign(session=session, actor=actor, campaign_id=state["campaign_id"])
    return state


def _with_kept_texts(services: Services, session: Session, actor: Member, state: dict[str, Any],
                     values: dict[str, Any]) -> dict[str, Any]:
    """What the dialog sent, completed with the texts of the languages written on their own page:
    the ones the actor kept for this form, else (never kept, or expired) the campaign's saved ones,
    which the core gives only to someone who may edit it."""
    record = kept_texts.kept(services.form_texts, actor.id, state["texts"]) if state.get("texts") else None
    if record is not None:
        return {**record["texts"], **values}
    missing = [lang for lang in state.get("languages") or [] if campaign_form.invitation_id(lang) not in values]
    if not missing or not state.get("campaign_id"):
        return values
    _, saved = ask(services, session, actor, EditCampaign(state["campaign_id"]))
    return {**campaign_form.language_texts(saved, saved.languages), **values}


def _rebuild(services: Services, session: Session, actor: Member, draft: CampaignDraft, state: dict[str, Any],
             room: DialogRoom) -> Reply:
    """The form drawn again with `draft` (a new revision, so surfaces show the new values); the
    texts of languages it has no room for are kept for it."""
    state = {k: v for k, v in state.items() if k != "language"}
    state["rev"] = int(state.get("rev", 0)) + 1
    form = handlers.build_campaign_form(services, session, actor, draft, state, room)
    paged = campaign_form.paged_languages(form)
    if paged or state.get("texts"):
        key = state.get("texts") or kept_texts.new_key()
        kept_texts.keep(services.form_texts, actor.id, key, texts=campaign_form.language_texts(draft, paged))
        form = replace(form, state={**form.state, "texts": key})
    return Reply(dialog=form)


def _draft(services: Services, session: Session, actor: Member, asked: Asked) -> tuple[CampaignDraft, dict, dict]:
    state = _form_state(session, actor, asked.form_state or {})
    values = _with_kept_texts(services, session, actor, state, asked.form_values)
    draft, _ = campaign_form.draft_from_values(values, state)
    return draft, state, values


@action("form.followup.add")
def add_followup(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    draft, state, _ = _draft(services, session, actor, asked)
    if len(draft.followups) < campaign_form.MAX_FOLLOWUPS:
        delay = draft.followups[-1].delay_days if draft.followups else FOLLOWUP_DELAY
        draft.followups.append(FollowupDraft(delay_days=delay or FOLLOWUP_DELAY,
                                             texts={lang: "" for lang in draft.languages}))
    return _rebuild(services, session, actor, draft, state, asked.room)


@action("form.followup.remove")
def remove_followup(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    draft, state, _ = _draft(services, session, actor, asked)
    value = asked.value
    index = int(value) if value.isascii() and value.isdigit() and len(value) < 3 else -1
    if 0 <= index < len(draft.followups):
        del draft.followups[index]
    return _rebuild(services, session, actor, draft, state, asked.room)


@action(campaign_form.OPEN_PAGE_ACTION)
def open_language_page(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    """The page of a language's texts, on top of the form; what the form holds is kept to draw it again."""
    draft, state, values = _draft(services, session, actor, asked)
    lang = asked.value
    if lang not in draft.languages:
        return Reply.say(t("form.language_gone"), tone="warning")
    key = state.get("texts") or kept_texts.new_key()
    kept_texts.keep(services.form_texts, actor.id, key, texts=campaign_form.language_texts(draft, draft.languages),
                    typed=values)
    page = language_page.page_form(draft, lang, state={**state, "texts": key},
                                   note_limit=handlers.note_limit(services, session, actor, draft))
    return Reply(dialog=page, step=DialogStep.PUSH)


@action("form.changed")
def changed(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    """A change the form reports at once: picking an existing campaign's name opens that campaign
    (the core gives its texts to who may edit it); a new sender drops a source they may not use."""
    draft, state, values = _draft(services, session, actor, asked)
    if asked.value == "name":
        picked = campaign_form.choice(values, "name")
        campaign_id = None
        if picked.startswith(campaign_form.EXISTING_CAMPAIGN):
            campaign_id = campaign_form.parse_id(picked.removeprefix(campaign_form.EXISTING_CAMPAIGN))
            if campaign_id is None:
                raise ValueError(t("error.no_campaign_choice"))
        elif draft.name:
            # A typed name equal to an existing campaign's is that campaign: switch as well.
            campaign, _ = find_campaign(session=session, actor=actor, name=draft.name)
            campaign_id = campaign.id if campaign is not None else None
        if campaign_id is not None and campaign_id != state.get("campaign_id"):
            reply = handlers.open_campaign_form(services, session, actor, asked.room, campaign_id)
            assert reply.dialog is not None
            reply.dialog = replace(reply.dialog, state={**reply.dialog.state, "rev": int(state.get("rev", 0)) + 1})
            return reply
    return _rebuild(services, session, actor, draft, state, asked.room)


def _refused(services: Services, session: Session, actor: Member, draft: CampaignDraft, state: dict[str, Any],
             errors: dict[str, str], room: DialogRoom) -> Reply:
    """A refused submission: the errors placed on the fields, and the form rebuilt from what was
    typed (for surfaces that redraw the whole dialog, such as Teams cards)."""
    form = _rebuild(services, session, actor, draft, state, room).dialog
    assert form is not None
    return Reply(dialog=form, errors=campaign_form.place_errors(form, errors))


@submission(campaign_form.KIND)
def submit_campaign(services: Services, session: Session, actor: Member, submitted: Submitted) -> Reply:
    state = _form_state(session, actor, submitted.state)
    values = _with_kept_texts(services, session, actor, state, submitted.values)
    draft, form_errors = campaign_form.draft_from_values(values, state)
    campaign_id = state.get("campaign_id")
    outcome = ask(services, session, actor, SaveCampaign(campaign_id, draft, form_errors))
    if not outcome.ok:
        return _refused(services, session, actor, draft, state, outcome.errors_by_field(), submitted.room)
    services.typeahead.forget(actor.workspace_id)  # its name (and a new program) offered at the next keystroke
    if state.get("texts"):
        kept_texts.forget(services.form_texts, actor.id, state["texts"])
    note = t("campaign.saved") if campaign_id else t("campaign.created_draft")
    warnings = handlers.warnings_text(outcome)
    card = handlers.show_card(services, session, actor, outcome.value, note=f"{note}\n{warnings}" if warnings else note)
    return Reply(step=DialogStep.CLOSE, messages=[card])


@submission(campaign_form.PAGE_KIND)
def submit_language_page(services: Services, session: Session, actor: Member, submitted: Submitted) -> Reply:
    """One language's texts done: checked by the core's rules (errors stay on the page), then the
    form underneath drawn again with them and with everything it held."""
    state = _form_state(session, actor, submitted.state)
    record = kept_texts.kept(services.form_texts, actor.id, state["texts"]) if state.get("texts") else None
    if record is None or not state.get("language"):
        return Reply(step=DialogStep.CLOSE, notice=Notice(
            t("form.page_gone"), tone="warning"))
    form_state = {k: v for k, v in state.items() if k != "language"}
    draft, errors = campaign_form.draft_from_values({**record["typed"], **submitted.values}, form_state)
    checked = ask(services, session, actor, CheckCampaign(state.get("campaign_id"), draft))
    for e in checked.errors:
        errors.setdefault(e.field, e.message)
    page = language_page.page_form(draft, state["language"], state=state,
                                   note_limit=handlers.note_limit(services, session, actor, draft))
    problems = language_page.page_errors(page, errors)
    if problems is not None:
        return Reply(dialog=page, errors=problems)
    reply = _rebuild(services, session, actor, draft, form_state, submitted.room)
    reply.step = DialogStep.POP
    return reply
