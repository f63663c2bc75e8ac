"""The sandbox provider's own tables: what it 'sent' (nobody real is contacted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class SandboxInvitation(SQLModel, table=True):
    """The sandbox provider's own record of invitations it 'sent' (nobody real is contacted)."""

    __table_args__ = (Index("ix_sandbox_invitation_account", "account_key", "status"),)

    id: int = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=128)
    provider_user_id: str = Field(max_length=128)
    note_length: int = Field(default=0)
    status: str = Field(default="pending", max_length=16)  # pending | accepted | withdrawn
    created_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SandboxMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_sandbox_message_chat", "chat_id", "created_at"),)

    id: int = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=128)
    chat_id: str = Field(max_length=128)
    provider_user_id: str = Field(max_length=128)
    is_sender: bool
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
