"""The analytics queries over rows written as delivery writes them: the funnel, its split by
language and message, the local days, who may read what, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from core.analytics import queries
from core.analytics.commands import (
    CampaignAnalytics,
    ExportContacts,
    SenderAnalytics,
    WorkspaceAnalytics,
)
from core.errors import NotAllowed, NotFound
from tests import factories as f
from tests.integration.analytics.world import ask


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
    results = ask(session, world["other"], CampaignAnalytics(world["campaign"].id))
    assert results.report.total.invited == 5
    assert f"/charts/{world['campaign'].id}/funnel.png?expires=" in results.funnel_chart_url
    assert "sig=" in results.weekly_chart_url


def test_sender_results_are_their_own_or_an_admins(session, world):
    own = ask(session, world["sam"], SenderAnalytics(world["sam"].id))
    assert own.total.invited == 5 and own.by_sender == {world["sam"].id: own.total}
    assert ask(session, world["admin"], SenderAnalytics(world["sam"].id)).total.invited == 5
    with pytest.raises(NotAllowed):
        ask(session, world["other"], SenderAnalytics(world["sam"].id))


def test_workspace_results_are_for_admins_only(session, world):
    report = ask(session, world["admin"], WorkspaceAnalytics())
    assert report.as_of is None and report.total == queries.Counts()  # nothing rolled up yet (test_rollup.py)
    for who in ("sam", "other"):
        with pytest.raises(NotAllowed):
            ask(session, world[who], WorkspaceAnalytics())


def test_another_workspace_sees_nothing(session, world):
    stranger = f.member(session, f.workspace(session), name="Stan", role="admin")
    with pytest.raises(NotFound):
        ask(session, stranger, CampaignAnalytics(world["campaign"].id))
    with pytest.raises(NotFound):
        ask(session, stranger, SenderAnalytics(world["sam"].id))
    with pytest.raises(NotFound):
        ask(session, stranger, ExportContacts(world["campaign"].id))
    assert ask(session, stranger, WorkspaceAnalytics()).total == queries.Counts()


def test_export_is_the_senders_or_an_admins_with_states_dates_and_no_formulas(session, world):
    world["people"][0].company = "=HYPERLINK(\"http://evil\")"
    session.add(world["people"][0])
    session.flush()
    with pytest.raises(NotAllowed):
        ask(session, world["other"], ExportContacts(world["campaign"].id))
    export = ask(session, world["sam"], ExportContacts(world["campaign"].id))
    rows = list(csv.DictReader(io.StringIO(export.csv)))
    assert len(rows) == 5 and export.filename.endswith(".csv")
    first = rows[0]
    assert first["state"] == "replied" and first["reply_sentiment"] == "positive"
    assert first["company"].startswith("'=")
    assert first["accepted_at"] == "2026-11-03T10:00+01:00"  # the campaign's timezone
    assert first["first_click_at"] == "2026-11-05T10:00+01:00"
    assert rows[3]["state"] == "withdrawn" and rows[3]["withdrawn_at"]
    link = ask(session, world["admin"], ExportContacts(world["campaign"].id, as_link=True))
    assert link.csv is None and f"/exports/{world['campaign'].id}/contacts.csv?expires=" in link.url
