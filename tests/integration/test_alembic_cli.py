"""Alembic's own CLI from the repository's alembic.ini: on the settings' database (DATABASE_URL, else
the embedded SQLite file under VAR_DIR), as `invitebot db upgrade` is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def alembic(*args: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_upgrade_downgrade_and_current_on_the_embedded_sqlite_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT))
    assert "Running upgrade" in alembic("upgrade", "head", cwd=tmp_path, env=env)
    assert (tmp_path / "var" / "invitebot.db").exists()
    head = alembic("current", cwd=tmp_path, env=env)
    assert "(head)" in head
    assert "Running downgrade" in alembic("downgrade", "-1", cwd=tmp_path, env=env)
    assert "(head)" not in alembic("current", cwd=tmp_path, env=env)
