"""Tables of the sources: contacts, finders and segments (P-8)."""

from __future__ import annotations

from datetime import datetime
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


class Finder(SQLModel, table=True):
    """A search in an external source; its results fill the segment created with it (P-8b)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key", name="uq_finder_workspace_name"),
        Index("ix_finder_workspace_owner", "workspace_id", "owner_id"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    owner_id: int = Field(foreign_key="member.id")
    query: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    segment_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FinderMember(SQLModel, table=True):
    """An additional member of a finder: may use it as a campaign source (P-8a)."""

    __table_args__ = (Index("ix_finder_member_member", "member_id"),)

    finder_id: int = Field(foreign_key="finder.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
