"""The gateway tests' Unipile simulator (on the test clock, with a free and a disconnected account)
and a gateway on it."""

from __future__ import annotations

import pytest

from core.delivery.linkedin.unipile import UnipileGateway
from tests.simulators.unipile import UnipileSimulator

ACCOUNT = "acc-1"
KEY = "sim-api-key"


@pytest.fixture
def sim(clock):
    simulator = UnipileSimulator(KEY, now=clock.now, free_accounts={"acc-free"}, disconnected_accounts={"acc-gone"})
    simulator.start_in_thread()
    yield simulator
    simulator.stop_thread()


@pytest.fixture
def gw(sim):
    gateway = UnipileGateway(base_url=sim.base_url, api_key=KEY, timeout_seconds=1.0)
    yield gateway
    gateway.close()


def invite(gw, sim, ident: str, note: str | None = "Hello", account: str = ACCOUNT):
    pid = sim.profile(ident)["provider_id"]
    return pid, gw.send_invitation(account_id=account, provider_id=pid, note=note)
