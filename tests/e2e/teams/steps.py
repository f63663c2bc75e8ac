"""What Teams users do, shared by the Teams tests: Ada connects and owns a segment; Ada runs a
campaign over three contacts while Bob, of her workspace, looks on."""

from __future__ import annotations

from sqlmodel import Session, select

from core.db import UnitOfWork
from core.workspace.models import ChatIdentity, Member
from tests import factories as f


async def connected_admin(teams, db, locale: str = "en-US"):
    """Ada, first (so admin), connected through Teams (set to `locale`), with an empty segment of hers."""
    ada = teams.user("Ada Lovelace", email="ada@example.com", locale=locale)
    await teams.say(ada, "connect")  # sandbox: connected at once
    with Session(db) as session:
        identity = session.exec(select(ChatIdentity)).one()
    with UnitOfWork(db)() as session:
        segment = f.segment(session, identity.workspace_id, [], owner=session.get(Member, identity.member_id),
                            name="Paris CTOs")
    return ada, identity, segment.id


async def sender_with_active_campaign(teams, ctx) -> tuple:
    """Ada (first, so admin) connected through Teams, with an active two-language campaign of her
    own over three contacts; Bob, a plain member of the same workspace."""
    ada = teams.user("Ada Lovelace", email="ada@example.com")
    await teams.install(ada)  # keeps the personal chat's reference for proactive messages
    await teams.say(ada, "connect")  # sandbox: connected at once
    bob = teams.user("Bob Builder", email="bob@example.com")
    await teams.say(bob, "help")
    with Session(ctx.engine) as session:
        ada_id = session.exec(select(ChatIdentity.member_id).where(
            ChatIdentity.external_user_id == ada.aad_object_id)).one()
    with UnitOfWork(ctx.engine)() as s:
        actor = s.get(Member, ada_id)
        founders = f.contacts_from(s, actor.workspace_id, f.FOUNDERS)
        segment = f.segment(s, actor.workspace_id, founders, owner=actor, name="Paris founders")
        campaign = f.running_campaign(s, actor, segment.id, now=ctx.clock.now())
        return ada, bob, ada_id, campaign.id
