"""The campaign service (P-2…P-20): one place for create, update, activate and stop, used by
every surface. Each command takes the acting member and returns an `Outcome`: the campaign,
or field errors and nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlmodel import Session, select

from core.campaigns.audience import check_against_source
from core.campaigns.authz import require_active, require_manage
from core.campaigns.drafts import CampaignDraft, FollowupDraft, SlotDraft
from core.campaigns.models import (
    STATUS_ACTIVE,
    STATUS_STOPPED,
    STEP_FOLLOWUP,
    STEP_INVITATION,
    STEP_WELCOME,
    Campaign,
    CampaignMessage,
    Program,
)
from core.campaigns.naming import name_key
from core.campaigns.validation import Checked, check_draft
from core.delivery.stop import cancel_campaign_sends
from core.errors import FieldError, NotFound, Outcome
from core.i18n import t
from core.sources.visibility import is_source_visible
from core.workspace.models import LinkedInAccount, Member

if TYPE_CHECKING:
    pass

# Re-exported for the surfaces: `from core.campaigns.service import CampaignDraft, ...`
__all__ = [
    "CampaignDraft", "FollowupDraft", "SlotDraft", "create_campaign", "update_campaign", "activate_campaign",
    "stop_campaign", "campaign_draft", "editable_campaign", "get_campaign",
]


def _validate(session: Session, actor: Member, draft: CampaignDraft, *, campaign_id: int | None,
              public_url: str, for_activation: bool = False) -> Checked:
    checked = check_draft(session=session, actor=actor, draft=draft, campaign_id=campaign_id,
                          for_activation=for_activation)
    kind, source_id = draft.source_kind, draft.source_id
    source_ok = kind in ("finder", "segment") and bool(source_id)
    if (source_ok and kind and source_id and checked.sender is not None
            and not any(e.field == "source" for e in checked.errors)
            and not is_source_visible(session=session, workspace_id=actor.workspace_id, sender_id=checked.sender.id,
                                      kind=kind, source_id=source_id)):
        checked.errors.append(FieldError("source", t("campaign.source_not_visible", name=checked.sender.name)))
        source_ok = False
    templates_ok = not any(e.field.startswith("messages.") or e.field == "languages" for e in checked.errors)
    if source_ok and templates_ok and checked.sender is not None and checked.account is not None:
        report = check_against_source(session=session, workspace_id=actor.workspace_id, draft=draft,
                                      sender_name=checked.sender.name, note_limit=checked.account.note_limit,
                                      public_url=public_url)
        checked.errors += report.errors
        checked.warnings += report.warnings
    return checked


def _program_for(session: Session, workspace_id: int, name: str) -> Program:
    """The program of that name, created in the same transaction when new (P-5)."""
    key = name_key(name)
    program = session.exec(select(Program).where(Program.workspace_id == workspace_id, Program.name_key == key)).first()
    if program is None:
        program = Program(workspace_id=workspace_id, name=name.strip(), name_key=key)
        session.add(program)
        session.flush()
    return program


def _apply(session: Session, campaign: Campaign, draft: CampaignDraft, now: datetime) -> None:
    # `_validate` refused a draft without these.
    assert draft.program is not None and draft.sender_id is not None and draft.cohort_size is not None
    assert draft.source_kind is not None and draft.source_id is not None
    languages = [lang.strip().lower() for lang in draft.languages]
    campaign.name = draft.name.strip()
    campaign.name_key = name_key(draft.name)
    campaign.program_id = _program_for(session, campaign.workspace_id, draft.program).id
    campaign.description = (draft.description or "").strip()
    campaign.sender_id = draft.sender_id
    campaign.source_kind = draft.source_kind
    campaign.source_id = draft.source_id
    campaign.languages = languages
    campaign.default_language = draft.default_language or languages[0]
    campaign.moderation = draft.moderation
    campaign.stop_if_ongoings = draft.stop_if_ongoings
    campaign.stop_if_incomings = draft.stop_if_incomings
    campaign.timezone = draft.timezone
    campaign.slots = [{"weekday": s.weekday, "start": s.start.strip(), "end": s.end.strip()} for s in draft.slots]
    campaign.cohort_size = draft.cohort_size
    campaign.updated_at = now
    session.add(campaign)
    session.flush()
    session.exec(delete(CampaignMessage).where(CampaignMessage.campaign_id == campaign.id))
    for lang in languages:
        session.add(CampaignMessage(campaign_id=campaign.id, step=STEP_INVITATION, language=lang,
                                    template=draft.invitation[lang].strip()))
        if (draft.welcome.get(lang) or "").strip():
            session.add(CampaignMessage(campaign_id=campaign.id, step=STEP_WELCOME, language=lang,
                                        template=draft.welcome[lang].strip()))
        for n, f in enumerate(draft.followups, start=1):
            session.add(CampaignMessage(campaign_id=campaign.id, step=STEP_FOLLOWUP, position=n,
                                        delay_days=f.delay_days, language=lang, template=f.texts[lang].strip()))
    session.flush()


def create_campaign(*, session: Session, actor: Member, draft: CampaignDraft, now: datetime,
                    public_url: str) -> Outcome[Campaign]:
    """Save a new campaign as a draft (P-9). Nothing is written when there is an error."""
    checked = _validate(session, actor, draft, campaign_id=None, public_url=public_url)
    # An inactive member may create nothing; when they named themself as the sender, the sender's
    # check already said they are inactive.
    if not actor.active and not (checked.sender is not None and checked.sender.id == actor.id):
        checked.errors.append(FieldError("sender", t("campaign.inactive_creator")))
    if checked.errors:
        return Outcome(errors=checked.errors, warnings=checked.warnings)
    campaign = Campaign(workspace_id=actor.workspace_id, name=draft.name, name_key="", sender_id=draft.sender_id,
                        source_kind=draft.source_kind, source_id=draft.source_id, created_by_id=actor.id,
                        created_at=now)
    _apply(session, campaign, draft, now)
    return Outcome(value=campaign, warnings=checked.warnings)


def update_campaign(*, session: Session, actor: Member, campaign_id: int, draft: CampaignDraft, now: datetime,
                    public_url: str) -> Outcome[Campaign]:
    """Change a campaign. A stopped campaign stays stopped; an active one keeps running with
    the new messages for what is not yet frozen for moderation or claimed."""
    campaign = editable_campaign(session=session, actor=actor, campaign_id=campaign_id)
    checked = _validate(session, actor, draft, campaign_id=campaign.id, public_url=public_url,
                        for_activation=campaign.status == STATUS_ACTIVE)
    if checked.errors:
        return Outcome(errors=checked.errors, warnings=checked.warnings)
    _apply(session, campaign, draft, now)
    return Outcome(value=campaign, warnings=checked.warnings)


def activate_campaign(*, session: Session, actor: Member, campaign_id: int, now: datetime,
                      public_url: str) -> Outcome[Campaign]:
    """Activate (P-17): every rule is checked again, plus the sender's account status.
    On a campaign already active but paused (account disconnected, note limit reached) it is
    the resume: the same checks, then the pause is lifted."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    require_manage(actor, campaign, doing="activate")
    account = session.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == campaign.sender_id)).first()
    if campaign.status == STATUS_ACTIVE:
        if not campaign.paused_reason and not (account and account.invitations_paused_reason):
            return Outcome(value=campaign)
        checked = _validate(session, actor, _draft_of(session, campaign),
                            campaign_id=campaign.id, public_url=public_url, for_activation=True)
        if checked.errors:
            return Outcome(errors=checked.errors, warnings=checked.warnings)
        campaign.paused_reason = None
        campaign.updated_at = now
        session.add(campaign)
        if account is not None:
            account.invitations_paused_reason = None
            session.add(account)
        session.flush()
        return Outcome(value=campaign, warnings=checked.warnings)
    if campaign.status == STATUS_STOPPED:
        return Outcome(errors=[FieldError("status", t("campaign.stopped_for_good"))])
    draft = _draft_of(session, campaign)
    checked = _validate(session, actor, draft, campaign_id=campaign.id, public_url=public_url, for_activation=True)
    if checked.errors:
        return Outcome(errors=checked.errors, warnings=checked.warnings)
    campaign.status = STATUS_ACTIVE
    campaign.activated_at = now
    campaign.activated_by_id = actor.id
    campaign.paused_reason = None
    session.add(campaign)
    session.flush()
    return Outcome(value=campaign, warnings=checked.warnings)


def stop_campaign(*, session: Session, actor: Member, campaign_id: int, now: datetime) -> Outcome[Campaign]:
    """Stop (P-18), always allowed to the sender or an admin. The status change comes first, as
    a row update that a claim must wait for; then every unclaimed send is cancelled in the
    same transaction, so nothing is planned or sent after the stop commits."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    require_manage(actor, campaign, doing="stop")
    if campaign.status == STATUS_STOPPED:
        return Outcome(value=campaign)
    session.exec(update(Campaign).where(Campaign.id == campaign.id)
                 .values(status=STATUS_STOPPED, stopped_at=now, stopped_by_id=actor.id, updated_at=now))
    cancel_campaign_sends(session=session, campaign_id=campaign.id, now=now)
    session.refresh(campaign)
    return Outcome(value=campaign)


def get_campaign(*, session: Session, actor: Member, campaign_id: int) -> Campaign:
    """A campaign of the actor's workspace, what its card shows: another workspace's is `NotFound`
    (invariant 8), and an inactive member reads none (`NotAllowed`). Its texts are not read here:
    see `campaign_draft`."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.workspace_id != actor.workspace_id:
        raise NotFound(t("campaign.no_such"))
    require_active(actor)
    return campaign


def editable_campaign(*, session: Session, actor: Member, campaign_id: int) -> Campaign:
    """A campaign the actor may edit (its sender, or an active admin of its workspace), such as
    the one a form's state names; `NotFound` or `NotAllowed` otherwise."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    require_manage(actor, campaign, doing="edit")
    return campaign


def campaign_draft(*, session: Session, actor: Member, campaign_id: int) -> tuple[Campaign, CampaignDraft]:
    """A campaign and its form values, texts included, to edit it: the only way out of the core to
    a campaign's texts, for its sender or an active admin of its workspace (`core.campaigns.authz`);
    `NotFound` or `NotAllowed` for anyone else."""
    campaign = editable_campaign(session=session, actor=actor, campaign_id=campaign_id)
    return campaign, _draft_of(session, campaign)


def _draft_of(session: Session, campaign: Campaign) -> CampaignDraft:
    """The form values of a saved campaign, read without asking who reads them: callers have
    authorised the actor (edit form, re-validation on activation)."""
    messages = session.exec(select(CampaignMessage).where(CampaignMessage.campaign_id == campaign.id)).all()
    program = session.get(Program, campaign.program_id) if campaign.program_id else None
    invitation = {m.language: m.template for m in messages if m.step == STEP_INVITATION}
    welcome = {m.language: m.template for m in messages if m.step == STEP_WELCOME}
    positions = sorted({m.position for m in messages if m.step == STEP_FOLLOWUP})
    followups = []
    for n in positions:
        of_n = [m for m in messages if m.step == STEP_FOLLOWUP and m.position == n]
        followups.append(FollowupDraft(delay_days=of_n[0].delay_days, texts={m.language: m.template for m in of_n}))
    return CampaignDraft(
        name=campaign.name, program=program.name if program else None, description=campaign.description,
        sender_id=campaign.sender_id, source_kind=campaign.source_kind, source_id=campaign.source_id,
        languages=list(campaign.languages), default_language=campaign.default_language,
        invitation=invitation, welcome=welcome, followups=followups,
        stop_if_ongoings=campaign.stop_if_ongoings, stop_if_incomings=campaign.stop_if_incomings,
        moderation=campaign.moderation, timezone=campaign.timezone,
        slots=[SlotDraft(**s) for s in campaign.slots], cohort_size=campaign.cohort_size,
    )


# The read side lives in queries.py and preview.py; surfaces may import it from here too.
from core.campaigns.queries import (  # noqa: E402,F401
    campaign_names,
    editable_campaign_names,
    find_campaign,
    list_campaigns,
    program_names,
    sender_choices,
)
