"""Tables of delivery: enrollments, sends (the unit of delivery), what the provider told us."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class EnrollmentState(StrEnum):
    """One contact in one campaign (DESIGN §5)."""

    QUEUED = "queued"
    PLANNED = "planned"
    INVITED = "invited"
    ACCEPTED = "accepted"
    WELCOMED = "welcomed"
    FOLLOWING_UP = "following_up"
    DONE = "done"
    SKIPPED = "skipped"
    REPLIED = "replied"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"
    STOPPED = "stopped"


class SendStatus(StrEnum):
    """One planned LinkedIn action: planned → claimed → sent, or skipped, cancelled, failed."""

    PLANNED = "planned"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"


# The short names the engine's statements use.
E_QUEUED, E_PLANNED, E_INVITED = EnrollmentState.QUEUED, EnrollmentState.PLANNED, EnrollmentState.INVITED
E_ACCEPTED, E_WELCOMED = EnrollmentState.ACCEPTED, EnrollmentState.WELCOMED
E_FOLLOWING_UP = EnrollmentState.FOLLOWING_UP
E_DONE, E_SKIPPED, E_REPLIED = EnrollmentState.DONE, EnrollmentState.SKIPPED, EnrollmentState.REPLIED
E_WITHDRAWN, E_FAILED, E_STOPPED = EnrollmentState.WITHDRAWN, EnrollmentState.FAILED, EnrollmentState.STOPPED
ENROLLMENT_FINAL = frozenset({E_DONE, E_SKIPPED, E_REPLIED, E_WITHDRAWN, E_FAILED, E_STOPPED})

S_PLANNED, S_CLAIMED, S_SENT = SendStatus.PLANNED, SendStatus.CLAIMED, SendStatus.SENT
S_SKIPPED, S_CANCELLED, S_FAILED = SendStatus.SKIPPED, SendStatus.CANCELLED, SendStatus.FAILED
SEND_FINAL = frozenset({S_SENT, S_SKIPPED, S_CANCELLED, S_FAILED})

# Invariant 1 in the schema: one account, one contact, one live-or-sent invitation, whatever
# the campaign. Cancelled, skipped and definitely-failed invitations never left.
_ONE_INVITATION = text("step = 'invitation' AND status IN ('planned', 'claimed', 'sent')")


class Enrollment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", name="uq_enrollment_campaign_contact"),
        Index("ix_enrollment_account_contact", "account_id", "contact_id"),
        Index("ix_enrollment_contact_state", "contact_id", "state"),
        Index("ix_enrollment_campaign_state", "campaign_id", "state"),
        # Analytics (core/analytics/queries.py): a campaign's funnel and days, read from the index alone.
        Index("ix_enrollment_campaign_funnel", "campaign_id", "language", "state", "reply_sentiment", "invited_at",
              "accepted_at", "welcomed_at", "replied_at", "withdrawn_at"),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    contact_id: int = Field(foreign_key="contact.id")
    account_id: int = Field(foreign_key="linkedinaccount.id")
    state: str = Field(default=E_QUEUED, max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    invitation_id: str | None = Field(default=None, max_length=128)
    chat_id: str | None = Field(default=None, max_length=128)
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    welcomed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_step_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply_sentiment: str | None = Field(default=None, max_length=16)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Send(SQLModel, table=True):
    """One planned LinkedIn action for one enrollment and one step: claimed atomically, fenced by attempt."""

    __table_args__ = (
        UniqueConstraint("enrollment_id", "step", "position", name="uq_send_enrollment_step"),
        Index("ix_send_status_due", "status", "due_at"),
        Index("ix_send_account_status_sent", "account_id", "status", "sent_at"),
        Index("ix_send_campaign_date", "campaign_id", "local_date"),
        # Analytics: what went out per message of a campaign, read from the index alone.
        Index("ix_send_campaign_message", "campaign_id", "status", "step", "position", "language"),
        Index(
            "uq_send_invitation_once",
            "account_id",
            "contact_id",
            unique=True,
            sqlite_where=_ONE_INVITATION,
            postgresql_where=_ONE_INVITATION,
        ),
    )

    id: int = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    enrollment_id: int = Field(foreign_key="enrollment.id")
    account_id: int = Field(foreign_key="linkedinaccount.id")
    contact_id: int = Field(foreign_key="contact.id")
    step: str = Field(max_length=16)
    position: int = Field(default=0)
    language: str = Field(max_length=8)
    text: str = Field(default="", sa_type=Text)
    edited: bool = Field(default=False)
    local_date: date = Field(sa_type=Date)
    slot_index: int = Field(default=0)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=S_PLANNED, max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    frozen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="member.id")
    attempt: int = Field(default=0)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    outcome_unknown: bool = Field(default=False)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_ref: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)



class Relation(SQLModel, table=True):
    """A first-degree connection of an account, as learnt from the provider (webhook or polling)."""

    __table_args__ = (UniqueConstraint("account_id", "provider_user_id", name="uq_relation_account_user"),)

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="linkedinaccount.id", index=True)
    provider_user_id: str = Field(max_length=128)
    public_identifier: str | None = Field(default=None, max_length=200)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(default="poll", max_length=16)


class ConversationMessage(SQLModel, table=True):
    """A LinkedIn message between an account and a contact, either way (for stop rules and replies)."""

    __table_args__ = (
        UniqueConstraint("account_id", "provider_message_id", name="uq_conversation_message"),
        Index("ix_conversation_account_contact_at", "account_id", "contact_id", "sent_at"),
    )

    id: int = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="linkedinaccount.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    chat_id: str | None = Field(default=None, max_length=128)
    provider_message_id: str = Field(max_length=128)
    is_sender: bool
    sent_at: datetime = Field(sa_type=UTCDateTime)
    sentiment: str | None = Field(default=None, max_length=16)
    by_us: bool = Field(default=False)  # sent by invitebot itself (not a manual "ongoing")


class WebhookEvent(SQLModel, table=True):
    """Every provider webhook received, once: the key makes redeliveries harmless."""

    id: int = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
