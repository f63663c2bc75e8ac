"""A database of its own for one bench run: a SQLite file in a temporary folder, or, when
DATABASE_URL names a PostgreSQL server, a database created on it for this process and dropped
by the function returned with its URL."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from core.config import Settings


def scratch_url(prefix: str) -> tuple[str, Callable[[], None]]:
    """(URL, drop): `prefix` names the SQLite file or the PostgreSQL database (`bench_<prefix>_<pid>`)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = Path(tempfile.mkdtemp()) / f"{prefix}.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    base = Settings(DATABASE_URL=url, _env_file=None).effective_database_url
    name = f"bench_{prefix}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = base.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return scratch, drop
