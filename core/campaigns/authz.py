"""Who may do what to a campaign (invariants 7 and 8).

What a member reads of a campaign of their workspace:
- its sender, or an active admin of the workspace: everything — the card, the texts and every
  other value of the form (to edit it), the preview rendered for its contacts, its digests;
- another active member: its card only (name, program, status, health and counts, the sender's
  name; the source's name only when they may use that source themselves). Never its texts,
  preview, digests or contacts: those are the sender's work and the contacts' data;
- an inactive member: nothing (`NotAllowed`, naming why);
- anyone of another workspace: nothing, and not even that it exists (`NotFound`).

A chat form's or card's state naming a campaign proves nothing: every read goes through
`core.campaigns.service.get_campaign` (the card) or `campaign_draft` (the texts), which apply
these rules to the acting member.
"""

from __future__ import annotations

from core.campaigns.models import Campaign
from core.errors import NotAllowed, NotFound
from core.i18n import N_, t
from core.workspace.models import Member

INACTIVE = N_("member.inactive")
DOING = {"preview": N_("campaign.only_manager.preview"), "activate": N_("campaign.only_manager.activate"),
         "stop": N_("campaign.only_manager.stop"), "edit": N_("campaign.only_manager.edit")}


def require_active(actor: Member) -> None:
    """An inactive member reads and changes nothing of the workspace."""
    if not actor.active:
        raise NotAllowed(t(INACTIVE))


def can_manage(actor: Member, campaign: Campaign) -> bool:
    """The sender, or an active admin of the same workspace: they edit the campaign, read its
    texts, preview it, moderate it, activate and stop it."""
    if actor.workspace_id != campaign.workspace_id or not actor.active:
        return False
    return actor.id == campaign.sender_id or actor.is_admin


def require_manage(actor: Member, campaign: Campaign, *, doing: str) -> None:
    if actor.workspace_id != campaign.workspace_id:
        # Another workspace's campaign does not exist for this actor.
        raise NotFound(t("campaign.no_such"))
    require_active(actor)
    if not can_manage(actor, campaign):
        raise NotAllowed(t(DOING.get(doing, DOING["edit"]), name=campaign.name))
