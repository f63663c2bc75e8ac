"""The moderation digest when Teams fails (P-21, P-22): a digest the Bot Framework connector refuses
(503) is not marked delivered, the clock tries it again, and the campaign's invitations wait for it,
then leave once it has arrived; `digest NAME` then the clock is one digest in the chat, not two.

The real chat notifier of `invitebot worker`, the real actors on a worker thread, the clock's jobs,
the connector simulator (its record is what Teams received) and the sandbox provider."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.moderation.digests import GRACE
from core.delivery.models import S_PLANNED, S_SENT, Send
from core.moderation.models import Digest
from tests.cards import assert_valid_card, texts
from tests.e2e.teams.steps import sender_with_active_campaign
from tests.e2e.worker_run import WorkerRun, invitations_sent
from entrypoints.bootstrap import bootstrap

EVENING = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
THURSDAY_LATE = datetime(2026, 11, 26, 16, 45, tzinfo=timezone.utc)  # every invitation of the day is due
FRIDAY_SLOT = (datetime(2026, 11, 27, 9, tzinfo=timezone.utc), datetime(2026, 11, 27, 17, tzinfo=timezone.utc))


@pytest.fixture
def ctx(settings, clock, db):
    """As `invitebot worker` builds it: digests go out through the chat notifiers (here Teams)."""
    return bootstrap(settings, clock=clock, engine=db, queue="stub", worker=True)


@pytest.fixture
async def run(ctx):
    worker = WorkerRun(ctx).start()
    yield worker
    worker.stop()


def digest_cards(connector, user) -> list[dict]:
    """The digests the connector accepted into the user's chat (its own record)."""
    return [card for card in connector.cards(user.conversation_id)
            if any("Tomorrow's invitations" in t for t in texts(card))]


def digest_row(ctx) -> Digest:
    with Session(ctx.engine) as s:
        [row] = s.exec(select(Digest)).all()
        return row


def sends(ctx) -> list[Send]:
    with Session(ctx.engine) as s:
        return list(s.exec(select(Send).where(Send.step == "invitation").order_by(Send.id)).all())


async def test_a_digest_teams_refuses_is_retried_and_its_cohort_waits_for_it(teams, ctx, run):
    ada, _, _, _ = await sender_with_active_campaign(teams, ctx)
    connector = teams.connector
    # Given the connector down: every activity post answered 503
    connector.fail(10_000, status=503)

    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    digest = digest_row(ctx)
    assert digest.delivered_at is None and digest.attempts == 1 and "503" in digest.last_error
    assert connector.failed and digest_cards(connector, ada) == []

    # Retried by the clock when its next try has come
    ctx.clock.set(digest.next_try_at)
    await asyncio.to_thread(run.tick)
    assert digest_row(ctx).attempts == 2 and digest_row(ctx).delivered_at is None

    # Due the next day, the invitations are held: not enqueued, and refused when a message comes
    ctx.clock.set(THURSDAY_LATE)
    await asyncio.to_thread(run.tick)
    for send in sends(ctx):
        assert send.due_at < THURSDAY_LATE
        await asyncio.to_thread(run.send_now, send.id)
    assert invitations_sent(ctx.engine) == [] and {s.status for s in sends(ctx)} == {S_PLANNED}

    # Teams back: the next try delivers the digest once, saying sending was held and when it starts
    connector.recover()
    back = digest_row(ctx).next_try_at
    ctx.clock.set(back)
    await asyncio.to_thread(run.tick)
    [card] = digest_cards(connector, ada)
    assert_valid_card(card)
    assert any("Sending was held until this digest reached you" in t for t in texts(card))
    assert digest_row(ctx).delivered_at == back
    ctx.clock.set(back + timedelta(minutes=2))
    await asyncio.to_thread(run.tick)
    assert len(digest_cards(connector, ada)) == 1

    # Too late for Thursday's slot: the cohort leaves in Friday's, the grace respected
    await asyncio.to_thread(run.run_sends)
    sent = invitations_sent(ctx.engine)
    assert len(sent) == 3 and all(FRIDAY_SLOT[0] <= i.created_at < FRIDAY_SLOT[1] for i in sent)
    assert all(i.created_at >= back + GRACE for i in sent)
    assert {s.status for s in sends(ctx)} == {S_SENT}
    assert len(digest_cards(connector, ada)) == 1


async def test_digest_command_then_the_clock_is_one_digest_in_the_chat(teams, ctx, run):
    ada, _, _, _ = await sender_with_active_campaign(teams, ctx)
    teams.connector.clear()
    await teams.say(ada, "digest Digest run")
    assert len(digest_cards(teams.connector, ada)) == 1
    assert digest_row(ctx).delivered_at == ctx.clock.now()

    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    await asyncio.to_thread(run.tick)
    ctx.clock.set(EVENING + timedelta(minutes=20))
    await asyncio.to_thread(run.tick)
    assert len(digest_cards(teams.connector, ada)) == 1

    await asyncio.to_thread(run.run_sends)
    assert len(invitations_sent(ctx.engine)) == 3
