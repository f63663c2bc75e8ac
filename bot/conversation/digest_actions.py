"""The digest's buttons (refresh a page, skip or restore one invitation or a page of them, switch its
language, edit its text) and the Edit dialog's submission. A button names a digest, a page and an
invitation (`digest.parse_value`); the core gives the digest to its moderators only and decides
only on invitations of that digest (`core.moderation.commands`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session

from bot.conversation import digest as digests
from bot.conversation import form as campaign_form
from bot.conversation.interactions import Asked, Submitted, action, submission
from bot.conversation.runner import ask
from bot.conversation.views import MULTILINE, DialogStep, Form, FormErrors, FormField, FormSection, Notice, Reply
from core.i18n import t
from core.moderation.commands import DecideInvitation, DecideInvitations, Decision, ReadDigest
from core.notify import DigestItem
from core.services import Services
from core.workspace.models import Member

EDIT = "digest_edit"  # the kind of the Edit dialog
DECISIONS = {"digest.skip": Decision.SKIP, "digest.restore": Decision.RESTORE, "digest.language": Decision.LANGUAGE}


@action(digests.REFRESH, read_only=True)
def refresh(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    digest_id, page, _, _ = digests.parse_value(asked.value, asked.action)
    return Reply(replace=digests.digest_page(ask(services, session, actor, ReadDigest(digest_id)), page))


@action("digest.skip_all", "digest.restore_all")
def decide_page(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    digest_id, page, _, _ = digests.parse_value(asked.value, asked.action)
    view = ask(services, session, actor, ReadDigest(digest_id))
    command = DecideInvitations(digest_id, tuple(digests.page_send_ids(view, page)),
                                skip=asked.action == "digest.skip_all")
    return Reply(replace=digests.digest_page(ask(services, session, actor, command), page))


@action(*DECISIONS)
def decide(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    digest_id, page, send_id, extra = digests.parse_value(asked.value, asked.action)
    if send_id is None:
        raise ValueError(t("error.no_invitation_button"))
    outcome = ask(services, session, actor, DecideInvitation(digest_id, send_id, DECISIONS[asked.action], extra))
    if not outcome.ok:
        return Reply(notice=Notice(" ".join(e.message for e in outcome.errors), tone="error"))
    return Reply(replace=digests.digest_page(outcome.value, page))


@action("digest.edit")
def open_edit(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    digest_id, page, send_id, _ = digests.parse_value(asked.value, asked.action)
    item = _item(ask(services, session, actor, ReadDigest(digest_id)).items, send_id)
    return Reply(dialog=edit_form(digest_id, page, item))


def _item(items: tuple[DigestItem, ...], send_id: int | None) -> DigestItem:
    item = next((i for i in items if i.send_id == send_id), None)
    if item is None:
        raise ValueError(t("digest.invitation_gone"))
    return item


def edit_form(digest_id: int, page: int, item: DigestItem) -> Form:
    hint = t("digest.edit_hint", limit=item.limit, length=item.length)
    return Form(EDIT, t("digest.edit_title"), t("button.save"), (
        FormSection(f"{item.contact_name}" + (f" · {item.headline}" if item.headline else ""), (
            FormField("text", MULTILINE, t("step.invitation"), hint=hint, value=item.text, required=True,
                      max_length=item.limit + 200),
        )),
    ), {"digest_id": digest_id, "page": page, "send_id": item.send_id})


def _edit_state(state: Any) -> tuple[int, int, int]:
    """(digest id, page, send id) of an Edit dialog's state, as `edit_form` wrote it."""
    if not isinstance(state, dict):
        raise ValueError(t("digest.edit_state_unreadable"))
    numbers = [state.get("digest_id"), state.get("page", 0), state.get("send_id")]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in numbers):
        raise ValueError(t("digest.edit_state_unreadable"))
    return numbers[0], numbers[1], numbers[2]


@submission(EDIT)
def submit_edit(services: Services, session: Session, actor: Member, submitted: Submitted) -> Reply:
    digest_id, page, send_id = _edit_state(submitted.state)
    raw = submitted.values.get("text")
    text = campaign_form.without_nul(raw) if isinstance(raw, str) else ""
    if len(text) > campaign_form.MAX_TEXT:
        item = _item(ask(services, session, actor, ReadDigest(digest_id)).items, send_id)
        return Reply(dialog=edit_form(digest_id, page, item),
                     errors=FormErrors({"text": t("digest.edit_too_long", limit=item.limit)}))
    outcome = ask(services, session, actor, DecideInvitation(digest_id, send_id, Decision.EDIT, text.strip()))
    if not outcome.ok:
        item = _item(ask(services, session, actor, ReadDigest(digest_id)).items, send_id)
        return Reply(dialog=edit_form(digest_id, page, replace(item, text=text)),
                     errors=FormErrors({"text": " ".join(e.message for e in outcome.errors)}))
    return Reply(step=DialogStep.CLOSE, replace=digests.digest_page(outcome.value, page))
