"""Preview (issue 2, "Preview"): every message rendered for a few contacts, with lengths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, func
from sqlmodel import Session, select

from core.campaigns.audience import message_language
from core.campaigns.authz import require_manage
from core.campaigns.models import STEP_FOLLOWUP, STEP_INVITATION, STEP_WELCOME, CampaignMessage
from core.campaigns.service import get_campaign
from core.campaigns.templates import TemplateProblem, context_for, render
from core.i18n import t
from core.sources.models import Contact
from core.sources.segments import source_contacts
from core.workspace.models import LinkedInAccount, Member


@dataclass
class RenderedMessage:
    step: str
    position: int
    language: str
    text: str
    length: int
    limit: int | None
    missing: list[str] = field(default_factory=list)

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.length > self.limit


@dataclass
class ContactPreview:
    contact_id: int
    name: str
    why: str  # "first", "longest", "missing a token", "chosen"
    messages: list[RenderedMessage]


@dataclass
class Preview:
    campaign_id: int
    campaign_name: str
    note_limit: int
    contacts: list[ContactPreview]
    total_contacts: int


def _label(message: CampaignMessage) -> tuple[int, int]:
    order: dict[str, int] = {STEP_INVITATION: 0, STEP_WELCOME: 1, STEP_FOLLOWUP: 2}
    return order[message.step], message.position


def preview_campaign(*, session: Session, actor: Member, campaign_id: int, public_url: str,
                     contact_ids: list[int] | None = None) -> Preview:
    """Render the campaign's messages for the given contacts, or for the source's first
    contact, the one with the longest invitation and one missing a token."""
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id)
    require_manage(actor, campaign, doing="preview")
    sender = session.get(Member, campaign.sender_id)
    account = session.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == campaign.sender_id)).first()
    limit = account.note_limit if account else 300
    messages = sorted(session.exec(select(CampaignMessage).where(CampaignMessage.campaign_id == campaign.id)).all(),
                      key=_label)
    source = source_contacts(session=session, workspace_id=campaign.workspace_id, kind=campaign.source_kind,
                             source_id=campaign.source_id, sender_id=campaign.sender_id)
    total = session.exec(select(func.count()).select_from(source.subquery())).one()

    def render_for(contact: Contact, why: str) -> ContactPreview:
        lang = message_language(contact.language, campaign.languages, campaign.default_language)
        ctx = context_for(contact, sender.name if sender else None)
        rendered = []
        for m in messages:
            if m.language != lang:
                continue
            try:
                r = render(m.template, ctx, public_url=public_url)
            except TemplateProblem as exc:  # saved before a stricter check: shown, never sent
                rendered.append(RenderedMessage(m.step, m.position, lang, t("preview.cannot_send", problem=exc), 0,
                                                limit if m.step == STEP_INVITATION else None, ["template"]))
                continue
            rendered.append(RenderedMessage(m.step, m.position, lang, r.text, r.length,
                                            limit if m.step == STEP_INVITATION else None, r.missing))
        return ContactPreview(contact.id, contact.full_name or contact.public_identifier, why, rendered)

    if contact_ids:
        chosen = session.scalars(source.where(Contact.id.in_(contact_ids))).all()
        previews = [render_for(c, t("preview.why.chosen")) for c in chosen]
    else:
        previews = _sample(session, source, render_for)
    return Preview(campaign.id, campaign.name, limit, previews, total)


def _sample(session: Session, source: Select, render_for: Callable[[Contact, str], ContactPreview],
            scan: int = 2000) -> list[ContactPreview]:
    """First, longest and a token-missing contact among the first `scan` of the source."""
    contacts = session.scalars(source.order_by(Contact.id).limit(scan)).all()
    if not contacts:
        return []
    all_previews = [render_for(c, "") for c in contacts]
    chosen = {0: t("preview.why.first")}
    longest = max(range(len(all_previews)), key=lambda i: all_previews[i].messages[0].length
                  if all_previews[i].messages else 0)
    chosen.setdefault(longest, t("preview.why.longest"))
    missing = next((i for i, p in enumerate(all_previews) if any(m.missing for m in p.messages)), None)
    if missing is not None:
        chosen.setdefault(missing, t("preview.why.missing"))
    out = []
    for i, why in chosen.items():
        p = all_previews[i]
        p.why = why
        out.append(p)
    return out
