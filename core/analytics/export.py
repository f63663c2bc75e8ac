"""A campaign's contacts with their states and dates, as CSV (from chat and from the CLI).

One statement joined on the campaign's enrollments (`uq_enrollment_campaign_contact`), read in
batches; dates are written in the campaign's timezone, ISO 8601 with their offset. A cell that
a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return) is written with a
leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session

from core.analytics.queries import zone
from core.campaigns.models import Campaign
from core.delivery.models import Enrollment
from core.links.models import Click
from core.sources.models import Contact

COLUMNS = ("first_name", "last_name", "profile_url", "company", "job_title", "language", "state", "reason",
           "invited_at", "accepted_at", "welcomed_at", "last_message_at", "replied_at", "reply_sentiment",
           "first_click_at", "withdrawn_at")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def _cell(value: object, tz_name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone(tz_name)).isoformat(timespec="minutes")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def contact_rows(session: Session, campaign: Campaign) -> Iterator[list[str]]:
    """The header, then one row per contact of the campaign (in the order they were enrolled)."""
    e, c = Enrollment, Contact
    first_click = (select(Click.contact_id, func.min(Click.clicked_at).label("at"))
                   .where(Click.campaign_id == campaign.id).group_by(Click.contact_id).subquery())
    stmt = (select(c.first_name, c.last_name, c.profile_url, c.company, c.job_title, e.language, e.state, e.reason,
                   e.invited_at, e.accepted_at, e.welcomed_at, e.last_step_at, e.replied_at, e.reply_sentiment,
                   first_click.c.at, e.withdrawn_at)
            .join(c, c.id == e.contact_id)
            .outerjoin(first_click, and_(first_click.c.contact_id == e.contact_id))
            .where(e.campaign_id == campaign.id).order_by(e.id)
            .execution_options(yield_per=BATCH))
    yield list(COLUMNS)
    for row in session.execute(stmt):
        yield [_cell(v, campaign.timezone) for v in row]


def contacts_csv(session: Session, campaign: Campaign) -> str:
    """The whole CSV as text (RFC 4180 line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in contact_rows(session, campaign):
        writer.writerow(row)
    return out.getvalue()


def export_filename(campaign: Campaign, now: datetime) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in campaign.name_key or str(campaign.id))
    return f"{safe.strip('-') or 'campaign'}-contacts-{now:%Y-%m-%d}.csv"
