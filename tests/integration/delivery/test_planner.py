"""Planning (P-17…P-20): slots and cohorts, caps shared by an account's campaigns, spacing,
eligibility with reasons, the language rule, and once-only planning of a day."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from core.campaigns.models import STATUS_STOPPED, CampaignMessage
from core.delivery.models import E_INVITED, E_SKIPPED, S_PLANNED, S_SENT, Enrollment, Relation, Send
from core.moderation.models import Digest
from core.delivery.planner import plan_due
from tests import factories as f

# Thursday 26 November 2026, 18:00 UTC: tomorrow is Friday the 27th.
EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
FRIDAY = EVENING.date() + timedelta(days=1)


def sends_of(session, campaign_id=None):
    stmt = select(Send).order_by(Send.due_at)
    if campaign_id is not None:
        stmt = stmt.where(Send.campaign_id == campaign_id)
    return list(session.exec(stmt))


def test_slots_take_a_cohort_each_spread_and_spaced(session, settings):
    ws = f.workspace(session)
    m, acct = f.sender(session, ws)
    seg = f.segment(session, ws, f.contacts(session, ws, 20))
    slots = [{"weekday": 4, "start": "09:00", "end": "10:00"}, {"weekday": 4, "start": "14:00", "end": "16:00"}]
    camp = f.campaign(session, ws, m, seg, slots=slots, cohort=4)

    report = plan_due(session=session, now=EVENING, settings=settings)

    sends = sends_of(session)
    assert report.planned == 8 and len(sends) == 8
    assert Counter(s.slot_index for s in sends) == {0: 4, 1: 4}
    for s in sends:
        assert s.local_date == FRIDAY and s.status == S_PLANNED and s.text.startswith("Hello Ann")
        start, end = (9, 10) if s.slot_index == 0 else (14, 16)
        assert datetime(2026, 11, 27, start, tzinfo=timezone.utc) <= s.due_at < datetime(2026, 11, 27, end, tzinfo=timezone.utc)
    gaps = [(b.due_at - a.due_at).total_seconds() for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= settings.min_spacing_seconds
    # Spread over the slot, not bunched at its start.
    first_slot = [s.due_at for s in sends if s.slot_index == 0]
    assert max(first_slot) - min(first_slot) > timedelta(minutes=20)
    assert session.exec(select(Digest).where(Digest.campaign_id == camp.id)).one().for_date == FRIDAY


def test_a_day_is_planned_once(session, settings):
    ws = f.workspace(session)
    m, _ = f.sender(session, ws)
    f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 30)), cohort=5)
    plan_due(session=session, now=EVENING, settings=settings)
    again = plan_due(session=session, now=EVENING + timedelta(hours=1), settings=settings)
    assert again.planned == 0
    assert len(sends_of(session)) == 5


def test_before_the_digest_hour_nothing_is_planned(session, settings):
    ws = f.workspace(session, digest_hour=18)
    m, _ = f.sender(session, ws)
    f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 5)), tz="Europe/Paris")
    # 18:00 UTC is 19:00 in Paris: due. 16:30 UTC is 17:30 in Paris: not yet.
    assert plan_due(session=session, now=EVENING - timedelta(hours=1, minutes=30), settings=settings).planned == 0
    assert plan_due(session=session, now=EVENING, settings=settings).planned == 5


def test_a_short_slot_takes_only_what_fits_at_the_minimum_spacing(session, settings):
    """P-19: a 09:00-09:15 slot with a cohort of 25 holds 15 sends at 60 s apart; none is due
    after the slot's end; the others wait for the next day."""
    ws = f.workspace(session)
    m, _ = f.sender(session, ws, daily=50, weekly=200)
    seg = f.segment(session, ws, f.contacts(session, ws, 40))
    f.campaign(session, ws, m, seg, slots=[{"weekday": 4, "start": "09:00", "end": "09:15"}], cohort=25)

    report = plan_due(session=session, now=EVENING, settings=settings)

    sends = sends_of(session)
    start, end = datetime(2026, 11, 27, 9, tzinfo=timezone.utc), datetime(2026, 11, 27, 9, 15, tzinfo=timezone.utc)
    assert report.planned == len(sends) == 15
    assert all(start <= s.due_at < end and s.local_date == FRIDAY for s in sends), [s.due_at for s in sends]
    gaps = [(b.due_at - a.due_at).total_seconds() for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= settings.min_spacing_seconds


def test_two_campaigns_sharing_a_short_slot_move_the_overflow_to_a_later_slot(session, settings):
    """One account, two campaigns in the same 09:00-09:15 hours: what its spacing cannot fit goes
    to the campaign's next slot (the afternoon), saying why; nothing is due outside its slot."""
    ws = f.workspace(session)
    m, _ = f.sender(session, ws, daily=50, weekly=200)
    slots = [{"weekday": 4, "start": "09:00", "end": "09:15"}, {"weekday": 4, "start": "14:00", "end": "15:00"}]
    for prefix in ("a", "b"):
        f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 10, prefix=prefix)), slots=slots,
                   cohort=10)

    plan_due(session=session, now=EVENING, settings=settings)

    sends = sends_of(session)
    windows = {0: (datetime(2026, 11, 27, 9, tzinfo=timezone.utc), datetime(2026, 11, 27, 9, 15, tzinfo=timezone.utc)),
               1: (datetime(2026, 11, 27, 14, tzinfo=timezone.utc), datetime(2026, 11, 27, 15, tzinfo=timezone.utc))}
    assert len(sends) == 20
    for s in sends:
        start, end = windows[s.slot_index]
        assert start <= s.due_at < end, (s.slot_index, s.due_at)
    morning = [s for s in sends if s.slot_index == 0]
    assert len(morning) <= 15
    moved = [s for s in sends if s.reason]
    assert moved and all(s.slot_index == 1 and "minimum spacing" in s.reason for s in moved)
    gaps = [(b.due_at - a.due_at).total_seconds() for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= settings.min_spacing_seconds


def test_two_campaigns_of_one_sender_share_the_daily_cap(session, settings):
    ws = f.workspace(session)
    m, acct = f.sender(session, ws, daily=7)
    a = f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 20)), cohort=10)
    b = f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 20)), cohort=10)

    plan_due(session=session, now=EVENING, settings=settings)

    per_campaign = Counter(s.campaign_id for s in sends_of(session))
    assert sum(per_campaign.values()) == 7
    assert abs(per_campaign[a.id] - per_campaign[b.id]) <= 1  # fair turns
    spaced = sends_of(session)
    assert all((y.due_at - x.due_at).total_seconds() >= settings.min_spacing_seconds for x, y in zip(spaced, spaced[1:]))


def test_weekly_cap_counts_the_past_six_days(session, settings):
    ws = f.workspace(session)
    m, acct = f.sender(session, ws, weekly=12)
    people = f.contacts(session, ws, 30)
    old = f.campaign(session, ws, m, f.segment(session, ws, people[:10]), status=STATUS_STOPPED)
    for i, c in enumerate(people[:10]):
        e = Enrollment(workspace_id=ws.id, campaign_id=old.id, contact_id=c.id, account_id=acct.id, state=E_INVITED,
                       invited_at=EVENING - timedelta(days=2))
        session.add(e)
        session.flush()
        session.add(Send(workspace_id=ws.id, campaign_id=old.id, enrollment_id=e.id, account_id=acct.id, contact_id=c.id,
                         step="invitation", language="en", local_date=FRIDAY - timedelta(days=3), due_at=EVENING,
                         status=S_SENT, sent_at=EVENING - timedelta(days=2)))
    session.flush()
    f.campaign(session, ws, m, f.segment(session, ws, people[10:]), cohort=10)
    report = plan_due(session=session, now=EVENING, settings=settings)
    assert report.planned == 2


def test_eligibility_skips_with_reasons_and_waits_for_busy_contacts(session, settings):
    ws = f.workspace(session)
    m, acct = f.sender(session, ws)
    other_m, other_acct = f.sender(session, ws, name="Olga Other")
    connected, invited, withdrawn, busy, no_name, fine = f.contacts(session, ws, 6)
    no_name.first_name = None
    session.add(no_name)
    session.add(Relation(account_id=acct.id, provider_user_id="p-1", contact_id=connected.id))
    elsewhere = f.campaign(session, ws, other_m, f.segment(session, ws, [busy]))
    session.add(Enrollment(workspace_id=ws.id, campaign_id=elsewhere.id, contact_id=busy.id, account_id=other_acct.id,
                           state=E_INVITED))
    past = f.campaign(session, ws, m, f.segment(session, ws, [invited, withdrawn]), status=STATUS_STOPPED)
    session.add(Enrollment(workspace_id=ws.id, campaign_id=past.id, contact_id=invited.id, account_id=acct.id,
                           state="done", invited_at=EVENING - timedelta(days=90)))
    session.add(Enrollment(workspace_id=ws.id, campaign_id=past.id, contact_id=withdrawn.id, account_id=acct.id,
                           state="withdrawn", invited_at=EVENING - timedelta(days=30), withdrawn_at=EVENING - timedelta(days=5)))
    session.flush()
    camp = f.campaign(session, ws, m, f.segment(session, ws, [connected, invited, withdrawn, busy, no_name, fine]))

    report = plan_due(session=session, now=EVENING, settings=settings)

    assert [s.contact_id for s in sends_of(session, camp.id)] == [fine.id]
    reasons = {e.contact_id: e.reason for e in session.exec(select(Enrollment).where(
        Enrollment.campaign_id == camp.id, Enrollment.state == E_SKIPPED))}
    assert reasons == {
        connected.id: "already connected to the sender",
        invited.id: "already invited by this account",
        withdrawn.id: "invitation withdrawn less than 3 weeks ago",
        no_name.id: "missing firstName (no fallback)",
    }
    assert report.planned == 1
    # The busy contact is not skipped for good: it waits for its other campaign.
    assert session.exec(select(Enrollment).where(Enrollment.campaign_id == camp.id,
                                                 Enrollment.contact_id == busy.id)).first() is None


def test_too_long_for_a_free_account_is_skipped(session, settings):
    ws = f.workspace(session)
    m, _ = f.sender(session, ws, kind="free")
    short, long_ = f.contacts(session, ws, 2)
    text = "x" * 180 + " {{firstName}}"
    camp = f.campaign(session, ws, m, f.segment(session, ws, [short, long_]), invitation={"en": text})
    long_.first_name = "Maximiliana-Konstantina"  # a later import gave a name the saved text has no room for
    session.add(long_)
    plan_due(session=session, now=EVENING, settings=settings)
    assert [s.contact_id for s in sends_of(session, camp.id)] == [short.id]
    skipped = session.exec(select(Enrollment).where(Enrollment.contact_id == long_.id)).one()
    assert skipped.reason == "too long: 204/200 characters"


def test_language_is_the_contacts_when_the_campaign_has_it(session, settings):
    ws = f.workspace(session)
    m, _ = f.sender(session, ws)
    fr = f.contacts(session, ws, 1, language="fr")
    de = f.contacts(session, ws, 1, language="de")
    unknown = f.contacts(session, ws, 1, language=None)
    camp = f.campaign(session, ws, m, f.segment(session, ws, fr + de + unknown), languages=("en", "fr"),
                      default_language="en", invitation={"en": "Hi {{firstName}}", "fr": "Bonjour {{firstName}}"})
    plan_due(session=session, now=EVENING, settings=settings)
    by_contact = {s.contact_id: (s.language, s.text.split()[0]) for s in sends_of(session, camp.id)}
    assert by_contact == {fr[0].id: ("fr", "Bonjour"), de[0].id: ("en", "Hi"), unknown[0].id: ("en", "Hi")}


def test_a_contact_in_two_campaigns_goes_to_one(session, settings):
    ws = f.workspace(session)
    m1, _ = f.sender(session, ws)
    m2, _ = f.sender(session, ws, name="Bo Other")
    shared = f.contacts(session, ws, 3)
    a = f.campaign(session, ws, m1, f.segment(session, ws, shared))
    b = f.campaign(session, ws, m2, f.segment(session, ws, shared))
    plan_due(session=session, now=EVENING, settings=settings)
    per_contact = Counter(s.contact_id for s in sends_of(session))
    assert set(per_contact.values()) == {1} and len(per_contact) == 3
    assert {s.campaign_id for s in sends_of(session)} <= {a.id, b.id}


def test_moderated_days_are_frozen_and_listed_for_digest(session, settings):
    ws = f.workspace(session)
    m, _ = f.sender(session, ws)
    camp = f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 3)), moderation=True)
    report = plan_due(session=session, now=EVENING, settings=settings)
    digest = session.exec(select(Digest).where(Digest.campaign_id == camp.id)).one()
    assert report.digests == [digest.id]
    assert all(s.frozen_at == EVENING for s in sends_of(session, camp.id))


def test_render_failures_free_places_for_the_next_candidates(session, settings):
    ws = f.workspace(session)
    m, _ = f.sender(session, ws)
    nameless = f.contacts(session, ws, 8, first_name=None)
    named = f.contacts(session, ws, 5)
    camp = f.campaign(session, ws, m, f.segment(session, ws, nameless + named), cohort=4,
                      slots=[{"weekday": 4, "start": "09:00", "end": "12:00"}])
    plan_due(session=session, now=EVENING, settings=settings)
    assert len(sends_of(session, camp.id)) == 4
    assert {s.contact_id for s in sends_of(session, camp.id)} <= {c.id for c in named}


def test_no_planning_for_a_disconnected_account(session, settings):
    ws = f.workspace(session)
    m, acct = f.sender(session, ws)
    f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 3)))
    acct.status = "invalid"  # disconnected after the campaign started
    session.add(acct)
    assert plan_due(session=session, now=EVENING, settings=settings).planned == 0


def test_messages_from_the_template_table(session, settings):
    # A campaign whose invitation exists only in its default language still plans everyone.
    ws = f.workspace(session)
    m, _ = f.sender(session, ws)
    camp = f.campaign(session, ws, m, f.segment(session, ws, f.contacts(session, ws, 2, language="es")))
    assert session.exec(select(CampaignMessage).where(CampaignMessage.campaign_id == camp.id)).one().language == "en"
    assert plan_due(session=session, now=EVENING, settings=settings).planned == 2
