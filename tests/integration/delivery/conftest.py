"""Fixtures of the tests that run the real worker path against the Unipile simulator over HTTP."""

from __future__ import annotations

import pytest

from core.delivery.linkedin.unipile import UnipileGateway
from tests.integration.conftest import KEY


@pytest.fixture
def fast(settings, sim, redis_url):
    """Settings of these runs: no spacing (faults, not pacing, are under test), short leases."""
    return settings.model_copy(update={"min_spacing_seconds": 0, "spacing_jitter_seconds": 0, "lease_seconds": 3,
                                       "redis_url": redis_url, "linkedin_provider": "unipile",
                                       "unipile_base_url": sim.base_url, "unipile_api_key": KEY,
                                       "unipile_timeout_seconds": 1.0})


@pytest.fixture
def gateway(fast):
    gw = UnipileGateway.from_settings(fast)
    yield gw
    gw.close()
