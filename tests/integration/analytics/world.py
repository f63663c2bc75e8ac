"""The analytics tests' world: a workspace in Paris with an admin, a sender and another member, and
a campaign whose five contacts reached different stages (rows written as delivery writes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core.commands import Context, handle
from core.config import Settings
from core.delivery.models import Enrollment, Send
from core.links.models import Click, TrackedLink
from tests import factories as f

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def enroll(session, campaign, account, contact, *, language="en", state="invited", invited=T0, accepted=None,
            welcomed=None, replied=None, sentiment=None, withdrawn=None):
    e = Enrollment(workspace_id=campaign.workspace_id, campaign_id=campaign.id, contact_id=contact.id,
                   account_id=account.id, state=state, language=language, invited_at=invited, accepted_at=accepted,
                   welcomed_at=welcomed, replied_at=replied, reply_sentiment=sentiment, withdrawn_at=withdrawn)
    session.add(e)
    session.flush()
    sends = [("invitation", 0, invited)]
    if welcomed:
        sends.append(("welcome", 0, welcomed))
    for step, position, at in sends:
        session.add(Send(workspace_id=campaign.workspace_id, campaign_id=campaign.id, enrollment_id=e.id,
                         account_id=account.id, contact_id=contact.id, step=step, position=position,
                         language=language, local_date=at.date(), due_at=at, status="sent", sent_at=at))
    session.flush()
    return e


def build_world(session):
    ws = f.workspace(session, timezone="Europe/Paris")
    admin = f.member(session, ws, name="Ada Admin", role="admin")
    sam, account = f.sender(session, ws)
    other = f.member(session, ws, name="Olga Other")
    people = f.contacts(session, ws, 5)
    seg = f.segment(session, ws, people, owner=sam)
    campaign = f.campaign(session, ws, sam, seg, tz="Europe/Paris", languages=("en", "fr"),
                          welcome={"en": "Thanks {{firstName}}", "fr": "Merci {{firstName}}"})
    a, b, c, d, e = people
    # a: accepted, welcomed, replied positively to the welcome, clicked the welcome's link
    ea = enroll(session, campaign, account, a, state="replied", accepted=T0 + timedelta(days=1),
                 welcomed=T0 + timedelta(days=2), replied=T0 + timedelta(days=3), sentiment="positive")
    # b: accepted, replied (neutral) before any welcome: answers the invitation
    enroll(session, campaign, account, b, language="fr", state="replied", accepted=T0 + timedelta(days=1),
            replied=T0 + timedelta(days=1, hours=2), sentiment="neutral")
    # c: pending; d: withdrawn; e: invited 23:30 UTC, the next local day in Paris
    enroll(session, campaign, account, c)
    enroll(session, campaign, account, d, state="withdrawn", withdrawn=T0 + timedelta(days=21))
    enroll(session, campaign, account, e, invited=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    welcome = session.exec(
        select(Send).where(Send.enrollment_id == ea.id, Send.step == "welcome")).one()
    link = TrackedLink(token="tok1", send_id=welcome.id, campaign_id=campaign.id, contact_id=a.id,
                       url="https://example.com")
    session.add(link)
    session.flush()
    for minutes in (0, 5):  # two clicks, one contact
        session.add(Click(link_id=link.id, campaign_id=campaign.id, contact_id=a.id,
                          clicked_at=T0 + timedelta(days=3, minutes=minutes)))
    session.flush()
    return dict(ws=ws, admin=admin, sam=sam, other=other, campaign=campaign, people=people)


def ask(session, actor, command):
    return handle(command, session=session, actor=actor,
                  context=Context(now=T0 + timedelta(days=30), settings=Settings(_env_file=None)))
