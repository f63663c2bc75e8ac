"""Checks of a campaign draft (P-2…P-19). Every problem is a FieldError a user can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from core.campaigns import schedule
from core.campaigns.drafts import CampaignDraft, followup_field, invitation_field, welcome_field
from core.campaigns.models import Campaign
from core.campaigns.naming import name_key, name_problem
from core.campaigns.templates import TemplateProblem, check_template, has_line_break
from core.errors import FieldError
from core.i18n import invocation, t
from core.languages import LANGUAGE_CODES
from core.workspace.models import LinkedInAccount, Member

FOLLOWUP_DELAY_MIN, FOLLOWUP_DELAY_MAX = 1, 60
MAX_FOLLOWUPS = 10
Report = Callable[[str, str], None]  # (field, message): one error of the form


@dataclass
class Checked:
    errors: list[FieldError]
    warnings: list[FieldError]
    sender: Member | None = None
    account: LinkedInAccount | None = None


def check_draft(*, session: Session, actor: Member, draft: CampaignDraft, campaign_id: int | None,
                for_activation: bool = False) -> Checked:
    """Every rule of the form that needs no contact data. Source contents are checked by
    `core.campaigns.audience.check_against_source`."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(field, message))

    # Name (P-4)
    problem = name_problem(draft.name, what=t("form.name"))
    if problem:
        err("name", problem)
    else:
        clash = session.exec(
            select(Campaign.id).where(Campaign.workspace_id == actor.workspace_id,
                                      Campaign.name_key == name_key(draft.name))
        ).first()
        if clash is not None and clash != campaign_id:
            err("name", t("campaign.name_taken", name=draft.name.strip()))

    # Program (P-5)
    problem = name_problem(draft.program, what=t("form.program"))
    if problem:
        err("program", problem)

    # Sender (P-7)
    sender, account = _check_sender(session, actor, draft.sender_id, err)

    # Source (P-8): presence here, visibility and contents in audience.py
    if draft.source_kind not in ("finder", "segment") or not draft.source_id:
        err("source", t("campaign.pick_source"))

    # Languages and messages (P-2, P-10…P-14)
    languages = [lang.strip().lower() for lang in draft.languages if lang and lang.strip()]
    if not languages:
        err("languages", t("campaign.pick_language"))
    elif len(set(languages)) != len(languages):
        err("languages", t("campaign.language_twice"))
    else:
        unknown = [lang for lang in languages if lang not in LANGUAGE_CODES]
        if unknown:
            err("languages", t("campaign.unknown_languages", codes=", ".join(unknown),
                                 known=", ".join(LANGUAGE_CODES[:6])))
    if draft.default_language and languages and draft.default_language not in languages:
        err("default_language", t("campaign.default_language"))

    for lang in languages:
        _check_text(draft.invitation.get(lang), invitation_field(lang), t("form.invitation_label", language=lang),
                    required=True, err=err)
        text = draft.invitation.get(lang) or ""
        if has_line_break(text.strip()):
            warnings.append(FieldError(invitation_field(lang), t("campaign.line_break")))
    has_welcome = any((draft.welcome.get(lang) or "").strip() for lang in languages)
    if draft.followups and not has_welcome:
        for lang in languages:
            err(welcome_field(lang), t("campaign.welcome_needed", language=lang))
    elif has_welcome:
        for lang in languages:
            _check_text(draft.welcome.get(lang), welcome_field(lang), t("form.welcome_label", language=lang),
                        required=True, err=err)
    if len(draft.followups) > MAX_FOLLOWUPS:
        err("followups", t("campaign.max_followups", max=MAX_FOLLOWUPS))
    for n, followup in enumerate(draft.followups, start=1):
        if followup.delay_days is None or not FOLLOWUP_DELAY_MIN <= followup.delay_days <= FOLLOWUP_DELAY_MAX:
            err(f"followups.{n}.delay",
                t("campaign.followup_delay", position=n, min=FOLLOWUP_DELAY_MIN, max=FOLLOWUP_DELAY_MAX))
        for lang in languages:
            label = t("campaign.followup_label", position=n, language=lang)
            _check_text(followup.texts.get(lang), followup_field(n, lang), label, required=True, err=err)

    # Schedule (P-19)
    try:
        schedule.zone(draft.timezone or "")
    except ValueError as exc:
        err("timezone", str(exc))
    try:
        slots = schedule.parse_slots([s.__dict__ for s in draft.slots])
    except ValueError as exc:
        err("slots", str(exc))
        slots = None
    if slots is not None and not slots and for_activation:
        err("slots", t("campaign.slot_needed"))
    if draft.cohort_size is None or not schedule.COHORT_MIN <= draft.cohort_size <= schedule.COHORT_MAX:
        err("cohort_size", t("campaign.cohort_size", min=schedule.COHORT_MIN, max=schedule.COHORT_MAX))

    return Checked(errors=errors, warnings=warnings, sender=sender, account=account)


def _check_sender(session: Session, actor: Member, sender_id: int | None, err: Report,
                  ) -> tuple[Member | None, LinkedInAccount | None]:
    if not sender_id:
        err("sender", t("campaign.pick_sender"))
        return None, None
    sender = session.get(Member, sender_id)
    if sender is None or sender.workspace_id != actor.workspace_id:
        err("sender", t("campaign.sender_elsewhere"))
        return None, None
    if sender.id != actor.id and not actor.is_admin:
        err("sender", t("campaign.sender_own_only"))
        return sender, None
    if not sender.active:
        err("sender", t("campaign.sender_inactive", name=sender.name))
        return sender, None
    account = session.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == sender.id)).first()
    if account is None:
        err("sender", t("campaign.sender_no_account", name=sender.name, command=invocation("connect")))
    elif account.status == "restricted":
        err("sender", t("campaign.sender_restricted", name=sender.name, command=invocation("connect")))
    elif account.status != "valid":
        err("sender", t("campaign.sender_disconnected", name=sender.name, command=invocation("connect")))
    return sender, account


def _check_text(text: str | None, field: str, label: str, *, required: bool, err: Report) -> None:
    if not (text or "").strip():
        if required:
            err(field, t("campaign.text_missing", label=label))
        return
    try:
        check_template(text)
    except TemplateProblem as exc:
        err(field, t("campaign.text_problem", label=label, problem=exc))
