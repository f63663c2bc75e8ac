"""`invitebot demo` drives the real planner, digest, worker and sandbox over fast-forwarded days."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_days_through_the_pipeline_within_caps_and_without_duplicates(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", "from entrypoints.cli import main; main()", "demo", "--days", "5", "--json",
                           "--charts", str(tmp_path / "charts")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    days, summary = report["days"], report["summary"]
    assert len(days) == 5
    # Every day's figures add up to the summary, and something really happened.
    for key in ("planned", "sent", "accepted", "welcomed", "skipped_by_moderation"):
        assert sum(d[key] for d in days) == summary[key], key
    assert summary["sent"] > 0 and summary["accepted"] > 0 and summary["welcomed"] > 0
    assert summary["skipped_by_moderation"] > 0 and summary["digests"] > 0
    # The demo's finders ran through the sandbox and filled their segments.
    assert "Founders in France" in summary["finders"] and "new, idle)" in summary["finders"]
    # Invariants 1 and 4 on the sandbox's own record.
    assert summary["duplicate_invitations"] == 0
    # The funnel of those days, and its charts written as PNG.
    assert summary["funnel"].startswith(f"{summary['sent']} invited → {summary['accepted']} accepted")
    charts = sorted((tmp_path / "charts").glob("demo-*.png"))
    assert [c.name for c in charts] == ["demo-funnel.png", "demo-weekly.png"]
    assert all(c.read_bytes().startswith(b"\x89PNG") for c in charts)
    assert summary["busiest_24h"] <= summary["daily_cap"]
    assert summary["busiest_7_days"] <= summary["weekly_cap"]
    # The demo never touches the product's database.
    assert not (tmp_path / "var" / "invitebot.db").exists()


def test_the_demo_table_fits_an_80_column_terminal(tmp_path):
    """The day-by-day table on an 80-column terminal: nothing cut ("…"), no line wider; the progress
    goes to stderr and is gone once done."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), COLUMNS="80", TERM="dumb")
    done = subprocess.run([sys.executable, "-c", "from entrypoints.cli import main; main()", "demo", "--days", "2"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in done.stdout
    header = next(line for line in lines if line.split()[:2] == ["day", "plan"])
    assert header.split() == ["day", "plan", "skip", "sent", "acc", "welc", "f-up", "repl", "wdrn", "cap"]
    assert sum(1 for line in lines if line.strip()[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")) == 2
    assert "acceptance rate" in done.stdout
