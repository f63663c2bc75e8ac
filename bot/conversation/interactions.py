"""Buttons, form changes and form submissions: `(action id, value)` and `{field id: value}` in,
a `Reply` out. The action ids are the ones the neutral views carry (`views.Button.action`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session

from bot.conversation import digest as digests, form as campaign_form, handlers, kept_texts, language_page
from bot.conversation.views import MULTILINE, Form, FormErrors, FormField, FormSection, Reply
from core.workspace.models import Member

DIGEST_EDIT = "digest_edit"
# Actions that only read: surfaces run them as read-only units of work (side by side with other
# readers and writers on SQLite, and the type-ahead's snapshots kept).
READ_ONLY_ACTIONS = frozenset({"campaign.show", "campaign.preview", digests.REFRESH})


def reads_only(action: str) -> bool:
    return action in READ_ONLY_ACTIONS


def handle_action(services, session: Session, actor: Member, action: str, value: str = "",
                  form_state: dict[str, Any] | None = None, form_values: dict[str, Any] | None = None) -> Reply:
    """A button press or a dispatched form change. `form_state`/`form_values` come with actions
    taken inside a dialog (the state stored with it and what is currently typed)."""
    if action.startswith("form."):
        return _form_action(services, session, actor, action, value, _form_state(session, actor, form_state or {}),
                            form_values or {})
    if action.startswith("digest."):
        return _digest_action(services, session, actor, action, value)
    if action == "campaign.create":
        return handlers.open_campaign_form(services, session, actor)
    if action == "account.connect":
        return handlers.connect(services, session, actor)
    if action.startswith("campaign."):
        return _campaign_action(services, session, actor, action, _int(value))
    return Reply.say("This button is no longer supported; type `/invite-campaign help`.", tone="warning")


def _int(value: str) -> int:
    ident = campaign_form.parse_id(value)
    if ident is None:
        raise ValueError("this button carries no campaign")
    return ident


def _campaign_action(services, session, actor, action: str, campaign_id: int) -> Reply:
    from core.campaigns.service import get_campaign

    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    if action == "campaign.show":
        return Reply(messages=[handlers.show_card(services, session, actor, campaign)])
    if action == "campaign.edit":
        return handlers.open_campaign_form(services, session, actor, campaign.id)
    if action == "campaign.activate":
        return handlers.activate(services, session, actor, campaign.id)[0]
    if action == "campaign.stop":
        return handlers.stop(services, session, actor, campaign.id)
    if action == "campaign.preview":
        return handlers.preview(services, session, actor, campaign.id)
    return Reply.say("This button is no longer supported; type `/invite-campaign help`.", tone="warning")


# -- the campaign form ------------------------------------------------------------------------

def _form_state(session, actor, raw: Any) -> dict[str, Any]:
    """The state a campaign form (or one of its language pages) came back with, once the core has
    said the actor may use it: it is the client's input (Slack's private_metadata, a Teams card's
    hidden input), so a campaign it names is one the actor may edit, or the interaction is refused
    before anything is read (`NotFound`/`NotAllowed`, or ValueError for an unreadable state). The
    texts kept for a form are the actor's own (`kept_texts`, by member): a key proves nothing."""
    from core.campaigns.service import editable_campaign

    state = campaign_form.read_state(raw)
    if state.get("campaign_id") is not None:
        editable_campaign(session=session, actor=actor, campaign_id=state["campaign_id"])
    return state


def _pickable(session, actor, draft) -> None:
    """A source the actor may not pick for the form's sender (chosen before the sender changed, or
    a value the type-ahead never offered) is dropped rather than drawn again (P-8)."""
    from core.sources.visibility import may_pick_source

    if draft.source_id and not may_pick_source(session=session, actor=actor, sender_id=draft.sender_id,
                                               kind=draft.source_kind, source_id=draft.source_id):
        draft.source_kind, draft.source_id = None, None


def _rebuild(services, session, actor, draft, state: dict[str, Any]) -> Reply:
    state = dict(state)
    state.pop("language", None)
    state["rev"] = int(state.get("rev", 0)) + 1  # surfaces show the new values, not the old inputs
    _pickable(session, actor, draft)
    form = campaign_form.build_form(draft, state=state, labels=handlers.form_labels(session, actor, draft),
                                    note_limit=handlers.note_limit_of(session, actor, draft.sender_id))
    paged = campaign_form.paged_languages(form)
    if paged or state.get("texts"):
        key = state.get("texts") or kept_texts.new_key()
        kept_texts.keep(services.form_texts, actor.id, key, texts=campaign_form.language_texts(draft, paged))
        form = replace(form, state={**form.state, "texts": key})
    return Reply(dialog=form)


def _with_kept_texts(services, session, actor, state: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What the dialog sent, completed with the texts of the languages written on their own page:
    the ones the actor kept for this form, else (never kept, or expired) the campaign's saved ones,
    which the core gives only to someone who may edit it."""
    record = kept_texts.kept(services.form_texts, actor.id, state["texts"]) if state.get("texts") else None
    if record is not None:
        return {**record["texts"], **values}
    missing = [lang for lang in state.get("languages") or [] if campaign_form.invitation_id(lang) not in values]
    if not missing or not state.get("campaign_id"):
        return values
    from core.campaigns.service import campaign_draft

    _, saved = campaign_draft(session=session, actor=actor, campaign_id=state["campaign_id"])
    return {**campaign_form.language_texts(saved, saved.languages), **values}


def _form_action(services, session, actor, action: str, value: str, state: dict[str, Any], values: dict[str, Any]) -> Reply:
    from core.campaigns.service import FollowupDraft

    values = _with_kept_texts(services, session, actor, state, values)
    draft, _ = campaign_form.draft_from_values(values, state)
    if action == "form.followup.add":
        if len(draft.followups) < campaign_form.MAX_FOLLOWUPS:
            delay = draft.followups[-1].delay_days if draft.followups else 3
            draft.followups.append(FollowupDraft(delay_days=delay or 3, texts={lang: "" for lang in draft.languages}))
        return _rebuild(services, session, actor, draft, state)
    if action == "form.followup.remove":
        index = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 3 else -1
        if 0 <= index < len(draft.followups):
            del draft.followups[index]
        return _rebuild(services, session, actor, draft, state)
    if action == campaign_form.OPEN_PAGE_ACTION:
        return _open_language_page(services, session, actor, draft, state, values, value)
    if action == "form.changed":
        return _form_changed(services, session, actor, value, draft, state, values)
    return Reply.say("This button is no longer supported; type `/invite-campaign help`.", tone="warning")


def _open_language_page(services, session, actor, draft, state, values, lang: str) -> Reply:
    """The page of `lang`'s texts, on top of the form; what the form holds is kept to draw it again."""
    if lang not in draft.languages:
        return Reply.say("This language is no longer one of the campaign's: pick it again first.", tone="warning")
    key = state.get("texts") or kept_texts.new_key()
    kept_texts.keep(services.form_texts, actor.id, key, texts=campaign_form.language_texts(draft, draft.languages), typed=values)
    page = language_page.page_form(draft, lang, state={**state, "texts": key},
                                   note_limit=handlers.note_limit_of(session, actor, draft.sender_id))
    return Reply(dialog=page, push_dialog=True)


def _submit_language_page(services, session, actor, state, values) -> Reply:
    """One language's texts done: checked by the core's rules (errors stay on the page), then the
    form underneath drawn again with them and with everything it held."""
    from core.campaigns.validation import check_draft

    record = kept_texts.kept(services.form_texts, actor.id, state["texts"]) if state.get("texts") else None
    if record is None or not state.get("language"):
        return Reply(close_dialog=True, notice=handlers.Notice(
            "This page's campaign form is gone (it was left open too long): open the form again.", tone="warning"))
    form_state = {k: v for k, v in state.items() if k != "language"}
    draft, errors = campaign_form.draft_from_values({**record["typed"], **values}, form_state)
    checked = check_draft(session=session, actor=actor, draft=draft, campaign_id=state.get("campaign_id"))
    for e in checked.errors:
        errors.setdefault(e.field, e.message)
    page = language_page.page_form(draft, state["language"], state=state,
                                   note_limit=handlers.note_limit_of(session, actor, draft.sender_id))
    problems = language_page.page_errors(page, errors)
    if problems is not None:
        return Reply(dialog=page, errors=problems)
    reply = _rebuild(services, session, actor, draft, form_state)
    reply.pop_dialog = True
    return reply


def _form_changed(services, session, actor, field_id: str, draft, state, values) -> Reply:
    from core.campaigns.service import find_campaign

    if field_id == "name":
        picked = campaign_form._choice(values, "name")
        if picked.startswith(campaign_form.EXISTING_CAMPAIGN):
            campaign_id = _int(picked.removeprefix(campaign_form.EXISTING_CAMPAIGN))
            if campaign_id != state.get("campaign_id"):
                # The form switches to that campaign: the core gives its texts to who may edit it.
                reply = handlers.open_campaign_form(services, session, actor, campaign_id)
                reply.dialog = replace(reply.dialog, state={**reply.dialog.state, "rev": int(state.get("rev", 0)) + 1})
                return reply
        elif draft.name:
            # A typed name equal to an existing campaign's is that campaign: switch as well.
            campaign, _ = find_campaign(session=session, actor=actor, name=draft.name)
            if campaign is not None and campaign.id != state.get("campaign_id"):
                values = {**values, "name": f"{campaign_form.EXISTING_CAMPAIGN}{campaign.id}"}
                return _form_changed(services, session, actor, "name", draft, state, values)
    return _rebuild(services, session, actor, draft, state)  # a source the new sender may not use is dropped


def handle_submission(services, session: Session, actor: Member, kind: str, state: dict[str, Any],
                      values: dict[str, Any]) -> Reply:
    """A dialog submitted. On error nothing is saved and the dialog shows the errors."""
    if kind == DIGEST_EDIT:
        return _submit_digest_edit(services, session, actor, state, values)
    if kind == campaign_form.PAGE_KIND:
        return _submit_language_page(services, session, actor, _form_state(session, actor, state), values)
    return _submit_campaign(services, session, actor, _form_state(session, actor, state), values)


def _refused(services, session, actor, draft, state, errors: dict[str, str]) -> Reply:
    """A refused submission: the errors placed on the fields, and the form rebuilt from what was
    typed (for surfaces that redraw the whole dialog, such as Teams cards)."""
    form = _rebuild(services, session, actor, draft, state).dialog
    return Reply(dialog=form, errors=campaign_form.place_errors(form, errors))


def _submit_campaign(services, session, actor, state, values) -> Reply:
    from core.campaigns.service import create_campaign, update_campaign

    draft, errors = campaign_form.draft_from_values(_with_kept_texts(services, session, actor, state, values), state)
    if errors:
        # Show the core's other findings too, so one submission reveals every problem.
        from core.campaigns.validation import check_draft

        checked = check_draft(session=session, actor=actor, draft=draft, campaign_id=state.get("campaign_id"))
        for e in checked.errors:
            errors.setdefault(e.field, e.message)
        return _refused(services, session, actor, draft, state, errors)
    now, public_url = services.clock.now(), services.settings.public_url
    campaign_id = state.get("campaign_id")
    if campaign_id:
        outcome = update_campaign(session=session, actor=actor, campaign_id=int(campaign_id), draft=draft, now=now,
                                  public_url=public_url)
    else:
        outcome = create_campaign(session=session, actor=actor, draft=draft, now=now, public_url=public_url)
    if not outcome.ok:
        return _refused(services, session, actor, draft, state, outcome.errors_by_field())
    if state.get("texts"):
        kept_texts.forget(services.form_texts, actor.id, state["texts"])
    note = "Saved." if campaign_id else "Created as a draft: activate it when ready."
    warnings = handlers._warnings_text(outcome)
    card = handlers.show_card(services, session, actor, outcome.value, note=f"{note}\n{warnings}" if warnings else note)
    return Reply(close_dialog=True, messages=[card])


# -- the moderation digest --------------------------------------------------------------------

def _digest_page(services, session, actor, digest_id: int, page: int):
    view = _digest_of(services, session, actor, digest_id)
    return digests.digest_page(view, page)


def _digest_action(services, session, actor, action: str, value: str) -> Reply:
    from core.moderation.decisions import decide, skip_all

    digest_id, page, send_id, extra = digests.parse_value(value, action)
    now, public_url = services.clock.now(), services.settings.public_url
    # Every digest button names a digest, read (and re-rendered after the decision) only by its
    # moderators, and may name only invitations of that digest: a decision on one's own invitation
    # must not re-render another digest named beside it.
    view = _digest_of(services, session, actor, digest_id)
    if action == digests.REFRESH:
        return Reply(replace=digests.digest_page(view, page))
    if action in ("digest.skip_all", "digest.restore_all"):
        skip_all(session=session, actor=actor, digest_id=digest_id, send_ids=digests.page_send_ids(view, page),
                 skip=action == "digest.skip_all", now=now)
        return Reply(replace=_digest_page(services, session, actor, digest_id, page))
    if send_id is None:
        raise ValueError("this button names no invitation")
    item = next((i for i in view.items if i.send_id == send_id), None)
    if item is None:
        raise ValueError("this invitation is no longer in the digest")
    if action == "digest.edit":
        return Reply(dialog=digest_edit_form(digest_id, page, item))
    kind = {"digest.skip": "skip", "digest.restore": "restore", "digest.language": "language"}.get(action)
    if kind is None:
        return Reply.say("This button is no longer supported.", tone="warning")
    outcome = decide(session=session, actor=actor, send_id=send_id, action=kind, value=extra, now=now,
                     public_url=public_url)
    if not outcome.ok:
        return Reply(notice=handlers.Notice(" ".join(e.message for e in outcome.errors), tone="error"))
    return Reply(replace=_digest_page(services, session, actor, digest_id, page))


def _digest_of(services, session, actor, digest_id: int):
    """The digest's view, as the core gives it to its moderators only (invariants 7 and 8)."""
    from core.moderation.decisions import read_digest

    return read_digest(session=session, actor=actor, digest_id=digest_id, public_url=services.settings.public_url)


def digest_edit_form(digest_id: int, page: int, item) -> Form:
    hint = (f"At most {item.limit} characters once personalised; now {item.length}. "
            "Personalise it for this contact; no line breaks.")
    return Form(DIGEST_EDIT, "Edit invitation", "Save", (
        FormSection(f"{item.contact_name}" + (f" · {item.headline}" if item.headline else ""), (
            FormField("text", MULTILINE, "Invitation", hint=hint, value=item.text, required=True,
                      max_length=item.limit + 200),
        )),
    ), {"digest_id": digest_id, "page": page, "send_id": item.send_id})


def _digest_edit_state(state: Any) -> tuple[int, int, int]:
    """(digest id, page, send id) of a digest edit dialog's state, as `digest_edit_form` wrote it."""
    if not isinstance(state, dict):
        raise ValueError("this form's state is unreadable; open it again from the digest")
    numbers = [state.get("digest_id"), state.get("page", 0), state.get("send_id")]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in numbers):
        raise ValueError("this form's state is unreadable; open it again from the digest")
    return numbers[0], numbers[1], numbers[2]


def _submit_digest_edit(services, session, actor, state, values) -> Reply:
    from core.moderation.decisions import decide

    digest_id, page, send_id = _digest_edit_state(state)
    view = _digest_of(services, session, actor, digest_id)
    item = next((i for i in view.items if i.send_id == send_id), None)
    if item is None:
        raise ValueError("this invitation is no longer in the digest")
    text = campaign_form.without_nul(values.get("text")) if isinstance(values.get("text"), str) else ""
    if len(text) > campaign_form.MAX_TEXT:
        outcome_errors = f"Too long: at most {item.limit} characters once personalised."
        return Reply(dialog=digest_edit_form(digest_id, page, item), errors=FormErrors({"text": outcome_errors}))
    outcome = decide(session=session, actor=actor, send_id=send_id, action="edit", value=text.strip(),
                     now=services.clock.now(), public_url=services.settings.public_url)
    if not outcome.ok:
        form = digest_edit_form(digest_id, page, replace(item, text=text))
        return Reply(dialog=form, errors=FormErrors({"text": " ".join(e.message for e in outcome.errors)}))
    return Reply(close_dialog=True, replace=_digest_page(services, session, actor, digest_id, page))
