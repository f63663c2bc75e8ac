"""The weekly summary: on Monday morning in the workspace's timezone, once, to the members who send
campaigns and to admins; off when a member says so; with last week's figures and what needs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.analytics import weekly
from core.analytics.commands import WeeklySummaryNow, WeeklySummarySetting
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.notify import LoggingNotifier
from tests.integration.analytics.world import ask

MONDAY_MORNING = datetime(2026, 11, 9, 7, 30, tzinfo=UTC)  # 08:30 in Paris


def _send(db, when):
    notifier = LoggingNotifier()
    sent = weekly.send_due(uow=UnitOfWork(db), clock=FrozenClock(when), notifier=notifier)
    return sent, notifier.sent_alerts


def test_the_sender_and_the_admin_get_it_once_on_monday_morning(db, session, world):
    session.commit()
    sent, alerts = _send(db, MONDAY_MORNING)
    by_member = {a.member_id: a for a in alerts}
    assert sent == 2 and set(by_member) == {world["sam"].id, world["admin"].id}  # Olga sends nothing
    sam = by_member[world["sam"].id]
    assert sam.kind == "weekly_summary" and sam.title == "Your week on LinkedIn: Nov 2\u2009–\u20098"
    assert "5 invited (+5 on the week before), 2 accepted, 2 replied (1 positively), 1 clicked" in sam.text
    assert sam.language == "en" and "2 invitations pending." in sam.text
    assert "Workspace:" not in sam.text
    # Again the same morning (another hourly run, another worker): nothing more.
    assert _send(db, MONDAY_MORNING + timedelta(hours=1)) == (0, [])
    # Not on Sunday evening, nor on Monday afternoon.
    assert _send(db, MONDAY_MORNING - timedelta(hours=12))[0] == 0
    assert _send(db, MONDAY_MORNING + timedelta(days=7, hours=5))[0] == 0
    # The next Monday morning, again.
    assert _send(db, MONDAY_MORNING + timedelta(days=7))[0] == 2


def test_a_member_who_turned_it_off_gets_none(db, session, world):
    assert ask(session, world["sam"], WeeklySummarySetting(enabled=False)) is False
    session.commit()
    sent, alerts = _send(db, MONDAY_MORNING)
    assert [a.member_id for a in alerts] == [world["admin"].id]
    ask(session, world["sam"], WeeklySummarySetting(enabled=True))
    session.commit()
    assert [a.member_id for a in _send(db, MONDAY_MORNING)[1]] == [world["sam"].id]


def test_summary_now_and_what_needs_the_sender(session, world):
    summary = ask(session, world["sam"], WeeklySummaryNow())  # a month later: a quiet week
    assert summary is not None and "Your campaigns sent nothing last week." in summary.text
    assert "needs you" in summary.text.lower()
    assert ask(session, world["other"], WeeklySummaryNow()) is None


def test_each_member_gets_it_in_their_language(db, session, world):
    sam = world["sam"]
    sam.language = "fr"  # Sam chose French (`langue fr`); the admin speaks the workspace's English
    session.add(sam)
    session.commit()
    _, alerts = _send(db, MONDAY_MORNING)
    by_member = {a.member_id: a for a in alerts}
    french, english = by_member[sam.id], by_member[world["admin"].id]
    assert french.language == "fr" and french.title == "Votre semaine sur LinkedIn\u00a0: 2–8 nov."
    assert ("Vos campagnes\u00a0: 5 invitations (+5 par rapport à la semaine précédente), 2 acceptées, "
            "2 réponses (dont 1 positive), 1 clic sur un lien. 2 invitations en attente.") in french.text
    assert "voir NOM" in french.action_hint and "résumé off" in french.action_hint
    assert english.language == "en" and english.title.startswith("Your week on LinkedIn")
