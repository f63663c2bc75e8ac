"""Every table of the product, imported once so that `SQLModel.metadata` is complete (Alembic, tests).
The Slack surface's own table is in `bot.slack.models`: the migrations and the tests import it too."""

from sqlmodel import SQLModel

from core.analytics.models import (  # noqa: F401
    CampaignStatsDay,
    CampaignStatsFunnel,
    CampaignStatsMessage,
    CampaignStatsRefresh,
    WeeklySummaryPreference,
)
from core.campaigns.models import Campaign, CampaignMessage, Program  # noqa: F401
from core.delivery.linkedin.sandbox_models import SandboxInvitation, SandboxMessage  # noqa: F401
from core.delivery.models import ConversationMessage, Enrollment, Relation, Send, WebhookEvent  # noqa: F401
from core.links.models import Click, TrackedLink  # noqa: F401
from core.moderation.models import Digest  # noqa: F401
from core.sources.models import Contact, Finder, FinderMember, Segment, SegmentContact  # noqa: F401
from core.workspace.models import ChatIdentity, LinkedInAccount, Member, Workspace  # noqa: F401

metadata = SQLModel.metadata
