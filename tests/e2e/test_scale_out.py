"""The scale-out proof at CI size (docs/scale-out.md; the full week of 200 senders is
`python -m tests.e2e.scaleout`): 2 `web`, 3 `worker` and 1 `clock` processes of the real CLI on
PostgreSQL (DATABASE_URL's server, else the local one, in a database of its own) and Redis, one
fast-forwarded time, the Unipile, Slack and Teams simulators; a second `clock` started mid-run as
by mistake. Invariants 1-4 are read from the provider simulator's own record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.scaleout import Plan, check, run

PLAN = Plan(senders=24, days=4, stop_every=6, stop_at=timedelta(days=2, hours=21, minutes=30),
            second_clock_after=timedelta(hours=30))


@pytest.mark.slow
def test_two_web_three_workers_and_a_second_clock_keep_every_invariant(redis_url):
    record = run(PLAN, "ci", redis_url=redis_url)
    problems, figures = check(record)
    print(record.figures, figures)  # the figures, with -s
    assert problems == []
    assert record.figures["processes"] == {"web": 2, "worker": 3, "worker threads": 4, "clock": 2}
    # The run did what it is meant to prove: sends from every account, caps reached, stops from both chats
    assert figures["invitations"] >= 100 and figures["messages"] > 0 and figures["accounts that acted"] == 24
    assert figures["accounts that reached a cap"].get("invitations 24h", 0) > 0
    assert record.figures["stops from chat"] == {"slack": 8, "teams": 8}  # two campaigns each
    assert figures["stopped accounts"] == 8 and figures["actions after stop"] == 0
    assert record.figures["webhooks (acceptances)"] > 0 and record.figures["claimed left"] == 0
    # The clock started by mistake enqueued nothing for the rest of the week; the first one kept on
    first, second = record.figures["jobs enqueued by each clock"]
    assert first > 0 and second == 0
