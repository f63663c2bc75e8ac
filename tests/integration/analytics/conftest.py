"""The analytics tests' fixtures."""

from __future__ import annotations

import pytest

from tests.integration.analytics.world import build_world


@pytest.fixture
def world(session):
    return build_world(session)
