"""Commands: `/invite-campaign help|create|edit|list|show|activate|stop|preview|digest|connect|language`.

Each handler is synchronous, takes the context, a session and the acting member, and returns a
`Reply` of neutral views. Refusals from the core (`NotAllowed`, `NotFound`) are turned into
notices by `runner.run`, after the session was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlmodel import Session

from bot.conversation import cards, finders
from bot.conversation import form as campaign_form
from bot.conversation.commands import Command, help_text, invocation, is_all
from bot.conversation.runner import ask
from bot.conversation.views import Button, CampaignList, Card, DialogRoom, Form, Home, Notice, Reply, View
from core.campaigns.commands import (
    ActivateCampaign,
    DescribeDraft,
    DraftFacts,
    EditCampaign,
    PreviewCampaign,
    StopCampaign,
)
from core.campaigns.drafts import CampaignDraft, SlotDraft
from core.campaigns.models import Campaign
from core.errors import Outcome
from core.i18n import N_, language_name, speaking, t, tn
from core.moderation.commands import ShowDigestNow
from core.services import Services
from core.sources.models import Finder, Segment
from core.workspace.models import Member

CommandHandler = Callable[[Services, Session, Member, Command, DialogRoom], Reply]
NO_LIMIT = DialogRoom()
SOURCE_KINDS = {"finder": N_("source.kind.finder"), "segment": N_("source.kind.segment")}
ACCOUNT_STATUSES = {"invalid": N_("account.invalid_connect"), "restricted": N_("account.restricted_connect")}


def handle_command(services: Services, session: Session, actor: Member, command: Command,
                   room: DialogRoom = NO_LIMIT) -> Reply:
    """A typed command (`/invite-campaign …`, a Teams message): its handler's reply. `room`: how
    much the surface's dialog holds, for the commands that open the campaign form."""
    handler: CommandHandler = _COMMANDS.get(command.name, _help)
    return handler(services, session, actor, command, room)


def _help(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return Reply(notice=Notice(help_text(command.unknown), title=t("help.title")))


def _resolve(session: Session, actor: Member, name: str) -> Campaign | Reply:
    """The campaign named `name`, or a Reply explaining what was meant (closest matches)."""
    from core.campaigns.service import find_campaign

    if not name:
        example = t("campaign.example_name")
        return Reply.say(t("campaign.which", example=invocation("show", example)), tone="warning")
    campaign, suggestions = find_campaign(session=session, actor=actor, name=name)
    if campaign is not None:
        return campaign
    if suggestions:
        text = t("campaign.not_found_suggest", name=name, suggestions=t("list.separator").join(
            t("quoted", text=s) for s in suggestions))
    else:
        text = t("campaign.not_found", name=name, command=invocation("list"))
    return Reply.say(text, tone="warning")


def open_campaign_form(services: Services, session: Session, actor: Member, room: DialogRoom,
                       campaign_id: int | None = None) -> Reply:
    """The campaign form: empty, or filled with a saved campaign to edit it (its texts are the
    core's to give: `EditCampaign` refuses anyone but its sender and the workspace's admins)."""
    if campaign_id is not None:
        campaign, draft = ask(services, session, actor, EditCampaign(campaign_id))
        state = {"campaign_id": campaign.id, "name": campaign.name}
    else:
        draft = CampaignDraft(sender_id=actor.id, slots=_default_slots(), timezone=_workspace_timezone(session, actor))
        state = {"campaign_id": None, "name": None}
    reply = Reply(dialog=build_campaign_form(services, session, actor, draft, state, room))
    reply.notice = connect_offer(session, actor)
    return reply


def build_campaign_form(services: Services, session: Session, actor: Member, draft: CampaignDraft,
                        state: dict[str, Any], room: DialogRoom) -> Form:
    """The form of `draft`, with its sender's and source's labels as the core describes them for
    the actor (a source they may not pick for that sender is dropped, never named)."""
    facts: DraftFacts = ask(services, session, actor, DescribeDraft(draft))
    if draft.source_id and not facts.source_pickable:
        draft.source_kind, draft.source_id = None, None
    labels = {key: label for key, label in (("sender", facts.sender_label), ("source", facts.source_label)) if label}
    return campaign_form.build_form(draft, state=state, labels=labels, room=room, note_limit=facts.note_limit)


def note_limit(services: Services, session: Session, actor: Member, draft: CampaignDraft) -> int:
    """The note limit of the draft's sender's account (as the core describes the draft)."""
    facts: DraftFacts = ask(services, session, actor, DescribeDraft(draft))
    return facts.note_limit


def connect_offer(session: Session, actor: Member) -> Notice | None:
    """A member without a valid LinkedIn account is offered `connect`."""
    from core.workspace.service import linkedin_account_of

    account = linkedin_account_of(session=session, member_id=actor.id)
    if account is not None and account.status == "valid":
        return None
    text = t("account.not_connected", command=invocation("connect")) if account is None else \
        t(ACCOUNT_STATUSES.get(account.status, ACCOUNT_STATUSES["invalid"]), command=invocation("connect"))
    return Notice(text, tone="warning",
                  buttons=(Button(t("account.connect_button"), "account.connect", style="primary"),))


def _default_slots() -> list[SlotDraft]:
    return [SlotDraft(weekday=d, start="09:00", end="11:00") for d in range(5)]


def _workspace_timezone(session: Session, actor: Member) -> str:
    from core.workspace.models import Workspace

    workspace = session.get(Workspace, actor.workspace_id)
    return workspace.timezone if workspace else "UTC"


def source_label(kind: str | None, source: Finder | Segment | None, actor: Member) -> str | None:
    """“Segment: Paris CTOs”, for a source of the actor's workspace only (whether the actor may see
    it is the caller's question, answered by the core)."""
    if kind is None or source is None or source.workspace_id != actor.workspace_id:
        return None
    return t("source.label", kind=t(SOURCE_KINDS[kind]) if kind in SOURCE_KINDS else kind, name=source.name)


def _create(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return open_campaign_form(services, session, actor, room)


def _edit(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    campaign = _resolve(session, actor, command.argument)
    if isinstance(campaign, Reply):
        return campaign
    return open_campaign_form(services, session, actor, room, campaign.id)


def show_card(services: Services, session: Session, actor: Member, campaign: Campaign,
              note: str | None = None) -> Card:
    """One campaign's card, with its results and charts (a list's cards have neither)."""
    from bot.conversation.analytics_cards import results_card

    card = campaign_cards(services, session, actor, [campaign], note=note)[0]
    return results_card(services, session, actor, campaign, card)


def campaign_cards(services: Services, session: Session, actor: Member, campaigns: Sequence[Campaign],
                   note: str | None = None) -> list[Card]:
    """The cards of `campaigns`, with their health, sender, program and source read for all of
    them at once (a list asked seven queries per campaign). A card of a campaign the actor does
    not manage is what `core.campaigns.authz` lets them read: no buttons to manage it."""
    from sqlmodel import select

    from core.campaigns.authz import can_manage
    from core.campaigns.health import campaigns_health
    from core.campaigns.models import Program
    from core.sources.visibility import may_pick_source

    if not campaigns:
        return []
    healths = campaigns_health(session=session, campaigns=list(campaigns), now=services.clock.now())

    def by_id(model: Any, wanted: Iterable[int | None]) -> dict[int, Any]:
        ids = {i for i in wanted if i}
        if len(ids) <= 1:  # `get` answers from the session's identity map when it can
            return {i: row for i in ids if (row := session.get(model, i)) is not None}
        return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids))).all()}

    senders = by_id(Member, (c.sender_id for c in campaigns))
    programs = by_id(Program, (c.program_id for c in campaigns))
    sources = {kind: by_id(model, (c.source_id for c in campaigns if c.source_kind == kind))
               for kind, model in (("finder", Finder), ("segment", Segment))}

    def source_name(campaign: Campaign) -> str | None:
        # Another member's campaign names its source only when the actor may use it too (P-8).
        if not (can_manage(actor, campaign) or may_pick_source(session=session, actor=actor, sender_id=actor.id,
                                                               kind=campaign.source_kind,
                                                               source_id=campaign.source_id)):
            return None
        return source_label(campaign.source_kind, sources.get(campaign.source_kind, {}).get(campaign.source_id), actor)

    return [cards.campaign_card(c, healths[c.id], sender_name=getattr(senders.get(c.sender_id), "name", None),
                                program=getattr(programs.get(c.program_id or 0), "name", None),
                                source_name=source_name(c), note=note, manage=can_manage(actor, c))
            for c in campaigns]


def _list(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    from core.campaigns.service import list_campaigns

    include_all = is_all(command.argument)
    if include_all and not actor.is_admin:
        return Reply.say(t("list.all_admins_only", command=invocation("list")), tone="warning")
    campaigns = list_campaigns(session=session, actor=actor, include_all=include_all, limit=cards.MAX_CARDS + 1)
    title = t("list.title_all") if include_all else t("list.title_yours")
    found = campaign_cards(services, session, actor, campaigns[: cards.MAX_CARDS])
    return Reply(messages=[cards.campaign_list(title, found, total=len(campaigns))])


def _show(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    campaign = _resolve(session, actor, command.argument)
    if isinstance(campaign, Reply):
        return campaign
    return Reply(messages=[show_card(services, session, actor, campaign)])


def activate(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    outcome = ask(services, session, actor, ActivateCampaign(campaign_id))
    if not outcome.ok:
        problems = "\n".join(t("bullet", text=e.message) for e in outcome.errors)
        return Reply(notice=Notice(t("campaign.activate_needs", problems=problems), tone="error",
                                   buttons=(Button(t("button.edit"), "campaign.edit", str(campaign_id)),)))
    card = show_card(services, session, actor, outcome.value, note=warnings_text(outcome) or t("campaign.activated"))
    return Reply(messages=[card])


def stop(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    outcome = ask(services, session, actor, StopCampaign(campaign_id))
    note = t("campaign.stopped")
    return Reply(messages=[show_card(services, session, actor, outcome.value, note=note)])


def preview(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    return Reply(messages=[cards.preview_view(ask(services, session, actor, PreviewCampaign(campaign_id)))])


def warnings_text(outcome: Outcome[Any]) -> str | None:
    if not outcome.warnings:
        return None
    return t("campaign.warnings", warnings="\n".join(t("bullet", text=w.message) for w in outcome.warnings))


def _by_name(action: Callable[[Services, Session, Member, int], Reply]) -> CommandHandler:
    def handler(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
        campaign = _resolve(session, actor, command.argument)
        if isinstance(campaign, Reply):
            return campaign
        return action(services, session, actor, campaign.id)
    return handler


def _digest(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    from bot.conversation.digest import digest_pages
    from core.campaigns.service import list_campaigns

    if command.argument:
        campaign = _resolve(session, actor, command.argument)
        if isinstance(campaign, Reply):
            return campaign
        targets = [campaign]
    else:
        targets = [c for c in list_campaigns(session=session, actor=actor) if c.status == "active" and c.moderation]
        if not targets:
            return Reply.say(t("digest.none_moderated"))
    pages = []
    for campaign in targets:
        pages += digest_pages(ask(services, session, actor, ShowDigestNow(campaign.id)))
    done = Notice(tn("digest.sent_to_messages", len(targets)), tone="success")
    return Reply(direct=list[View](pages), notice=done)


def export(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    from bot.conversation.analytics_cards import export as export_contacts

    return export_contacts(services, session, actor, campaign_id)


def _summary(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    from bot.conversation.analytics_cards import weekly_summary

    return weekly_summary(services, session, actor, command.argument)


def _language(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    """`language fr`: the member's own choice; `language` alone: back to their chat's language."""
    from core.workspace.language import ChooseLanguage

    outcome = ask(services, session, actor, ChooseLanguage(command.argument))
    if not outcome.ok:
        return Reply.say(" ".join(e.message for e in outcome.errors), tone="warning")
    with speaking(outcome.value):  # said in the language now spoken
        return Reply.say(t("language.now", language=language_name(outcome.value, label=False),
                           command=invocation("language", "en" if outcome.value == "fr" else "fr")), tone="success")


def _connect(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return connect(services, session, actor)


def connect(services: Services, session: Session, actor: Member) -> Reply:
    """Sandbox: connected at once (and said to be simulated). Otherwise the provider's hosted link."""
    from core.workspace.service import connect_linkedin_account

    if services.settings.linkedin_provider == "sandbox":
        from core.delivery.linkedin.sandbox import sandbox_account_id

        connect_linkedin_account(session=session, member_id=actor.id, provider="sandbox",
                                 provider_account_id=sandbox_account_id(str(actor.id)))
        return Reply.say(t("account.connected_sandbox"), tone="success")
    url = services.linkedin.hosted_link(member_ref=str(actor.id), success_url=services.settings.public_url)
    return Reply(notice=Notice(t("account.connect_on_provider"),
                               buttons=(Button(t("account.connect_button"), "account.connect_link", url=url),)))


_COMMANDS = {
    "help": _help, "create": _create, "edit": _edit, "list": _list, "show": _show,
    "activate": _by_name(activate), "stop": _by_name(stop), "preview": _by_name(preview),
    "digest": _digest, "connect": _connect, "language": _language, "export": _by_name(export),
    "summary": _summary, **finders.COMMANDS,
}


def home(services: Services, session: Session, actor: Member) -> Home:
    """The personal home: the actor's campaigns with their health, and what to do next."""
    from core.campaigns.authz import INACTIVE
    from core.campaigns.service import list_campaigns

    if not actor.active:  # the core lists nothing for them: say why rather than an empty list
        nothing = CampaignList(t("list.title_yours"), empty_text=t("home.inactive_empty"))
        return Home(title=t("help.title"), intro=t(INACTIVE), campaigns=nothing)
    campaigns = list_campaigns(session=session, actor=actor, include_all=actor.is_admin, limit=cards.MAX_CARDS + 1)
    found = campaign_cards(services, session, actor, campaigns[: cards.MAX_CARDS])
    title = t("list.title_workspace") if actor.is_admin else t("list.title_yours")
    offer = connect_offer(session, actor)
    intro = t("home.intro")
    if offer:
        intro += " " + offer.text
    buttons: tuple[Button, ...] = (Button(t("home.create_button"), "campaign.create", style="primary"),)
    if offer:
        buttons += offer.buttons
    return Home(title=t("help.title"), intro=intro,
                campaigns=cards.campaign_list(title, found, total=len(campaigns)), buttons=buttons)
