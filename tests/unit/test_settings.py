"""Settings the deployment depends on: where the web process listens."""

from __future__ import annotations

import pytest

from core.config import Settings


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in ("HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)


def test_without_port_the_web_process_listens_on_this_machine_only():
    settings = Settings(_env_file=None)
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)


def test_a_platform_port_opens_every_interface(monkeypatch):
    monkeypatch.setenv("PORT", "8080")
    settings = Settings(_env_file=None)
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)


@pytest.mark.parametrize("port", [None, "8080"])
def test_host_given_wins(monkeypatch, port):
    monkeypatch.setenv("HOST", "10.1.2.3")
    if port:
        monkeypatch.setenv("PORT", port)
    assert Settings(_env_file=None).host == "10.1.2.3"
