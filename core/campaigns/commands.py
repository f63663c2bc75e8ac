"""Campaign commands (P-3…P-19): save, activate, stop, preview, and the form to edit one.

Each handler authorises the actor (`core.campaigns.authz`: the sender or an active admin of the
workspace for anything beyond the card), validates and applies, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

from core.campaigns import service
from core.campaigns.drafts import CampaignDraft
from core.campaigns.models import Campaign
from core.campaigns.preview import Preview, preview_campaign
from core.campaigns.validation import check_draft
from core.commands import Context, Handler
from core.errors import FieldError, Outcome
from core.sources.models import Finder, Segment
from core.sources.visibility import may_pick_source
from core.workspace.models import Member
from core.workspace.service import linkedin_account_of

DEFAULT_NOTE_LIMIT = 300


@dataclass(frozen=True)
class SaveCampaign:
    """Create the campaign (`campaign_id` None) or change it. `form_errors`: what the form itself
    could not read (a number that is none, …), by field: then nothing is saved and the outcome
    holds those and every other problem of the draft, so one submission shows them all."""

    campaign_id: int | None
    draft: CampaignDraft
    form_errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckCampaign:
    """The draft's problems without saving anything (a page of one language's texts, done)."""

    campaign_id: int | None
    draft: CampaignDraft


@dataclass(frozen=True)
class ActivateCampaign:
    campaign_id: int


@dataclass(frozen=True)
class StopCampaign:
    campaign_id: int


@dataclass(frozen=True)
class PreviewCampaign:
    campaign_id: int


@dataclass(frozen=True)
class EditCampaign:
    """The campaign and its form values, texts included: for its sender or an active admin only."""

    campaign_id: int


@dataclass(frozen=True)
class DescribeDraft:
    """What a campaign form shows of its draft's sender and source, for the actor: their labels (a
    source only when the actor may pick it for that sender, else the draft's source is dropped)
    and the sender's note limit."""

    draft: CampaignDraft


@dataclass(frozen=True)
class DraftFacts:
    sender_label: str | None
    source_label: str | None
    source_pickable: bool
    note_limit: int


def save(session: Session, actor: Member, command: SaveCampaign, context: Context) -> Outcome[Campaign]:
    if command.form_errors:
        checked = check_draft(session=session, actor=actor, draft=command.draft, campaign_id=command.campaign_id)
        errors = [FieldError(k, m) for k, m in command.form_errors.items()]
        errors += [e for e in checked.errors if e.field not in command.form_errors]
        return Outcome(errors=errors, warnings=checked.warnings)
    if command.campaign_id is None:
        return service.create_campaign(session=session, actor=actor, draft=command.draft, now=context.now,
                                       public_url=context.public_url)
    return service.update_campaign(session=session, actor=actor, campaign_id=command.campaign_id,
                                   draft=command.draft, now=context.now, public_url=context.public_url)


def check(session: Session, actor: Member, command: CheckCampaign, context: Context) -> Outcome[None]:
    if command.campaign_id is not None:
        service.editable_campaign(session=session, actor=actor, campaign_id=command.campaign_id)
    checked = check_draft(session=session, actor=actor, draft=command.draft, campaign_id=command.campaign_id)
    return Outcome(errors=checked.errors, warnings=checked.warnings)


def activate(session: Session, actor: Member, command: ActivateCampaign, context: Context) -> Outcome[Campaign]:
    return service.activate_campaign(session=session, actor=actor, campaign_id=command.campaign_id, now=context.now,
                                     public_url=context.public_url)


def stop(session: Session, actor: Member, command: StopCampaign, context: Context) -> Outcome[Campaign]:
    return service.stop_campaign(session=session, actor=actor, campaign_id=command.campaign_id, now=context.now)


def preview(session: Session, actor: Member, command: PreviewCampaign, context: Context) -> Preview:
    return preview_campaign(session=session, actor=actor, campaign_id=command.campaign_id,
                            public_url=context.public_url)


def edit(session: Session, actor: Member, command: EditCampaign, context: Context) -> tuple[Campaign, CampaignDraft]:
    return service.campaign_draft(session=session, actor=actor, campaign_id=command.campaign_id)


def describe(session: Session, actor: Member, command: DescribeDraft, context: Context) -> DraftFacts:
    draft = command.draft
    sender = session.get(Member, draft.sender_id) if draft.sender_id else None
    if sender is not None and sender.workspace_id != actor.workspace_id:
        sender = None  # another workspace's member, named by a forged form, tells nothing
    account = linkedin_account_of(session=session, member_id=sender.id) if sender is not None else None
    pickable = bool(draft.source_id) and may_pick_source(session=session, actor=actor, sender_id=draft.sender_id,
                                                         kind=draft.source_kind, source_id=draft.source_id)
    source_label = None
    if pickable and draft.source_kind is not None and draft.source_id is not None:
        source: Finder | Segment | None = (session.get(Finder, draft.source_id) if draft.source_kind == "finder"
                                           else session.get(Segment, draft.source_id))
        source_label = f"{draft.source_kind.capitalize()}: {source.name}" if source is not None else None
    return DraftFacts(sender_label=sender.name if sender is not None else None, source_label=source_label,
                      source_pickable=pickable, note_limit=account.note_limit if account else DEFAULT_NOTE_LIMIT)


HANDLERS: dict[type, Handler] = {
    SaveCampaign: save, CheckCampaign: check, ActivateCampaign: activate, StopCampaign: stop,
    PreviewCampaign: preview, EditCampaign: edit, DescribeDraft: describe,
}
