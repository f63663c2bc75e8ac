"""Getting a digest to its moderator (`core.moderation.digests`) on the real database: an attempt under
way or a crashed one, a sender no platform knows, an empty day, the hold of a moderated campaign's
invitations at the claim (and none for an unmoderated one), and the release after a delivery."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import claims, jobs
from core.moderation.digests import (
    DELIVERED, EMPTY, GRACE, LEASE, NOT_DUE, UNREACHABLE, deliver_digest, retry_after, show_digest,
)
from core.delivery.models import Send
from core.moderation.models import Digest
from core.notify import FanoutNotifier, LoggingNotifier
from core.delivery.planner import plan_due
from tests import factories as f
from tests.fakes import ChatPlatform

EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)  # the campaign's slot: 09:00-11:00 UTC


def moderated_day(db, settings, *, contacts: int = 3, moderation: bool = True) -> int:
    """A campaign's tomorrow planned at the digest hour; its digest's id."""
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        sender, _ = f.sender(s, ws)
        f.campaign(s, ws, sender, f.segment(s, ws, f.contacts(s, ws, contacts)), moderation=moderation)
        plan_due(session=s, now=EVENING, settings=settings)
        return s.exec(select(Digest.id)).one()


def digest(db, digest_id: int) -> Digest:
    with Session(db) as s:
        return s.get(Digest, digest_id)


def planned(db) -> list[Send]:
    with Session(db) as s:
        return list(s.exec(select(Send).order_by(Send.due_at)).all())


def claim(db, settings, send: Send, now: datetime):
    with UnitOfWork(db)() as s:
        return claims.claim_send(session=s, send_id=send.id, worker="w", now=now, settings=settings)


def test_a_duplicate_attempt_while_one_is_posting_finds_nothing_to_do(db, settings):
    digest_id = moderated_day(db, settings)
    clock = FrozenClock(EVENING)
    inner: list[str] = []

    class Posting(LoggingNotifier):
        def send_digest(self, view, posted=None):
            # A duplicated broker message handled while this attempt posts (another worker)
            inner.append(deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=LoggingNotifier(), clock=clock))
            return super().send_digest(view, posted)

    notifier = Posting()
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=clock) == DELIVERED
    assert inner == [NOT_DUE] and len(notifier.sent_digests) == 1
    assert digest(db, digest_id).attempts == 1


def test_an_attempt_that_crashed_is_tried_again_once_its_lease_ran_out(db, settings):
    digest_id = moderated_day(db, settings)
    crashing = ChatPlatform(RuntimeError("the worker died mid-post"))
    with pytest.raises(RuntimeError):
        deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=crashing, clock=FrozenClock(EVENING))
    assert digest(db, digest_id).delivered_at is None
    with Session(db) as s:
        assert jobs.undelivered_digests(session=s, now=EVENING + LEASE - timedelta(seconds=1)) == []
        assert jobs.undelivered_digests(session=s, now=EVENING + LEASE) == [digest_id]
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=LoggingNotifier(),
                          clock=FrozenClock(EVENING + LEASE)) == DELIVERED
    assert digest(db, digest_id).attempts == 2


def test_a_sender_no_platform_knows_is_retried_and_their_cohort_waits(db, settings):
    digest_id = moderated_day(db, settings)
    notifier = FanoutNotifier([ChatPlatform(), ChatPlatform()])  # platforms that do not know the member
    clock = FrozenClock(EVENING)
    for attempt in (1, 2, 3):
        assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=clock) == UNREACHABLE
        row = digest(db, digest_id)
        assert row.attempts == attempt and row.delivered_at is None
        assert row.next_try_at == clock.now() + retry_after(attempt)
        assert "no Slack or Teams conversation" in row.last_error
        clock.set(row.next_try_at)
    assert [retry_after(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 15, 15)]

    first = planned(db)[0]
    assert claim(db, settings, first, first.due_at) == claims.HELD
    with Session(db) as s:
        assert first.id not in jobs.due_sends(session=s, now=first.due_at)
    assert planned(db)[0].status == "planned"


def test_an_unmoderated_campaign_is_never_held(db, settings):
    moderated_day(db, settings, moderation=False)
    first = planned(db)[0]
    with Session(db) as s:
        assert first.id in jobs.due_sends(session=s, now=first.due_at)
        assert jobs.undelivered_digests(session=s, now=EVENING) == []
    assert isinstance(claim(db, settings, first, first.due_at), claims.Claim)


def test_a_day_with_nothing_to_moderate_is_closed_without_a_post(db, settings):
    digest_id = moderated_day(db, settings, contacts=0)
    notifier = LoggingNotifier()
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=FrozenClock(EVENING)) == EMPTY
    assert notifier.sent_digests == [] and digest(db, digest_id).delivered_at == EVENING
    with Session(db) as s:
        assert jobs.undelivered_digests(session=s, now=EVENING + timedelta(hours=1)) == []


def test_delivered_late_in_the_slot_the_cohort_leaves_after_the_grace(db, settings):
    digest_id = moderated_day(db, settings)
    before = planned(db)
    late = before[1].due_at + timedelta(seconds=1)  # two were due: held
    notifier = LoggingNotifier()
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=FrozenClock(late)) == DELIVERED
    [view] = notifier.sent_digests
    after = planned(db)
    assert view.held and view.starts_at == min(s.due_at for s in after) >= late + GRACE
    slot_end = MORNING + timedelta(hours=2)
    assert all(s.local_date == MORNING.date() and late + GRACE <= s.due_at < slot_end for s in after)
    # Those due after the grace keep their time
    keep = {s.id: s.due_at for s in before if s.due_at >= late + GRACE}
    assert all(s.due_at == keep[s.id] for s in after if s.id in keep)
    assert claim(db, settings, after[0], late) == claims.NOT_DUE
    assert isinstance(claim(db, settings, after[0], after[0].due_at), claims.Claim)


def test_the_digest_command_counts_as_delivered(db, settings):
    digest_id = moderated_day(db, settings)
    with UnitOfWork(db)() as s:
        view = show_digest(session=s, digest_id=digest_id, now=EVENING)
    assert len(view.items) == 3 and not view.held
    assert digest(db, digest_id).delivered_at == EVENING
    notifier = LoggingNotifier()
    with Session(db) as s:
        assert jobs.undelivered_digests(session=s, now=EVENING) == []
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=FrozenClock(EVENING)) == NOT_DUE
    assert notifier.sent_digests == []
    first = planned(db)[0]
    assert isinstance(claim(db, settings, first, first.due_at), claims.Claim)


@pytest.mark.parametrize("chosen,locale,expected", [("fr", None, "fr"), (None, "fr-CA", "fr"), ("en", "fr-FR", "en"),
                                                    (None, None, "en")])
def test_the_worker_writes_the_digest_in_its_sender_s_language(db, settings, chosen, locale, expected):
    from bot.conversation.digest import digest_pages
    from core.campaigns.models import Campaign
    from core.workspace.models import Member

    digest_id = moderated_day(db, settings)
    with UnitOfWork(db)() as s:
        sender = s.get(Member, s.exec(select(Campaign.sender_id)).one())
        sender.language, sender.locale = chosen, locale
    notifier = LoggingNotifier()
    assert deliver_digest(uow=UnitOfWork(db), digest_id=digest_id, notifier=notifier, clock=FrozenClock(EVENING)) \
        == DELIVERED
    [view] = notifier.sent_digests
    assert view.language == expected
    [page] = digest_pages(view)  # what the notifiers post: its words in that language too
    title = {"en": "Tomorrow's invitations", "fr": "Invitations de demain"}[expected]
    assert page.title.startswith(title) and (page.summary.startswith("vendredi") if expected == "fr"
                                             else page.summary.startswith("Friday"))
