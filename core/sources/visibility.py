"""Which finders and segments a sender may use as a campaign source (P-8a, P-8c), and which of
them a member asking may see.

Finders: those the sender owns or was added to as an additional member. Segments: those the
sender owns and the workspace's global ones. Each question is one indexed query: the
type-ahead runs over thousands of segments while the user types.

What is shown follows what is accepted (P-8, and the README's decision that a member sends only
from their own account): an active admin is shown the sources of the sender they picked; a
member, their own sources while their form names them as the sender, and none while it names
someone else (no source of that sender can be picked: the core refuses the sender); an inactive
member, none. The form's sender is the client's input: it widens nothing (`sources_sender`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Exists,
    Row,
    Select,
    bindparam,
    case,
    exists,
    literal,
    or_,
    select,
    union_all,
)
from sqlmodel import Session

from core.campaigns.naming import like_escape, name_key
from core.sources.models import Finder, FinderMember, Segment
from core.workspace.models import Member


@dataclass(frozen=True)
class SourceOption:
    kind: str  # finder | segment
    id: int
    name: str
    detail: str


def _sender_in_workspace(workspace_id: int, sender_id: int) -> Exists:
    return exists(select(Member.id).where(Member.id == sender_id, Member.workspace_id == workspace_id))


def _finder_visible(sender_id: int) -> ColumnElement[bool]:
    shared = exists(select(FinderMember.finder_id).where(FinderMember.finder_id == Finder.id,
                                                         FinderMember.member_id == sender_id))
    return or_(Finder.owner_id == sender_id, shared)


def segment_visible(sender_id: int) -> ColumnElement[bool]:
    """The segments `sender_id` may use: their own and the global ones (P-8)."""
    return or_(Segment.owner_id == sender_id, Segment.is_global.is_(True))


def visible_sources(*, session: Session, workspace_id: int, sender_id: int, query: str = "",
                    limit: int = 50) -> list[SourceOption]:
    """Finders then segments the sender may use, filtered by the typed text: names starting with
    it before names containing it, then alphabetical. One query."""
    key = like_escape(name_key(query or ""))
    params: dict[str, Any] = {"workspace_id": workspace_id, "sender_id": sender_id, "limit": max(1, limit)}
    if key:
        params.update(prefix=f"{key}%", contains=f"%{key}%")
    return [_option(row) for row in session.execute(_visible_sources_statement(bool(key)), params)]


@cache
def _visible_sources_statement(filtered: bool) -> Select:
    """The type-ahead query, built once per shape: this runs on every keystroke.

    Each way of being visible (finder owned, finder shared, segment owned, global segment) is
    its own branch of a UNION ALL, so each reads only its rows through its own index instead of
    every source of the workspace."""
    workspace_id: BindParameter[int] = bindparam("workspace_id")
    sender_id: BindParameter[int] = bindparam("sender_id")
    owner = Member.__table__.alias("owner")

    def branch(model: type[Finder] | type[Segment], kind_rank: int, *where: ColumnElement[bool]) -> Select:
        rank = case((model.name_key.like(bindparam("prefix"), escape="\\"), 0), else_=1) if filtered else literal(0)
        stmt = (select(literal(kind_rank).label("kind_rank"), model.id.label("id"), model.name.label("name"),
                       model.name_key.label("name_key"), rank.label("match_rank"),
                       (model.owner_id == sender_id).label("owned"), owner.c.name.label("owner_name"),
                       (model.is_global if model is Segment else literal(False)).label("is_global"))
                .outerjoin(owner, owner.c.id == model.owner_id)
                .where(model.workspace_id == workspace_id, *where))
        if filtered:
            stmt = stmt.where(model.name_key.like(bindparam("contains"), escape="\\"))
        return stmt

    shared = Finder.id.in_(select(FinderMember.finder_id).where(FinderMember.member_id == sender_id))
    not_owned = or_(Segment.owner_id.is_(None), Segment.owner_id != sender_id)
    both = union_all(
        branch(Finder, 0, Finder.owner_id == sender_id),
        branch(Finder, 0, shared, Finder.owner_id != sender_id),
        branch(Segment, 1, Segment.owner_id == sender_id),
        branch(Segment, 1, Segment.is_global == True, not_owned),  # noqa: E712 (= true keeps the index usable)
    ).subquery()
    in_workspace = exists(select(Member.id).where(Member.id == sender_id, Member.workspace_id == workspace_id))
    return (select(both).where(in_workspace)
            .order_by(both.c.kind_rank, both.c.match_rank, both.c.name_key, both.c.id)
            .limit(bindparam("limit")))


def _option(row: Row) -> SourceOption:
    if row.kind_rank == 0:
        detail = "Finder · yours" if row.owned else f"Finder · shared by {row.owner_name}"
        return SourceOption(kind="finder", id=row.id, name=row.name, detail=detail)
    if row.is_global:
        detail = "Segment · global" + ("" if row.owned or not row.owner_name else f" · by {row.owner_name}")
    else:
        detail = "Segment · yours"
    return SourceOption(kind="segment", id=row.id, name=row.name, detail=detail)


class Asker(Protocol):
    """What these rules read of the member asking: a `Member`, or what a cache kept of one."""

    @property
    def id(self) -> int | None: ...

    @property
    def active(self) -> bool: ...

    @property
    def is_admin(self) -> bool: ...


def sources_sender(actor: Asker, sender_id: int | None) -> int | None:
    """Whose sources `actor` is shown and may pick while their form names `sender_id` (None: the
    actor): that sender's for an active admin; for a member, their own while the form names them,
    nobody's (None) while it names another member, whom the core refuses as their sender; nobody's
    for an inactive member."""
    if not actor.active:
        return None
    if not sender_id or sender_id == actor.id:
        return actor.id
    return sender_id if actor.is_admin else None


def selectable_sources(*, session: Session, actor: Member, sender_id: int | None, query: str = "",
                       limit: int = 50) -> list[SourceOption]:
    """The source type-ahead for `actor` whose form names `sender_id` (see `sources_sender`)."""
    sender = sources_sender(actor, sender_id)
    if sender is None:
        return []
    return visible_sources(session=session, workspace_id=actor.workspace_id, sender_id=sender, query=query,
                           limit=limit)


def may_pick_source(*, session: Session, actor: Member, sender_id: int | None, kind: str | None,
                    source_id: int | None) -> bool:
    """Whether `actor`, whose form names `sender_id`, is shown this source (its name) and may pick
    it: the same rule as `selectable_sources`, for one source. One query."""
    sender = sources_sender(actor, sender_id)
    if sender is None or kind not in ("finder", "segment") or not source_id:
        return False
    return is_source_visible(session=session, workspace_id=actor.workspace_id, sender_id=sender, kind=kind,
                             source_id=source_id)


def is_source_visible(*, session: Session, workspace_id: int, sender_id: int, kind: str, source_id: int) -> bool:
    """Whether the sender may use this finder or segment (same rules as `visible_sources`). One query."""
    model: type[Finder] | type[Segment]
    if kind == "finder":
        model, visible = Finder, _finder_visible(sender_id)
    elif kind == "segment":
        model, visible = Segment, segment_visible(sender_id)
    else:
        return False
    stmt = select(model.id).where(model.id == source_id, model.workspace_id == workspace_id, visible,
                                  _sender_in_workspace(workspace_id, sender_id))
    return session.execute(stmt).first() is not None
