"""The moderation digest when Slack fails (P-21, P-22): a digest Slack refuses is not marked
delivered, the clock tries it again, and the campaign's invitations wait for it — nothing goes out
unmoderated — then leave once it has arrived; `digest NAME` then the clock is one post, not two.

The real chat notifier (`invitebot worker`'s fan-out), the real actors on a worker thread, the
clock's jobs, the Slack Web API simulator (its record is what Slack received) and the sandbox
provider (its record is what LinkedIn received)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.db import UnitOfWork
from core.moderation.digests import GRACE
from core.delivery.models import S_PLANNED, S_SENT, Send
from core.moderation.models import Digest
from core.sources.segments import add_contacts_to_segment
from tests import factories as f
from tests.e2e.slack.conftest import wait_for
from tests.e2e.slack.steps import active_campaign
from tests.e2e.worker_run import WorkerRun, invitations_sent
from entrypoints.bootstrap import bootstrap

EVENING = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)  # the digest hour of the workspace (UTC)
THURSDAY, FRIDAY = date(2026, 11, 26), date(2026, 11, 27)
THURSDAY_SLOT = (datetime(2026, 11, 26, 9, tzinfo=timezone.utc), datetime(2026, 11, 26, 17, tzinfo=timezone.utc))
FRIDAY_SLOT = (datetime(2026, 11, 27, 9, tzinfo=timezone.utc), datetime(2026, 11, 27, 17, tzinfo=timezone.utc))
THURSDAY_LATE = datetime(2026, 11, 26, 16, 45, tzinfo=timezone.utc)  # every invitation of the day is due


@pytest.fixture
def ctx(slack_settings, db, clock):
    """As `invitebot worker` builds it: digests go out through the Slack and Teams notifiers."""
    return bootstrap(slack_settings, clock=clock, engine=db, queue="stub", worker=True)


@pytest.fixture
async def run(ctx):
    worker = WorkerRun(ctx).start()
    yield worker
    worker.stop()


def digest_posts(slack_sim) -> list[dict]:
    """The digests Slack accepted (its record of chat.postMessage answered ok)."""
    return [c.args for c in slack_sim.of("chat.postMessage") if "Tomorrow's invitations" in json.dumps(c.args)]


def digest_row(ctx) -> Digest:
    with Session(ctx.engine) as s:
        [row] = s.exec(select(Digest)).all()
        return row


def sends(ctx) -> list[Send]:
    with Session(ctx.engine) as s:
        return list(s.exec(select(Send).where(Send.step == "invitation").order_by(Send.id)).all())


async def test_a_digest_slack_refuses_is_retried_and_its_cohort_waits_for_it(slack, slack_sim, world, ctx, run):
    active_campaign(ctx, world)  # moderated (the default), three contacts, slots 09:00-17:00 every day
    # Given Slack down: chat.postMessage answers 503
    slack_sim.fail_next("chat.postMessage", "service_unavailable", times=10_000, status=503)

    # When the evening run plans tomorrow and tries its digest
    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    # Then it is not marked delivered: one attempt, its reason, its next try
    digest = digest_row(ctx)
    assert digest.delivered_at is None and digest.attempts == 1
    assert "503" in digest.last_error and digest.next_try_at > EVENING
    assert digest_posts(slack_sim) == [] and [c.status for c in slack_sim.calls if c.method == "chat.postMessage"] == [503]
    assert len(sends(ctx)) == 3

    # The clock tries again once the next try has come, not before
    ctx.clock.set(EVENING + timedelta(seconds=30))
    await asyncio.to_thread(run.tick)
    assert digest_row(ctx).attempts == 1
    ctx.clock.set(digest.next_try_at)
    await asyncio.to_thread(run.tick)
    assert digest_row(ctx).attempts == 2 and digest_row(ctx).delivered_at is None

    # The next day, late in the slot: the invitations are all due but held — the clock does not
    # enqueue them, and a broker message for each (duplicated, early) is refused by the claim
    ctx.clock.set(THURSDAY_LATE)
    await asyncio.to_thread(run.tick)
    for send in sends(ctx):
        assert send.due_at < THURSDAY_LATE
        await asyncio.to_thread(run.send_now, send.id)
    assert invitations_sent(ctx.engine) == []
    assert {s.status for s in sends(ctx)} == {S_PLANNED}
    assert digest_row(ctx).attempts == 3 and digest_posts(slack_sim) == []

    # When Slack is back, the next try delivers it, once, saying that sending was held and when
    # it starts: too late for Thursday's slot (the moderator gets the grace), so Friday's
    slack_sim.recover("chat.postMessage")
    back = digest_row(ctx).next_try_at
    ctx.clock.set(back)
    await asyncio.to_thread(run.tick)
    [posted] = digest_posts(slack_sim)
    assert posted["channel"] == "UBOB" and "Sending was held until this digest reached you" in json.dumps(posted)
    assert "Friday 27 November, 09:" in json.dumps(posted)
    assert digest_row(ctx).delivered_at == back
    assert all(s.local_date == FRIDAY and FRIDAY_SLOT[0] <= s.due_at < FRIDAY_SLOT[1] for s in sends(ctx))

    await asyncio.to_thread(run.run_sends)
    sent = invitations_sent(ctx.engine)
    assert len(sent) == 3 and all(FRIDAY_SLOT[0] <= i.created_at < FRIDAY_SLOT[1] for i in sent)
    assert {s.status for s in sends(ctx)} == {S_SENT}
    assert len(digest_posts(slack_sim)) == 1  # and never posted again


async def test_back_within_the_slot_the_cohort_leaves_the_same_day_after_the_grace(slack, slack_sim, world, ctx, run):
    active_campaign(ctx, world)
    slack_sim.fail_next("chat.postMessage", "service_unavailable", times=10_000, status=503)
    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    first_due = min(s.due_at for s in sends(ctx))
    # Slack down until just after the first invitation was due: it waited
    ctx.clock.set(first_due + timedelta(minutes=1))
    await asyncio.to_thread(run.tick)
    assert invitations_sent(ctx.engine) == [] and digest_row(ctx).delivered_at is None

    slack_sim.recover("chat.postMessage")
    back = digest_row(ctx).next_try_at
    ctx.clock.set(back)
    await asyncio.to_thread(run.tick)
    assert len(digest_posts(slack_sim)) == 1 and digest_row(ctx).delivered_at == back
    # Every invitation leaves on Thursday, none before the grace after the delivery
    assert all(s.local_date == THURSDAY and back + GRACE <= s.due_at < THURSDAY_SLOT[1] for s in sends(ctx))
    await asyncio.to_thread(run.run_sends)
    sent = invitations_sent(ctx.engine)
    assert len(sent) == 3 and all(back + GRACE <= i.created_at < THURSDAY_SLOT[1] for i in sent)
    assert len(digest_posts(slack_sim)) == 1


async def test_digest_command_then_the_clock_is_one_post(slack, slack_sim, world, ctx, run):
    active_campaign(ctx, world)
    # When Bob asks for the digest in the afternoon, it is shown to him
    await slack.command("digest digest run")
    await wait_for(lambda: digest_posts(slack_sim))
    assert digest_row(ctx).delivered_at == ctx.clock.now()

    # Then the evening run and the clock's minutes do not post it again
    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    await asyncio.to_thread(run.tick)
    ctx.clock.set(EVENING + timedelta(minutes=20))
    await asyncio.to_thread(run.tick)
    assert len(digest_posts(slack_sim)) == 1

    # And tomorrow's invitations go out in their slot, the moderator having had them
    await asyncio.to_thread(run.run_sends)
    assert len(invitations_sent(ctx.engine)) == 3


async def test_pages_posted_before_slack_failed_are_not_posted_again(slack, slack_sim, world, ctx, run):
    active_campaign(ctx, world)
    with UnitOfWork(ctx.engine)() as s:  # twelve contacts: a digest of two pages (ten a page)
        more = [f.contact(s, world.workspace_id, f"q{i}", first_name=f"Quinn{i}", last_name="Moss", language="en")
                for i in range(9)]
        add_contacts_to_segment(session=s, workspace_id=world.workspace_id, segment_id=world.segment_id,
                                contact_ids=[c.id for c in more])
    # Given Slack failing right after the first page
    slack_sim.fail_next("chat.postMessage", "internal_error", times=10_000, status=500, after=1)
    ctx.clock.set(EVENING)
    await asyncio.to_thread(run.plan)
    assert digest_row(ctx).delivered_at is None
    [first] = digest_posts(slack_sim)
    assert "Page 1 of 2" in json.dumps(first)

    # When Slack is back, the retry posts only the missing page
    slack_sim.recover("chat.postMessage")
    ctx.clock.set(digest_row(ctx).next_try_at)
    await asyncio.to_thread(run.tick)
    pages = digest_posts(slack_sim)
    assert len(pages) == 2 and "Page 2 of 2" in json.dumps(pages[1])
    digest = digest_row(ctx)
    assert digest.delivered_at is not None and len(digest.delivery["slack"]) == 2
