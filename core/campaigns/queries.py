"""Read side of campaigns: type-aheads, lookup by name, lists. Each is one indexed query."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import and_, not_
from sqlmodel import Session, select

from core.campaigns.authz import require_active
from core.campaigns.models import Campaign, Program
from core.campaigns.naming import like_escape, name_key
from core.workspace.models import Member

TYPEAHEAD_LIMIT = 20
_LAST = "\U0010ffff"  # sorts after any character a name key holds


def _typeahead(session: Session, model: type[Campaign] | type[Program], workspace_id: int, query: str, limit: int,
               sender_id: int | None = None) -> list[tuple[int, str]]:
    """Names starting with the typed text first, then names containing it, each in name order
    (P-4, P-5). The names starting with it are a range of the (workspace, name) index, which is
    all a short typed text usually needs; only when they are too few are the others scanned."""
    key = name_key(query or "")
    named = select(model.id, model.name).where(model.workspace_id == workspace_id)
    if sender_id is not None:
        named = named.where(Campaign.sender_id == sender_id)  # campaigns only
    if not key:
        return [(row[0], row[1]) for row in session.exec(named.order_by(model.name_key).limit(limit))]
    starting = and_(model.name_key >= key, model.name_key < key + _LAST)
    found = [(row[0], row[1]) for row in session.exec(named.where(starting).order_by(model.name_key).limit(limit))]
    if len(found) < limit:
        containing = named.where(model.name_key.like(f"%{like_escape(key)}%", escape="\\"), not_(starting))
        found += [(row[0], row[1]) for row in
                  session.exec(containing.order_by(model.name_key).limit(limit - len(found)))]
    return found


def campaign_names(*, session: Session, workspace_id: int, query: str = "", limit: int = TYPEAHEAD_LIMIT,
                   ) -> list[tuple[int, str]]:
    return _typeahead(session, Campaign, workspace_id, query, limit)


def editable_campaign_names(*, session: Session, actor: Member, query: str = "", limit: int = TYPEAHEAD_LIMIT,
                            ) -> list[tuple[int, str]]:
    """The campaigns offered in the form's Name field, where picking one opens it for editing: every
    campaign of the workspace for an active admin, the member's own (as sender) for anyone else,
    none for an inactive member (`core.campaigns.authz`)."""
    if not actor.active:
        return []
    return _typeahead(session, Campaign, actor.workspace_id, query, limit,
                      sender_id=None if actor.is_admin else actor.id)


def program_names(*, session: Session, workspace_id: int, query: str = "", limit: int = TYPEAHEAD_LIMIT,
                  ) -> list[tuple[int, str]]:
    return _typeahead(session, Program, workspace_id, query, limit)


def find_campaign(*, session: Session, actor: Member, name: str) -> tuple[Campaign | None, list[str]]:
    """The campaign of that name in the actor's workspace (case- and space-insensitive), or
    None with the closest names to suggest. An inactive member finds nothing (`NotAllowed`)."""
    require_active(actor)
    key = name_key(name or "")
    if not key:
        return None, []
    campaign = session.exec(
        select(Campaign).where(Campaign.workspace_id == actor.workspace_id, Campaign.name_key == key)
    ).first()
    if campaign is not None:
        return campaign, []
    candidates = [n for _, n in campaign_names(session=session, workspace_id=actor.workspace_id, query=name, limit=5)]
    if len(candidates) == 1:
        # One campaign contains what was typed: unambiguous enough to suggest, not to act on.
        return None, candidates
    if not candidates:
        names = session.exec(select(Campaign.name).where(Campaign.workspace_id == actor.workspace_id)
                             .order_by(Campaign.updated_at.desc()).limit(500)).all()
        by_key = {name_key(n): n for n in names}
        candidates = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=5, cutoff=0.5)]
    return None, candidates


def list_campaigns(*, session: Session, actor: Member, include_all: bool = False, limit: int = 50) -> list[Campaign]:
    """The actor's campaigns (as sender), or every campaign of the workspace for an admin. An
    inactive member lists nothing (`NotAllowed`)."""
    require_active(actor)
    stmt = select(Campaign).where(Campaign.workspace_id == actor.workspace_id)
    if not (include_all and actor.is_admin):
        stmt = stmt.where(Campaign.sender_id == actor.id)
    return list(session.exec(stmt.order_by(Campaign.status, Campaign.updated_at.desc()).limit(limit)).all())


@dataclass(frozen=True)
class SenderChoice:
    """A member the form may offer as the sender, and whether they can send now (P-7): their
    LinkedIn account's status, None when they have none."""

    member: Member
    account_status: str | None

    @property
    def can_send(self) -> bool:
        return self.account_status == "valid"


def sender_choices(*, session: Session, actor: Member, query: str = "",
                   limit: int = TYPEAHEAD_LIMIT) -> list[SenderChoice]:
    """The members offered in the form's Sender field, as the core accepts them (P-7 and the
    README's decisions): any active member of the workspace for an active admin, the member
    themself for anyone else, nobody for an inactive member; those who can send first (a valid
    LinkedIn account), then the others, who are refused on save until they connect one."""
    from core.workspace.models import LinkedInAccount
    from core.workspace.service import member_choices

    if not actor.active:
        return []
    if actor.is_admin:
        members = member_choices(session=session, workspace_id=actor.workspace_id, query=query, limit=limit)
    else:
        key = name_key(query or "")
        members = [actor] if key in (actor.name_key or name_key(actor.name)) else []
    statuses = dict(session.execute(select(LinkedInAccount.member_id, LinkedInAccount.status)
                                    .where(LinkedInAccount.member_id.in_([m.id for m in members]))).all())
    choices = [SenderChoice(m, statuses.get(m.id)) for m in members]
    return sorted(choices, key=lambda c: not c.can_send)  # stable: the query's order within each group
