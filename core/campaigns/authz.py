"""Who may do what to a campaign (invariants 7 and 8)."""

from __future__ import annotations

from core.campaigns.models import Campaign
from core.errors import NotAllowed, NotFound
from core.workspace.models import Member


def can_manage(actor: Member, campaign: Campaign) -> bool:
    """The sender, or an active admin of the same workspace."""
    if actor.workspace_id != campaign.workspace_id or not actor.active:
        return False
    return actor.id == campaign.sender_id or actor.is_admin


def require_manage(actor: Member, campaign: Campaign, *, doing: str) -> None:
    if actor.workspace_id != campaign.workspace_id:
        # Another workspace's campaign does not exist for this actor.
        raise NotFound("No such campaign in your workspace.")
    if not actor.active:
        raise NotAllowed("Your membership of this workspace is inactive; ask an admin to reactivate it.")
    if not can_manage(actor, campaign):
        raise NotAllowed(f"Only the campaign's sender or a workspace admin can {doing} “{campaign.name}”.")
