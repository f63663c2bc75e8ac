"""The scale-out proof at CI size (docs/scale-out.md; the full week of 200 senders is
`python -m tests.e2e.scaleout`): 2 `web`, 3 `worker` and `clock` processes of the real CLI on
PostgreSQL (DATABASE_URL's server, else the local one, in a database of its own) and Redis, one
fast-forwarded time, the Unipile, Slack and Teams simulators. Invariants 1-4 are read from the
provider simulator's own record; a second `clock` started mid-run changes no send."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.e2e.scaleout import Plan, check, run, sends_of

PLAN = Plan(senders=24, days=4, stop_every=6, stop_at=timedelta(days=2, hours=21, minutes=30),
            second_clock_after=timedelta(hours=30))


@pytest.mark.slow
def test_two_web_three_workers_and_a_second_clock_keep_every_invariant(redis_url):
    two_clocks = run(PLAN, "ci_two_clocks", redis_url=redis_url)
    problems, figures = check(two_clocks)
    print(two_clocks.figures, figures)  # the figures, with -s
    assert problems == []
    assert two_clocks.figures["processes"] == {"web": 2, "worker": 3, "worker threads": 4, "clock": 2}
    # The run did what it is meant to prove: sends from many accounts, caps reached, stops from both chats.
    assert figures["invitations"] >= 100 and figures["messages"] > 0 and figures["accounts that acted"] == 24
    assert figures["accounts that reached a cap"].get("invitations 24h", 0) > 0
    assert two_clocks.figures["stops from chat"] == {"slack": 8, "teams": 8}  # two campaigns each
    assert figures["stopped accounts"] == 8 and figures["actions after stop"] == 0
    assert two_clocks.figures["webhooks (acceptances)"] > 0 and two_clocks.figures["claimed left"] == 0

    one_clock = run(replace(PLAN, second_clock_after=None), "ci_one_clock", redis_url=redis_url)
    assert check(one_clock)[0] == []
    assert one_clock.figures["processes"]["clock"] == 1
    assert sends_of(two_clocks) == sends_of(one_clock)
