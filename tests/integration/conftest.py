"""Fixtures shared by the integration tests that talk to the Unipile simulator over HTTP."""

from __future__ import annotations

import pytest

from tests.simulators.unipile import UnipileSimulator

KEY = "sim-api-key"


@pytest.fixture
def sim():
    """A Unipile simulator on its own thread, recording every call it receives."""
    simulator = UnipileSimulator(KEY)
    simulator.start_in_thread()
    yield simulator
    simulator.stop_thread()
