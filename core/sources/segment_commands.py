"""Segment commands from chat (P-8): list the segments a member may see, show one with its size.

A segment is shown to its owner, to everyone when it is global, and to the admins; an inactive
member reads nothing (`NotAllowed`); another workspace's segment does not exist (`NotFound`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from core.campaigns.authz import require_active
from core.commands import Context, Handler
from core.errors import NotFound
from core.i18n import N_, t
from core.sources.models import Finder, Segment, SegmentContact
from core.sources.segments import source_contacts
from core.sources.visibility import segment_visible
from core.workspace.models import Member

SEGMENT_NOT_FOUND = N_("segment.not_found")


@dataclass(frozen=True)
class ListSegments:
    """The segments the actor may see, by name."""


@dataclass(frozen=True)
class ShowSegment:
    segment_id: int


@dataclass(frozen=True)
class SegmentSummary:
    id: int
    name: str
    owner_name: str | None
    is_global: bool
    is_list: bool
    criteria: dict[str, Any]
    finder_name: str | None
    contacts: int | None  # None: its criteria compare with a sender; counted per campaign
    mine: bool


def _visible(actor: Member) -> ColumnElement[bool]:
    """An admin sees every segment of the workspace; a member those a sender may use (P-8)."""
    return Segment.id.is_not(None) if actor.is_admin else segment_visible(actor.id)


def _segment_summaries(session: Session, actor: Member, segments: list[Segment], *,
                       count: bool) -> list[SegmentSummary]:
    names = dict(session.execute(select(Member.id, Member.name).where(Member.workspace_id == actor.workspace_id)).all())
    finders = dict(session.execute(select(Finder.id, Finder.name).where(
        Finder.id.in_([s.finder_id for s in segments if s.finder_id]))).all())
    sizes: dict[int, int] = {}
    plain = [s.id for s in segments if s.is_list and not s.criteria]
    if plain:
        sizes = dict(session.execute(select(SegmentContact.segment_id, func.count())
                                     .where(SegmentContact.segment_id.in_(plain))
                                     .group_by(SegmentContact.segment_id)).all())
    out = []
    for s in segments:
        contacts: int | None = sizes.get(s.id, 0) if s.id in plain else None
        if contacts is None and count:
            try:
                stmt = source_contacts(session=session, workspace_id=actor.workspace_id, kind="segment",
                                       source_id=s.id, sender_id=actor.id)
                contacts = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
            except ValueError:
                contacts = None
        out.append(SegmentSummary(id=s.id, name=s.name, owner_name=names.get(s.owner_id or 0), is_global=s.is_global,
                                  is_list=s.is_list, criteria=dict(s.criteria or {}),
                                  finder_name=finders.get(s.finder_id or 0), contacts=contacts,
                                  mine=s.owner_id == actor.id))
    return out


def list_segments(session: Session, actor: Member, command: ListSegments, ctx: Context) -> list[SegmentSummary]:
    require_active(actor)
    segments = list(session.execute(select(Segment).where(Segment.workspace_id == actor.workspace_id,
                                                          _visible(actor))
                                    .order_by(Segment.name_key)).scalars())
    return _segment_summaries(session, actor, segments, count=False)


def show_segment(session: Session, actor: Member, command: ShowSegment, ctx: Context) -> SegmentSummary:
    require_active(actor)
    segment = session.get(Segment, command.segment_id)
    if segment is None or segment.workspace_id != actor.workspace_id or not (
            actor.is_admin or segment.is_global or segment.owner_id == actor.id):
        raise NotFound(t(SEGMENT_NOT_FOUND))
    return _segment_summaries(session, actor, [segment], count=True)[0]


HANDLERS: dict[type, Handler] = {ListSegments: list_segments, ShowSegment: show_segment}
