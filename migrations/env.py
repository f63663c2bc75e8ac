"""Alembic environment: migrations are generated from SQLModel.metadata (core.models).

Run by `invitebot db upgrade` (core.db.upgrade, which gives the URL) or by Alembic's CLI with the
repository's alembic.ini, which names no database: then it is the one of the settings (DATABASE_URL,
else the embedded SQLite file under VAR_DIR), as for every invitebot process."""

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import bot.slack.models  # noqa: F401  (the Slack surface's table)
import core.models  # noqa: F401  (fills the metadata)

config = context.config
target_metadata = SQLModel.metadata

if config.config_file_name is not None:  # Alembic's CLI: alembic.ini's logging (Alembic says what it runs)
    fileConfig(config.config_file_name, disable_existing_loggers=False)
if not config.get_main_option("sqlalchemy.url"):
    from core.config import Settings

    url = Settings().effective_database_url
    if url.startswith("sqlite:///"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                         prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
