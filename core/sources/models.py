"""Tables of the sources: contacts, finders and segments (P-8)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "public_identifier", name="uq_contact_public_identifier"),
        UniqueConstraint("workspace_id", "profile_url", name="uq_contact_profile_url"),
        Index("ix_contact_workspace_language", "workspace_id", "language"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    public_identifier: str = Field(max_length=200)
    profile_url: str = Field(max_length=300)
    provider_id: str | None = Field(default=None, max_length=128, index=True)
    first_name: str | None = Field(default=None, max_length=120)
    last_name: str | None = Field(default=None, max_length=120)
    headline: str | None = Field(default=None, max_length=400)
    company: str | None = Field(default=None, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    birth_year: int | None = Field(default=None)
    age_min: int | None = Field(default=None)
    age_max: int | None = Field(default=None)
    custom_fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class Segment(SQLModel, table=True):
    """A saved selection of contacts. A *list* segment holds explicit contacts (imports, finder
    results) filtered by its criteria; a *dynamic* one applies its criteria to every contact."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key", name="uq_segment_workspace_name"),
        Index("ix_segment_workspace_owner", "workspace_id", "owner_id"),
        Index("ix_segment_workspace_global", "workspace_id", "is_global"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    is_global: bool = Field(default=False)
    is_list: bool = Field(default=True)
    criteria: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    finder_id: int | None = Field(default=None, foreign_key="finder.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SegmentContact(SQLModel, table=True):
    __table_args__ = (Index("ix_segment_contact_contact", "contact_id"),)

    segment_id: int = Field(foreign_key="segment.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FinderState(StrEnum):
    """Where a finder stands (its owner's `paused` is apart: a paused finder keeps its last state)."""

    NEW = "new"            # never run
    RUNNING = "running"    # a run is paging through results
    WAITING = "waiting"    # a run waits after LinkedIn's 429 (the account's invitations go on)
    IDLE = "idle"          # its last run ended; the next one comes on its schedule
    COMPLETE = "complete"  # its segment holds its result cap: it runs no more
    FAILED = "failed"      # stopped by a problem (`problem`) the owner must fix, then run it again


class RunState(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"  # paused, deleted or replaced


class Finder(SQLModel, table=True):
    """A search in an external source; its results fill the segment created with it (P-8b)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key", name="uq_finder_workspace_name"),
        Index("ix_finder_workspace_owner", "workspace_id", "owner_id"),
        Index("ix_finder_next_run", "next_run_at"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    owner_id: int = Field(foreign_key="member.id")
    query: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    segment_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # What it runs and when (core.sources.finder_runs).
    api: str = Field(default="classic", max_length=16)  # core.sources.search.SearchApi
    filter_ids: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # filter names resolved to LinkedIn ids
    result_cap: int = Field(default=1000)
    every_days: int = Field(default=1)  # 0: runs only when asked
    paused: bool = Field(default=False)
    state: str = Field(default=FinderState.NEW, max_length=16)
    problem: str | None = Field(default=None, max_length=200)  # a key of finder_texts.PROBLEMS, ":"-detail
    found: int = Field(default=0)  # people in its segment
    added: int = Field(default=0)  # contacts it brought into the workspace, over all runs
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    run_id: int | None = Field(default=None)  # the run under way or the last one


class FinderRun(SQLModel, table=True):
    """One pass of a finder through its search's result pages. A page is fetched by the worker
    holding the run's lease for that page (`pages` says which); what it brings and the next cursor
    are written together, so a page is never applied twice."""

    __table_args__ = (Index("ix_finder_run_finder", "finder_id"), Index("ix_finder_run_due", "state", "next_page_at"))

    id: int = Field(default=None, primary_key=True)
    finder_id: int = Field(foreign_key="finder.id")
    workspace_id: int = Field(foreign_key="workspace.id")
    trigger: str = Field(default="schedule", max_length=16)  # created | schedule | manual
    state: str = Field(default=RunState.RUNNING, max_length=16)
    cursor: str | None = Field(default=None, max_length=2000)
    pages: int = Field(default=0)  # pages applied
    results: int = Field(default=0)  # people the pages held
    new: int = Field(default=0)  # of them, contacts new to the workspace
    next_page_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    problem: str | None = Field(default=None, max_length=200)
    # Where the chat message that started it lives, to update its progress in place.
    progress_ref: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FinderMember(SQLModel, table=True):
    """An additional member of a finder: may use it as a campaign source (P-8a)."""

    __table_args__ = (Index("ix_finder_member_member", "member_id"),)

    finder_id: int = Field(foreign_key="finder.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
