"""Commands: `/invite-campaign help|create|edit|list|show|activate|stop|preview|digest|connect`.

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
from bot.conversation.commands import Command, help_text
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
from core.moderation.commands import ShowDigestNow
from core.services import Services
from core.sources.models import Finder, Segment
from core.workspace.models import Member

CommandHandler = Callable[[Services, Session, Member, Command, DialogRoom], Reply]
NO_LIMIT = DialogRoom()


def handle_command(services: Services, session: Session, actor: Member, command: Command,
                   room: DialogRoom = NO_LIMIT) -> Reply:
    """A typed command (`/invite-campaign …`, a Teams message): its handler's reply. `room`: how
    much the surface's dialog holds, for the commands that open the campaign form."""
    handler: CommandHandler = _COMMANDS.get(command.name, _help)
    return handler(services, session, actor, command, room)


def _help(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return Reply(notice=Notice(help_text(command.unknown), title="Invite campaigns"))


def _resolve(session: Session, actor: Member, name: str) -> Campaign | Reply:
    """The campaign named `name`, or a Reply explaining what was meant (closest matches)."""
    from core.campaigns.service import find_campaign

    if not name:
        return Reply.say("Which campaign? Give its name, e.g. `/invite-campaign show Spring outreach`.",
                         tone="warning")
    campaign, suggestions = find_campaign(session=session, actor=actor, name=name)
    if campaign is not None:
        return campaign
    if suggestions:
        text = f"No campaign is named “{name}”. Did you mean: " + ", ".join(f"“{s}”" for s in suggestions) + "?"
    else:
        text = f"No campaign is named “{name}” in your workspace. `/invite-campaign list` shows yours."
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
    why = "is not connected" if account is None else f"is {account.status}"
    return Notice(f"Your LinkedIn account {why}: connect it to send from it (`/invite-campaign connect`).",
                  tone="warning", buttons=(Button("Connect LinkedIn", "account.connect", style="primary"),))


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
    return f"{kind.capitalize()}: {source.name}"


def _create(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return open_campaign_form(services, session, actor, room)


def _edit(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    campaign = _resolve(session, actor, command.argument)
    if isinstance(campaign, Reply):
        return campaign
    return open_campaign_form(services, session, actor, room, campaign.id)


def show_card(services: Services, session: Session, actor: Member, campaign: Campaign,
              note: str | None = None) -> Card:
    return campaign_cards(services, session, actor, [campaign], note=note)[0]


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

    include_all = command.argument.lower() == "all"
    if include_all and not actor.is_admin:
        return Reply.say("Only workspace admins can list every campaign; `/invite-campaign list` shows yours.",
                         tone="warning")
    campaigns = list_campaigns(session=session, actor=actor, include_all=include_all, limit=cards.MAX_CARDS + 1)
    title = "All campaigns of the workspace" if include_all else "Your campaigns"
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
        problems = "\n".join(f"• {e.message}" for e in outcome.errors)
        return Reply(notice=Notice(f"“Activate” needs these fixed first:\n{problems}", tone="error",
                                   buttons=(Button("Edit", "campaign.edit", str(campaign_id)),)))
    card = show_card(services, session, actor, outcome.value, note=warnings_text(outcome) or "Activated.")
    return Reply(messages=[card])


def stop(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    outcome = ask(services, session, actor, StopCampaign(campaign_id))
    note = "Stopped: nothing more is planned or sent."
    return Reply(messages=[show_card(services, session, actor, outcome.value, note=note)])


def preview(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    return Reply(messages=[cards.preview_view(ask(services, session, actor, PreviewCampaign(campaign_id)))])


def warnings_text(outcome: Outcome[Any]) -> str | None:
    if not outcome.warnings:
        return None
    return "Warnings:\n" + "\n".join(f"• {w.message}" for w in outcome.warnings)


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
            return Reply.say("None of your campaigns is active with moderation on: no digest to build.")
    pages = []
    for campaign in targets:
        pages += digest_pages(ask(services, session, actor, ShowDigestNow(campaign.id)))
    done = Notice(f"Tomorrow's plan of {len(targets)} campaign(s) is in your messages.", tone="success")
    return Reply(direct=list[View](pages), notice=done)


def _connect(services: Services, session: Session, actor: Member, command: Command, room: DialogRoom) -> Reply:
    return connect(services, session, actor)


def connect(services: Services, session: Session, actor: Member) -> Reply:
    """Sandbox: connected at once (and said to be simulated). Otherwise the provider's hosted link."""
    from core.workspace.service import connect_linkedin_account

    if services.settings.linkedin_provider == "sandbox":
        from core.delivery.linkedin.sandbox import sandbox_account_id

        connect_linkedin_account(session=session, member_id=actor.id, provider="sandbox",
                                 provider_account_id=sandbox_account_id(str(actor.id)))
        return Reply.say("Your LinkedIn account is connected. This is the sandbox (simulated network): "
                         "nobody on LinkedIn is contacted.", tone="success")
    url = services.linkedin.hosted_link(member_ref=str(actor.id), success_url=services.settings.public_url)
    return Reply(notice=Notice("Connect your LinkedIn account on the provider's page; come back here when done.",
                               buttons=(Button("Connect LinkedIn", "account.connect_link", url=url),)))


_COMMANDS = {
    "help": _help, "create": _create, "edit": _edit, "list": _list, "show": _show,
    "activate": _by_name(activate), "stop": _by_name(stop), "preview": _by_name(preview),
    "digest": _digest, "connect": _connect, **finders.COMMANDS,
}


def home(services: Services, session: Session, actor: Member) -> Home:
    """The personal home: the actor's campaigns with their health, and what to do next."""
    from core.campaigns.authz import INACTIVE
    from core.campaigns.service import list_campaigns

    if not actor.active:  # the core lists nothing for them: say why rather than an empty list
        nothing = CampaignList("Your campaigns", empty_text="Nothing to show while your membership is inactive.")
        return Home(title="Invite campaigns", intro=INACTIVE, campaigns=nothing)
    campaigns = list_campaigns(session=session, actor=actor, include_all=actor.is_admin, limit=cards.MAX_CARDS + 1)
    found = campaign_cards(services, session, actor, campaigns[: cards.MAX_CARDS])
    title = "Campaigns of the workspace" if actor.is_admin else "Your campaigns"
    offer = connect_offer(session, actor)
    intro = "Invite campaigns send LinkedIn invitations and follow-ups on your behalf, every day."
    if offer:
        intro += " " + offer.text
    buttons: tuple[Button, ...] = (Button("Create a campaign", "campaign.create", style="primary"),)
    if offer:
        buttons += offer.buttons
    return Home(title="Invite campaigns", intro=intro,
                campaigns=cards.campaign_list(title, found, total=len(campaigns)), buttons=buttons)
