"""Segments and finders (P-8): creating them, filling them, and the contacts a source holds.

A finder is created with a segment of the same name holding its results (P-8b). A list
segment holds explicit contacts narrowed by its criteria; a dynamic one (`is_list=False`)
applies its criteria to every contact of the workspace. Either way, reading the contacts of a
source is one SQL query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, false, select
from sqlmodel import Session

from core.campaigns.naming import name_key
from core.clock import SystemClock
from core.db import utcnow
from core.errors import NotFound
from core.i18n import N_, t
from core.sources import finder_texts
from core.sources.bulk import upsert
from core.sources.criteria import criteria_condition, dump_criteria, parse_criteria
from core.sources.models import Contact, Finder, FinderMember, Segment, SegmentContact
from core.sources.search import RESULT_CEILING, SearchApi, SearchInputError, parse_finder_query
from core.workspace.models import LinkedInAccount, Member

KINDS = ("finder", "segment")
NAME_MAX = 120
MAX_EVERY_DAYS = 30


def _clean_name(name: str | None, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValueError(t("workspace.name_required", what=what))
    if len(name) > NAME_MAX:
        raise ValueError(t("name.too_long", what=what, length=len(name), max=NAME_MAX))
    return name


ROLES = {"owner": N_("sources.role.owner"), "additional member": N_("sources.role.member")}


def _member_of(session: Session, workspace_id: int, member_id: int, role: str) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.workspace_id != workspace_id:
        label = t(ROLES[role]) if role in ROLES else role
        raise ValueError(t("sources.not_a_member", role=label, id=str(member_id)))
    return member


def _name_taken(session: Session, model: type[Finder] | type[Segment], workspace_id: int, key: str) -> bool:
    taken = session.execute(select(model.id).where(model.workspace_id == workspace_id, model.name_key == key)).first()
    return taken is not None


def create_segment(*, session: Session, workspace_id: int, name: str, owner_id: int | None = None,
                   is_global: bool = False, criteria: dict[str, Any] | None = None, is_list: bool = True) -> Segment:
    """Create a segment. Its name is unique in the workspace (case- and space-insensitive); a
    segment that is not global needs an owner; criteria are checked (ValueError names the key)."""
    name = _clean_name(name, t("sources.segment_name"))
    if owner_id is not None:
        _member_of(session, workspace_id, owner_id, "owner")
    elif not is_global:
        raise ValueError(t("sources.owner_needed"))
    parsed = parse_criteria(criteria)
    if _name_taken(session, Segment, workspace_id, name_key(name)):
        raise ValueError(t("sources.segment_taken", name=name))
    segment = Segment(workspace_id=workspace_id, name=name, name_key=name_key(name), owner_id=owner_id,
                      is_global=is_global, is_list=is_list, criteria=dump_criteria(parsed))
    session.add(segment)
    session.flush()
    return segment


def create_finder(*, session: Session, workspace_id: int, name: str, owner_id: int, query: dict[str, Any] | None = None,
                  additional_member_ids: Iterable[int] = (), result_cap: int | None = None, every_days: int = 1,
                  now: datetime | None = None) -> Finder:
    """Create a finder and, in the same transaction, the segment of the same name that holds its
    results (P-8b). Additional members may use the finder as a campaign source (P-8a).

    `query` is its search (`core.sources.search`; `SearchInputError`, a ValueError naming the
    field, when it is not one); a finder with a search is due to run at once (`next_run_at`), then
    every `every_days` days until its segment holds `result_cap` people (default: the search's
    own ceiling). Without a query it holds a name only and never runs."""
    name = _clean_name(name, t("sources.finder_name"))
    key = name_key(name)
    if _name_taken(session, Finder, workspace_id, key):
        raise ValueError(t("sources.finder_taken", name=name))
    search = parse_finder_query(query) if query is not None else None
    ceiling = search.default_cap if search is not None else RESULT_CEILING[SearchApi.CLASSIC]
    cap = ceiling if result_cap is None else result_cap
    if not 1 <= cap <= ceiling:
        raise SearchInputError("result_cap", t(finder_texts.CAP_RANGE, limit=ceiling))
    if not 0 <= every_days <= MAX_EVERY_DAYS:
        raise SearchInputError("every_days", t(finder_texts.EVERY_RANGE, limit=MAX_EVERY_DAYS))
    _member_of(session, workspace_id, owner_id, "owner")
    extra = sorted(set(additional_member_ids) - {owner_id})
    for member_id in extra:
        _member_of(session, workspace_id, member_id, "additional member")
    if _name_taken(session, Segment, workspace_id, key):
        raise ValueError(t("sources.finder_segment_taken", name=name))
    finder = Finder(workspace_id=workspace_id, name=name, name_key=key, owner_id=owner_id,
                    query=search.to_query() if search is not None else {},
                    api=search.api if search is not None else SearchApi.CLASSIC, result_cap=cap, every_days=every_days,
                    next_run_at=(now or utcnow()) if search is not None else None)
    session.add(finder)
    session.flush()
    segment = Segment(workspace_id=workspace_id, name=name, name_key=key, owner_id=owner_id, finder_id=finder.id)
    session.add(segment)
    session.flush()
    finder.segment_id = segment.id
    session.add_all([finder, *(FinderMember(finder_id=finder.id, member_id=m) for m in extra)])
    session.flush()
    return finder


def update_finder(*, session: Session, finder: Finder, name: str, query: dict[str, Any],
                  additional_member_ids: Iterable[int] = (), result_cap: int | None = None, every_days: int = 1,
                  now: datetime | None = None) -> bool:
    """Change a finder (and the name of its segment with it): everything is checked before anything
    is written, as `create_finder` does. Returns whether its search changed (the caller then stops
    the run under way and starts one on the new search; names resolved for the old one are dropped)."""
    name = _clean_name(name, t("sources.finder_name"))
    key = name_key(name)
    if key != finder.name_key:
        if _name_taken(session, Finder, finder.workspace_id, key):
            raise ValueError(t("sources.finder_taken", name=name))
        if _name_taken(session, Segment, finder.workspace_id, key):
            raise ValueError(t("sources.finder_segment_taken", name=name))
    search = parse_finder_query(query)
    cap = search.default_cap if result_cap is None else result_cap
    if not 1 <= cap <= search.default_cap:
        raise SearchInputError("result_cap", t(finder_texts.CAP_RANGE, limit=search.default_cap))
    if not 0 <= every_days <= MAX_EVERY_DAYS:
        raise SearchInputError("every_days", t(finder_texts.EVERY_RANGE, limit=MAX_EVERY_DAYS))
    extra = set(additional_member_ids) - {finder.owner_id}
    for member_id in sorted(extra):
        _member_of(session, finder.workspace_id, member_id, "additional member")
    changed = search.to_query() != finder.query
    segment = session.get(Segment, finder.segment_id) if finder.segment_id else None
    if segment is not None and segment.name_key == finder.name_key:
        segment.name, segment.name_key = name, key
        session.add(segment)
    finder.name, finder.name_key = name, key
    if changed:
        finder.query, finder.api, finder.filter_ids = search.to_query(), search.api, {}
    finder.result_cap, finder.every_days = cap, every_days
    if every_days > 0 and finder.next_run_at is None and finder.last_run_at is not None:
        finder.next_run_at = finder.last_run_at + timedelta(days=every_days)
    elif every_days == 0:
        finder.next_run_at = None
    session.add(finder)
    known = set(session.execute(select(FinderMember.member_id).where(FinderMember.finder_id == finder.id)).scalars())
    for member_id in known - extra:
        session.execute(delete(FinderMember).where(FinderMember.finder_id == finder.id,
                                                   FinderMember.member_id == member_id))
    session.add_all(FinderMember(finder_id=finder.id, member_id=m) for m in sorted(extra - known))
    session.flush()
    return changed


def add_finder_members(*, session: Session, workspace_id: int, finder_id: int, member_ids: Iterable[int]) -> None:
    finder = get_source(session=session, workspace_id=workspace_id, kind="finder", source_id=finder_id)
    known = set(session.execute(select(FinderMember.member_id).where(FinderMember.finder_id == finder_id)).scalars())
    for member_id in sorted(set(member_ids) - known - {finder.owner_id}):
        _member_of(session, workspace_id, member_id, "additional member")
        session.add(FinderMember(finder_id=finder_id, member_id=member_id))
    session.flush()


def add_contacts_to_segment(*, session: Session, workspace_id: int, segment_id: int, contact_ids: Iterable[int],
                            now: datetime | None = None) -> None:
    """Put contacts of this workspace into a list segment; contacts already in it stay as they are.
    Ids of contacts of another workspace are ignored (invariant 8)."""
    get_source(session=session, workspace_id=workspace_id, kind="segment", source_id=segment_id)
    wanted = sorted(set(contact_ids))
    added_at = now or utcnow()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start:start + 5000]
        own = session.execute(select(Contact.id).where(Contact.workspace_id == workspace_id,
                                                       Contact.id.in_(chunk))).scalars().all()
        upsert(session, SegmentContact.__table__,
               [{"segment_id": segment_id, "contact_id": cid, "added_at": added_at} for cid in own],
               conflict=("segment_id", "contact_id"))
    session.flush()


def get_source(*, session: Session, workspace_id: int, kind: str, source_id: int) -> Finder | Segment:
    """The finder or segment of this workspace; NotFound otherwise (also for another workspace's)."""
    if kind not in KINDS:
        raise ValueError(t("sources.bad_kind", kind=kind))
    source = session.get(Finder, source_id) if kind == "finder" else session.get(Segment, source_id)
    if source is None or source.workspace_id != workspace_id:
        raise NotFound(t("sources.not_found"))
    return source


def source_contacts(*, session: Session, workspace_id: int, kind: str, source_id: int, sender_id: int | None = None,
                    now: datetime | None = None) -> Select:
    """A `select(Contact)` of the contacts a finder (through its segment) or a segment holds.

    Criteria run in SQL: one query, whatever the number of contacts. `connected_to_sender`
    compares with `sender_id`'s LinkedIn account (the segment's owner when no sender is given;
    ValueError when neither exists). The age criterion counts years to `now` (default: now)."""
    source = get_source(session=session, workspace_id=workspace_id, kind=kind, source_id=source_id)
    segment = source if isinstance(source, Segment) else (
        session.get(Segment, source.segment_id) if source.segment_id else None)
    stmt = select(Contact).where(Contact.workspace_id == workspace_id)
    if segment is None:
        return stmt.where(false())
    criteria = parse_criteria(segment.criteria)
    account_id = None
    if criteria.needs_sender():
        sender = sender_id or segment.owner_id
        if sender is None:
            raise ValueError(t("sources.sender_needed", name=segment.name))
        account_id = session.execute(select(LinkedInAccount.id).where(LinkedInAccount.member_id == sender)).scalar()
    now_year = (now or SystemClock().now()).year
    if segment.is_list:
        stmt = stmt.where(Contact.id.in_(select(SegmentContact.contact_id)
                                         .where(SegmentContact.segment_id == segment.id)))
    return stmt.where(criteria_condition(criteria, sender_account_id=account_id, now_year=now_year))


def list_segments(*, session: Session, workspace_id: int) -> list[Segment]:
    return list(session.execute(select(Segment).where(Segment.workspace_id == workspace_id)
                                .order_by(Segment.name_key)).scalars())


def list_finders(*, session: Session, workspace_id: int) -> list[Finder]:
    return list(session.execute(select(Finder).where(Finder.workspace_id == workspace_id)
                                .order_by(Finder.name_key)).scalars())
