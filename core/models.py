"""Every table of invitebot, imported once so that `SQLModel.metadata` is complete (Alembic, tests)."""

from core.campaigns.models import Campaign, CampaignMessage, Program  # noqa: F401
from core.delivery.models import (  # noqa: F401
    Click,
    ConversationMessage,
    Digest,
    Enrollment,
    Relation,
    SandboxInvitation,
    SandboxMessage,
    Send,
    SlackInstallation,
    TrackedLink,
    WebhookEvent,
)
from core.sources.models import Contact, Finder, FinderMember, Segment, SegmentContact  # noqa: F401
from core.workspace.models import ChatIdentity, LinkedInAccount, Member, Workspace  # noqa: F401
from sqlmodel import SQLModel

metadata = SQLModel.metadata
