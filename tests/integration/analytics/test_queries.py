"""The analytics queries over rows written as delivery writes them: the funnel, its split by
language and message, the local days, who may read what, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from core.analytics import queries
from core.analytics.commands import (
    CampaignAnalytics,
    ExportContacts,
    SenderAnalytics,
    WorkspaceAnalytics,
)
from core.commands import Context, handle
from core.config import Settings
from core.delivery.models import Enrollment, Send
from core.errors import NotAllowed, NotFound
from core.links.models import Click, TrackedLink
from tests import factories as f

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def _enroll(session, campaign, account, contact, *, language="en", state="invited", invited=T0, accepted=None,
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


@pytest.fixture
def world(session):
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
    ea = _enroll(session, campaign, account, a, state="replied", accepted=T0 + timedelta(days=1),
                 welcomed=T0 + timedelta(days=2), replied=T0 + timedelta(days=3), sentiment="positive")
    # b: accepted, replied (neutral) before any welcome: answers the invitation
    _enroll(session, campaign, account, b, language="fr", state="replied", accepted=T0 + timedelta(days=1),
            replied=T0 + timedelta(days=1, hours=2), sentiment="neutral")
    # c: pending; d: withdrawn; e: invited 23:30 UTC, the next local day in Paris
    _enroll(session, campaign, account, c)
    _enroll(session, campaign, account, d, state="withdrawn", withdrawn=T0 + timedelta(days=21))
    _enroll(session, campaign, account, e, invited=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
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


def _ask(session, actor, command):
    return handle(command, session=session, actor=actor,
                  context=Context(now=T0 + timedelta(days=30), settings=Settings(_env_file=None)))


def test_funnel_counts_each_stage_once_and_rates_are_shares_of_invited(session, world):
    scope = queries.Scope(world["ws"].id, campaign_id=world["campaign"].id)
    total = queries.funnel(session, scope)
    assert total == queries.Counts(invited=5, accepted=2, welcomed=1, replied=2, positive=1, clicked=1, pending=2,
                                   withdrawn=1)
    assert total.acceptance == pytest.approx(0.4)
    assert total.rate(queries.Stage.CLICKED) == pytest.approx(0.2)
    assert total.reply_rate == pytest.approx(1.0)


def test_split_by_language_and_by_message(session, world):
    result = queries.report(session, queries.Scope(world["ws"].id, campaign_id=world["campaign"].id),
                            timezone="Europe/Paris")
    assert result.by_language["fr"] == queries.Counts(invited=1, accepted=1, replied=1)
    assert result.by_language["en"].invited == 4
    by = {(m.step, m.language): m for m in result.by_message}
    assert by[("invitation", "en")].sent == 4 and by[("invitation", "en")].replied == 0
    assert by[("invitation", "fr")].replied == 1  # b answered the invitation
    assert by[("welcome", "en")] == queries.MessageStats("welcome", 0, "en", sent=1, replied=1, positive=1,
                                                         clicked=1)
    assert [m.step for m in result.by_message][:2] == ["invitation", "invitation"]


def test_days_are_local_days_without_gaps_and_weeks_start_on_monday(session, world):
    result = queries.report(session, queries.Scope(world["ws"].id, campaign_id=world["campaign"].id),
                            timezone="Europe/Paris")
    days = {p.start: p.counts for p in result.days}
    assert days[date(2026, 11, 2)].invited == 4
    assert days[date(2026, 11, 3)].invited == 1  # 23:30 UTC is 00:30 in Paris
    assert days[date(2026, 11, 3)].accepted == 2 and days[date(2026, 11, 5)].clicked == 1
    assert days[date(2026, 11, 23)].withdrawn == 1
    assert len(result.days) == 22  # every day from the 2nd to the 23rd, the empty ones too
    weeks = result.weeks
    assert [w.start.weekday() for w in weeks] == [0] * len(weeks)
    assert sum((w.counts for w in weeks), queries.Counts()).invited == 5


def test_days_in_utc_put_the_late_invitation_on_its_utc_day(session, world):
    days = {p.start: p.counts for p in queries.days(
        session, queries.Scope(world["ws"].id, campaign_id=world["campaign"].id), timezone="UTC")}
    assert days[date(2026, 11, 2)].invited == 5


def test_campaign_results_for_any_member_with_signed_chart_urls(session, world):
    results = _ask(session, world["other"], CampaignAnalytics(world["campaign"].id))
    assert results.report.total.invited == 5
    assert f"/charts/{world['campaign'].id}/funnel.png?expires=" in results.funnel_chart_url
    assert "sig=" in results.weekly_chart_url


def test_sender_results_are_their_own_or_an_admins(session, world):
    own = _ask(session, world["sam"], SenderAnalytics(world["sam"].id))
    assert own.total.invited == 5 and own.by_sender == {world["sam"].id: own.total}
    assert _ask(session, world["admin"], SenderAnalytics(world["sam"].id)).total.invited == 5
    with pytest.raises(NotAllowed):
        _ask(session, world["other"], SenderAnalytics(world["sam"].id))


def test_workspace_results_are_for_admins_only(session, world):
    report = _ask(session, world["admin"], WorkspaceAnalytics())
    assert report.as_of is None and report.total == queries.Counts()  # nothing rolled up yet (test_rollup.py)
    for who in ("sam", "other"):
        with pytest.raises(NotAllowed):
            _ask(session, world[who], WorkspaceAnalytics())


def test_another_workspace_sees_nothing(session, world):
    stranger = f.member(session, f.workspace(session), name="Stan", role="admin")
    with pytest.raises(NotFound):
        _ask(session, stranger, CampaignAnalytics(world["campaign"].id))
    with pytest.raises(NotFound):
        _ask(session, stranger, SenderAnalytics(world["sam"].id))
    with pytest.raises(NotFound):
        _ask(session, stranger, ExportContacts(world["campaign"].id))
    assert _ask(session, stranger, WorkspaceAnalytics()).total == queries.Counts()


def test_export_is_the_senders_or_an_admins_with_states_dates_and_no_formulas(session, world):
    world["people"][0].company = "=HYPERLINK(\"http://evil\")"
    session.add(world["people"][0])
    session.flush()
    with pytest.raises(NotAllowed):
        _ask(session, world["other"], ExportContacts(world["campaign"].id))
    export = _ask(session, world["sam"], ExportContacts(world["campaign"].id))
    rows = list(csv.DictReader(io.StringIO(export.csv)))
    assert len(rows) == 5 and export.filename.endswith(".csv")
    first = rows[0]
    assert first["state"] == "replied" and first["reply_sentiment"] == "positive"
    assert first["company"].startswith("'=")
    assert first["accepted_at"] == "2026-11-03T10:00+01:00"  # the campaign's timezone
    assert first["first_click_at"] == "2026-11-05T10:00+01:00"
    assert rows[3]["state"] == "withdrawn" and rows[3]["withdrawn_at"]
    link = _ask(session, world["admin"], ExportContacts(world["campaign"].id, as_link=True))
    assert link.csv is None and f"/exports/{world['campaign'].id}/contacts.csv?expires=" in link.url
