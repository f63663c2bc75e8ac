"""Unit tests do no I/O: a unit test that asks, directly or through another fixture, for one that
opens a database, Redis or a socket fails, naming the level it belongs to."""

from __future__ import annotations

import pytest

from tests.unit.levels import IO_FIXTURES


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    used = sorted(IO_FIXTURES.intersection(getattr(item, "fixturenames", ())))
    if used:
        pytest.fail(f"{item.nodeid} uses {', '.join(used)}: a unit test does no I/O. Use the fakes of "
                    "tests/fakes.py, or move it to tests/integration (database, Redis) or tests/e2e (HTTP).",
                    pytrace=False)
