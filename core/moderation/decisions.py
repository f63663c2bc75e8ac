"""Moderation (P-21…P-23): the evening digest of tomorrow's invitations and the sender's decisions.

Only invitations are moderated (the welcome and follow-ups never are). Only the campaign's sender
or an admin of its workspace decides (invariant 7), never someone of another workspace
(invariant 8), and never once the send is claimed: the decision locks the send row, which a
claim skips. Undecided items go out as planned (P-22). Getting the digest to the moderator, and
holding the day's invitations until it is there, is `core.moderation.digests`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.authz import require_active
from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.campaigns.templates import (
    TemplateProblem,
    check_template,
    context_for,
    counted_length,
    has_line_break,
    render,
    utf16_length,
)
from core.config import Settings
from core.delivery.models import E_PLANNED, E_SKIPPED, S_PLANNED, S_SKIPPED, Enrollment, Send
from core.delivery.rendering import render_step, templates_of
from core.errors import FieldError, NotAllowed, NotFound, Outcome
from core.i18n import current_language, language_name, t
from core.moderation.models import Digest
from core.notify import DigestItem, DigestView
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount, Member

ACTIONS = ("skip", "restore", "language", "edit")
SKIPPED_BY_MODERATOR = "skipped by the moderator"


def _length(text: str, public_url: str | None) -> int:
    return counted_length(text, public_url=public_url) if public_url else utf16_length(text)


def digest_view(*, session: Session, digest_id: int, public_url: str | None = None) -> DigestView:
    """The neutral digest of one campaign's day: every invitation with its contact, language, text,
    length against the account's limit, and warnings."""
    digest = session.get(Digest, digest_id)
    if digest is None:
        raise NotFound(t("digest.gone"))
    campaign = session.get_one(Campaign, digest.campaign_id)
    account = session.execute(select(LinkedInAccount)
                              .where(LinkedInAccount.member_id == campaign.sender_id)).scalars().first()
    limit = account.note_limit if account else 300
    rows = session.execute(
        select(Send, Contact).join(Contact, Contact.id == Send.contact_id)
        .where(Send.campaign_id == campaign.id, Send.local_date == digest.for_date, Send.step == STEP_INVITATION)
        .order_by(Send.due_at, Send.id)).all()
    items = []
    for send, contact in rows:
        length = _length(send.text, public_url)
        warnings = []
        if length > limit:
            warnings.append(t("digest.warn_over", length=length, limit=limit))
        if has_line_break(send.text):
            warnings.append(t("digest.warn_line_break"))
        if contact.language and contact.language not in campaign.languages:
            warnings.append(t("digest.warn_language", contact=language_name(contact.language, label=False),
                              sent=language_name(send.language, label=False)))
        items.append(DigestItem(
            send_id=send.id, contact_id=contact.id, contact_name=contact.full_name or contact.public_identifier,
            headline=contact.headline, language=send.language, languages=tuple(campaign.languages), text=send.text,
            length=length, limit=limit, status=send.status, edited=send.edited, warnings=tuple(warnings)))
    planned = [send.due_at for send, _ in rows if send.status == S_PLANNED]
    return DigestView(
        digest_id=digest.id, workspace_id=digest.workspace_id, campaign_id=campaign.id, campaign_name=campaign.name,
        sender_member_id=campaign.sender_id, for_date=digest.for_date, starts_at=min(planned) if planned else None,
        timezone=campaign.timezone, items=tuple(items), sandbox=bool(account and account.provider == "sandbox"),
        language=current_language().value)


def read_digest(*, session: Session, actor: Member, digest_id: int, public_url: str | None = None) -> DigestView:
    """A digest as its moderators read it (its buttons, a refresh): it shows the contacts and the
    invitations of the sender's campaign, so only the sender or an active admin of its workspace
    reads it (invariant 7); another workspace's does not exist for the actor (invariant 8)."""
    digest = session.get(Digest, digest_id)
    if digest is None or digest.workspace_id != actor.workspace_id:
        raise NotFound(t("digest.no_such"))
    campaign = session.get(Campaign, digest.campaign_id)
    if campaign is None or campaign.workspace_id != actor.workspace_id:
        raise NotFound(t("digest.no_such"))
    _require_moderator(actor, campaign)
    return digest_view(session=session, digest_id=digest_id, public_url=public_url)


def _require_moderator(actor: Member, campaign: Campaign) -> None:
    if actor.workspace_id != campaign.workspace_id:
        raise NotAllowed(t("digest.other_workspace"))
    require_active(actor)
    if actor.id != campaign.sender_id and not actor.is_admin:
        raise NotAllowed(t("digest.only_moderators", name=campaign.name))


def _locked_send(session: Session, send_id: int) -> Send:
    # Locked against a claim (SQLite's BEGIN IMMEDIATE already holds every writer off).
    stmt = select(Send).where(Send.id == send_id).with_for_update()
    send: Send | None = session.execute(stmt.execution_options(populate_existing=True)).scalars().first()
    if send is None:
        raise NotFound(t("digest.invitation_no_more"))
    return send


def _require_open(send: Send, campaign: Campaign) -> None:
    if send.step != STEP_INVITATION:
        raise NotAllowed(t("digest.only_invitations"))
    if campaign.status != STATUS_ACTIVE:
        raise NotAllowed(t("digest.campaign_stopped"))
    if send.status == "claimed":
        raise NotAllowed(t("digest.too_late_sending"))
    if send.status == "sent":
        raise NotAllowed(t("digest.too_late_sent"))
    if send.status not in (S_PLANNED, S_SKIPPED):
        raise NotAllowed(t("digest.cannot_change", status=send.status))


def decide(*, session: Session, actor: Member, send_id: int, action: str, value: str | None, now: datetime,
           public_url: str) -> Outcome[Send]:
    """Apply one moderation decision: skip, restore, switch language (re-rendered, re-checked) or
    edit the text (checked like the form). Refusals raise `NotAllowed` with a reason to show;
    invalid input returns field errors (`language` or `text`) and changes nothing."""
    if action not in ACTIONS:
        raise NotAllowed(t("digest.unknown_decision", action=action))
    send = _locked_send(session, send_id)
    campaign = session.get_one(Campaign, send.campaign_id)
    _require_moderator(actor, campaign)
    _require_open(send, campaign)
    enrollment = session.get_one(Enrollment, send.enrollment_id)
    if action == "skip":
        return Outcome(value=_set_skipped(session, send, enrollment, actor, now, skip=True))
    if action == "restore":
        return Outcome(value=_set_skipped(session, send, enrollment, actor, now, skip=False))
    account = session.execute(select(LinkedInAccount).where(LinkedInAccount.id == send.account_id)).scalar_one()
    contact = session.get_one(Contact, send.contact_id)
    sender = session.get_one(Member, campaign.sender_id)
    warnings: list[str] = []
    if action == "language":
        language = (value or "").strip()
        if language not in campaign.languages:
            names = ", ".join(language_name(code) for code in campaign.languages)
            return Outcome(errors=[FieldError("language", t("digest.pick_language", languages=names))])
        template = templates_of(session, campaign.id).get((STEP_INVITATION, 0, language))
        rendered = render_step(template.template if template else None, contact, sender_name=sender.name,
                               step=STEP_INVITATION, note_limit=account.note_limit, public_url=public_url)
        if rendered.problem:
            name = language_name(language, label=False)
            return Outcome(errors=[FieldError("language", t("digest.in_language", language=name,
                                                            problem=rendered.problem))])
        send.text, send.language, send.edited = rendered.text, language, False
        enrollment.language = language
    else:
        problem, text, warnings = _check_edit(value, contact, sender.name, account.note_limit, public_url)
        if problem:
            return Outcome(errors=[FieldError("text", problem)])
        send.text, send.edited = text, True
    send.decided_by_id, send.updated_at = actor.id, now
    session.add_all([send, enrollment])
    session.flush()
    return Outcome(value=send, warnings=[FieldError("text", w) for w in warnings] if action == "edit" else [])


def _check_edit(value: str | None, contact: Contact, sender_name: str, limit: int,
                public_url: str) -> tuple[str | None, str, list[str]]:
    """(the problem, or None; the text once rendered; warnings)."""
    source = (value or "").strip()
    if not source:
        return t("digest.empty_invitation"), "", []
    try:
        check_template(source)
        rendered = render(source, context_for(contact, sender_name), public_url=public_url)
    except TemplateProblem as exc:
        return str(exc), "", []
    if rendered.missing:
        example = "{{" + rendered.missing[0] + "|default('…')}}"
        return (t("digest.missing_field", name=contact.full_name or t("digest.this_contact"),
                  fields=", ".join(rendered.missing), example=example), "", [])
    if rendered.length > limit:
        return t("digest.too_long", length=rendered.length, limit=limit), "", []
    warnings = [t("digest.line_break_warning")] if has_line_break(rendered.text) else []
    return None, rendered.text, warnings


def _set_skipped(session: Session, send: Send, enrollment: Enrollment, actor: Member, now: datetime, *,
                 skip: bool) -> Send:
    if skip:
        send.status, send.reason = S_SKIPPED, SKIPPED_BY_MODERATOR
        enrollment.state, enrollment.reason = E_SKIPPED, SKIPPED_BY_MODERATOR
    elif send.status == S_SKIPPED:
        if send.reason != SKIPPED_BY_MODERATOR:
            raise NotAllowed(t("digest.cannot_restore", reason=send.reason))
        send.status, send.reason = S_PLANNED, None
        enrollment.state, enrollment.reason = E_PLANNED, None
    send.decided_by_id, send.updated_at, enrollment.updated_at = actor.id, now, now
    try:
        with session.begin_nested():
            session.add_all([send, enrollment])
            session.flush()
    except IntegrityError:
        raise NotAllowed(t("digest.invited_meanwhile")) from None
    return send


def skip_all(*, session: Session, actor: Member, digest_id: int, send_ids: list[int], skip: bool, now: datetime) -> int:
    """Skip (or restore) several invitations of one digest; those no longer open are left alone.
    Returns how many changed."""
    digest = session.get(Digest, digest_id)
    if digest is None:
        raise NotFound(t("digest.gone"))
    campaign = session.get_one(Campaign, digest.campaign_id)
    _require_moderator(actor, campaign)
    changed = 0
    for send_id in sorted(set(send_ids)):
        send = _locked_send(session, send_id)
        if send.campaign_id != campaign.id or send.local_date != digest.for_date:
            continue
        try:
            _require_open(send, campaign)
        except NotAllowed:
            continue
        if (send.status == S_PLANNED) == skip:
            try:
                _set_skipped(session, send, session.get_one(Enrollment, send.enrollment_id), actor, now, skip=skip)
                changed += 1
            except NotAllowed:
                continue
    return changed


def build_digest_now(*, session: Session, actor: Member, campaign_id: int, now: datetime,
                     settings: Settings | None = None) -> DigestView:
    """`digest [NAME]`: tomorrow's plan now, planning it first if the evening run has not yet. The
    moderator gets each digest once: shown here, it is marked delivered (`digests.show_digest`)."""
    from core.delivery.planner import plan_due
    from core.moderation.digests import show_digest

    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.workspace_id != actor.workspace_id:
        raise NotFound(t("campaign.no_such"))
    _require_moderator(actor, campaign)
    if campaign.status != STATUS_ACTIVE:
        raise NotAllowed(t("digest.not_active", name=campaign.name))
    settings = settings or Settings.model_construct()
    plan_due(session=session, now=now, settings=settings, campaign_ids=[campaign_id], force_tomorrow=True)
    tomorrow = now.astimezone(schedule.zone(campaign.timezone)).date() + timedelta(days=1)
    digest = session.execute(select(Digest).where(Digest.campaign_id == campaign_id,
                                                  Digest.for_date == tomorrow)).scalars().first()
    if digest is None:
        raise NotAllowed(t("digest.cannot_plan"))
    # Shown in chat, the digest counts as delivered: the clock will not post it a second time.
    return show_digest(session=session, digest_id=digest.id, now=now, public_url=settings.public_url)
