"""Who may be invited, as SQL over many campaigns at once (P-18 eligibility, invariant 1).

A candidate is a contact of a campaign's source that has no enrollment in that campaign yet.
It is *ineligible for good* (recorded as a skipped enrollment with its reason) when it is
already connected to the sender's account, was invited by that account before (any campaign),
or was withdrawn by it less than 3 weeks ago. It *waits* (nothing recorded, looked at again the
next day) while it is enrolled in another active campaign of the workspace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Subquery, and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.sql import Select

from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.delivery.models import (
    E_ACCEPTED,
    E_FOLLOWING_UP,
    E_INVITED,
    E_PLANNED,
    E_WELCOMED,
    S_CLAIMED,
    S_PLANNED,
    S_SENT,
    Enrollment,
    Relation,
    Send,
)
from core.sources.models import Contact, Finder, SegmentContact
from core.workspace.models import LinkedInAccount

WITHDRAWN_WAIT = timedelta(days=21)
LIVE_STATES = (E_PLANNED, E_INVITED, E_ACCEPTED, E_WELCOMED, E_FOLLOWING_UP)

REASON_CONNECTED = "already connected to the sender"
REASON_WITHDRAWN = "invitation withdrawn less than 3 weeks ago"
REASON_INVITED = "already invited by this account"


def list_segment_branch(campaign_ids: list[int], kind: str) -> Select:
    """Plain list segments (no criteria): members straight from SegmentContact, many campaigns at once."""
    stmt = select(Campaign.id.label("campaign_id"), Campaign.workspace_id.label("workspace_id"),
                  LinkedInAccount.id.label("account_id"), SegmentContact.contact_id.label("contact_id"))
    stmt = stmt.join(LinkedInAccount, LinkedInAccount.member_id == Campaign.sender_id)
    if kind == "segment":
        stmt = stmt.join(SegmentContact, SegmentContact.segment_id == Campaign.source_id)
    else:
        stmt = stmt.join(Finder, Finder.id == Campaign.source_id).join(
            SegmentContact, SegmentContact.segment_id == Finder.segment_id)
    return stmt.where(Campaign.id.in_(campaign_ids))


def query_branch(campaign_id: int, workspace_id: int, account_id: int, contacts: Select) -> Select:
    """One campaign whose source needs its criteria evaluated (`source_contacts`)."""
    sub = contacts.subquery()
    return select(literal(campaign_id).label("campaign_id"), literal(workspace_id).label("workspace_id"),
                  literal(account_id).label("account_id"), sub.c.id.label("contact_id"))


def _flags(src: Subquery, now: datetime) -> tuple[ColumnElement[bool], ...]:
    other = Enrollment.__table__.alias("other_e")
    other_c = Campaign.__table__.alias("other_c")
    connected = exists().where(Relation.account_id == src.c.account_id, Relation.contact_id == src.c.contact_id)
    invited = or_(
        exists().where(Send.account_id == src.c.account_id, Send.contact_id == src.c.contact_id,
                       Send.step == STEP_INVITATION, Send.status.in_((S_PLANNED, S_CLAIMED, S_SENT))),
        exists().where(other.c.account_id == src.c.account_id, other.c.contact_id == src.c.contact_id,
                       other.c.invited_at.is_not(None)),
    )
    withdrawn = exists().where(other.c.account_id == src.c.account_id, other.c.contact_id == src.c.contact_id,
                               other.c.withdrawn_at > now - WITHDRAWN_WAIT)
    busy = exists().where(other.c.contact_id == src.c.contact_id, other.c.campaign_id != src.c.campaign_id,
                          other.c.state.in_(LIVE_STATES), other_c.c.id == other.c.campaign_id,
                          other_c.c.status == STATUS_ACTIVE)
    new = ~exists().where(Enrollment.campaign_id == src.c.campaign_id, Enrollment.contact_id == src.c.contact_id)
    return connected, invited, withdrawn, busy, new


def _source(branches: list[Select]) -> Subquery:
    return (branches[0] if len(branches) == 1 else union_all(*branches)).subquery("src")


def ineligible_rows(branches: list[Select], now: datetime) -> Select:
    """(workspace, campaign, contact, account, reason) of new candidates ineligible for good."""
    src = _source(branches)
    connected, invited, withdrawn, _busy, new = _flags(src, now)
    reason = case((connected, literal(REASON_CONNECTED)), (withdrawn, literal(REASON_WITHDRAWN)),
                  else_=literal(REASON_INVITED))
    return (
        select(src.c.workspace_id, src.c.campaign_id, src.c.contact_id, src.c.account_id, reason.label("reason"))
        .join(Contact, and_(Contact.id == src.c.contact_id, Contact.workspace_id == src.c.workspace_id))
        .where(new, or_(connected, invited, withdrawn))
    )


def eligible_rows(branches: list[Select], now: datetime, *, per_campaign: int) -> Select:
    """Eligible new candidates, at most `per_campaign` per campaign, ranked in source order,
    with the contact's fields for rendering."""
    src = _source(branches)
    connected, invited, withdrawn, busy, new = _flags(src, now)
    rn = func.row_number().over(partition_by=src.c.campaign_id, order_by=src.c.contact_id).label("rn")
    ranked = (
        select(src.c.campaign_id, src.c.account_id, src.c.workspace_id, Contact.id.label("contact_id"),
               Contact.first_name, Contact.last_name, Contact.company, Contact.job_title, Contact.headline,
               Contact.location, Contact.language, Contact.custom_fields, rn)
        .join(Contact, and_(Contact.id == src.c.contact_id, Contact.workspace_id == src.c.workspace_id))
        .where(new, ~connected, ~invited, ~withdrawn, ~busy)
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rn <= per_campaign).order_by(ranked.c.rn, ranked.c.campaign_id)
