"""The buttons of campaign cards and notices: create, show, edit, activate, stop, preview, connect."""

from __future__ import annotations

from sqlmodel import Session

from bot.conversation import form as campaign_form
from bot.conversation import handlers
from bot.conversation.interactions import Asked, action
from bot.conversation.views import Reply
from core.campaigns.service import get_campaign
from core.i18n import t
from core.services import Services
from core.workspace.models import Member


def campaign_id_of(asked: Asked) -> int:
    """The campaign a button names (an id we wrote), else ValueError: a forged value never reaches
    the database as an id."""
    ident = campaign_form.parse_id(asked.value)
    if ident is None:
        raise ValueError(t("error.no_campaign_button"))
    return ident


@action("campaign.create")
def create(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.open_campaign_form(services, session, actor, asked.room)


@action("account.connect")
def connect(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.connect(services, session, actor)


@action("campaign.show", read_only=True)
def show(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    campaign = get_campaign(session=session, actor=actor, campaign_id=campaign_id_of(asked))
    return Reply(messages=[handlers.show_card(services, session, actor, campaign)])


@action("campaign.edit")
def edit(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.open_campaign_form(services, session, actor, asked.room, campaign_id_of(asked))


@action("campaign.activate")
def activate(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.activate(services, session, actor, campaign_id_of(asked))


@action("campaign.stop")
def stop(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.stop(services, session, actor, campaign_id_of(asked))


@action("campaign.preview", read_only=True)
def preview(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return handlers.preview(services, session, actor, campaign_id_of(asked))
