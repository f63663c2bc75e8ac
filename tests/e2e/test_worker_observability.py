"""`invitebot worker` as an operator starts it with LOG_FORMAT=json: its metrics port shows
Dramatiq's series (its Prometheus middleware, multi-process mode) and ours after a job, and
every log line is JSON, those written for a job carrying its message id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from core.config import Settings
from worker.broker import DramatiqTasks, build_broker

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _value(text: str, name: str, **labels: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        return response.read().decode()


def test_worker_metrics_port_and_json_logs(tmp_path, engine, database_url, redis_url, redis_client):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS", "dramatiq"))}
    env.update(VAR_DIR=str(tmp_path / "var"), DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_FORMAT="json",
               LOG_LEVEL="DEBUG", WORKER_METRICS_PORT=str(port), WORKER_METRICS_HOST="127.0.0.1",
               PYTHONPATH=str(ROOT))
    with open(tmp_path / "worker.log", "a") as log:  # appended to: reading it here moves no shared offset
        proc = subprocess.Popen([sys.executable, "-c", "from entrypoints.cli import main; main()", "worker", "-t",
                                 "1"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    broker, client, _ = build_broker(Settings(REDIS_URL=redis_url, _env_file=None))
    try:
        text, deadline = "", time.monotonic() + 60
        asked = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                text = _scrape(port)
            except OSError:
                time.sleep(0.3)
                continue
            if not asked:
                DramatiqTasks(broker, client).clean_up()
                asked = True
            if _value(text, "dramatiq_messages_total", actor_name="invitebot.clean_up"):
                break
            time.sleep(0.3)
        output = (tmp_path / "worker.log").read_text()
        assert _value(text, "dramatiq_messages_total", actor_name="invitebot.clean_up") == 1, output
        assert _value(text, "invitebot_queue_lag_seconds_count", queue="delivery") == 1
        assert "invitebot_sends_total" in text  # the domain series, from the start
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        broker.close()
    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines()]
    jobs = [line for line in lines if line["message"].startswith("job invitebot.clean_up")]
    assert len(jobs) == 1 and jobs[0]["message_id"] in jobs[0]["message"]
    assert not any(line.get("message_id") for line in lines if line["logger"] == "invitebot.metrics")
