"""`invitebot serve` (what `make run` runs) on the embedded defaults answers /healthz with 200,
and stops on SIGTERM (a platform, a container) or SIGINT (Ctrl-C) with its embedded redis-server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port, servers_under, survivors

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_runs_web_worker_and_clock_on_embedded_defaults(tmp_path, stop):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("SLACK_")}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port), HOST="127.0.0.1", LOG_LEVEL="INFO")
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-c", "from entrypoints.cli import main; main()", "serve"], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        body, status = None, None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status, body = response.status, json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.3)
        log.seek(0)
        output = log.read()
        assert status == 200, output
        assert body["database"] == "ok" and body["redis"] == "ok" and body["linkedin_provider"] == "sandbox"
        assert (tmp_path / "var" / "invitebot.db").exists()
        # One clear line per surface, and what is needed to enable the others.
        assert "Slack: disabled, missing SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN" in output
        assert output.count("Teams: MicrosoftAppId is not set: /api/messages answers the Bot Framework Emulator") == 1
        assert "nobody is contacted" in output
        assert len(servers_under(tmp_path)) == 1  # the embedded Redis, found as the check below finds it
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()
    assert survivors(tmp_path) == []
