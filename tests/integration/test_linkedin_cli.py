"""`invitebot linkedin register-webhooks|status` through typer's CliRunner, against the Unipile
simulator over HTTP (which records the webhooks and their headers) and a real database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.db import UnitOfWork
from core.delivery.linkedin.unipile_webhooks import WEBHOOK_SECRET_HEADER
from tests import factories as f
from tests.integration.conftest import KEY
from entrypoints.cli.linkedin import app

SECRET = "whsec-cli"


@pytest.fixture
def cli(db, database_url, sim, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()
    base = {"DATABASE_URL": database_url, "COLUMNS": "200", "LINKEDIN_PROVIDER": "unipile",
            "UNIPILE_BASE_URL": sim.base_url, "UNIPILE_API_KEY": KEY, "WEBHOOK_SECRET": SECRET,
            "PUBLIC_URL": "https://bot.example.com/", "UNIPILE_TIMEOUT_SECONDS": "2"}

    def invoke(*args, **env):
        return runner.invoke(app, list(args), env={**base, **env})

    return invoke


def test_register_webhooks_makes_the_three_with_our_headers(cli, sim):
    result = cli("register-webhooks")
    assert result.exit_code == 0, result.output
    hooks = sorted(sim.webhooks.values(), key=lambda h: h["source"])
    assert [h["source"] for h in hooks] == ["account_status", "messaging", "users"]
    for hook in hooks:
        assert hook["request_url"] == "https://bot.example.com/webhooks/linkedin"
        assert hook["format"] == "json" and hook["name"] == f"invitebot-{hook['source']}"
        assert hook["headers"] == [{"key": "Content-Type", "value": "application/json"},
                                   {"key": WEBHOOK_SECRET_HEADER, "value": SECRET}]
        # Of messages, only their arrival: no read receipts, no reactions.
        assert hook.get("events") == (["message_received"] if hook["source"] == "messaging" else None)
    calls = sim.calls_to("POST /webhooks")
    assert len(calls) == 3 and all(c.content_type == "application/json" for c in calls)
    assert "users: created" in result.output and SECRET not in result.output and KEY not in result.output

    # Again: nothing new. With --replace (say, a new secret): ours are deleted and made again.
    again = cli("register-webhooks")
    assert again.exit_code == 0 and again.output.count(": kept") == 3 and len(sim.calls_to("POST /webhooks")) == 3
    old_ids = set(sim.webhooks)
    replaced = cli("register-webhooks", "--replace", WEBHOOK_SECRET="whsec-new")
    assert replaced.exit_code == 0 and replaced.output.count(": replaced") == 3
    assert len(sim.webhooks) == 3 and not (set(sim.webhooks) & old_ids)
    assert all({"key": WEBHOOK_SECRET_HEADER, "value": "whsec-new"} in h["headers"] for h in sim.webhooks.values())
    assert len(sim.calls_to("DELETE /webhooks/{webhook_id}")) == 3


def test_an_older_messaging_hook_with_every_event_is_made_again(cli, sim):
    assert cli("register-webhooks").exit_code == 0
    old = next(k for k, h in sim.webhooks.items() if h["source"] == "messaging")
    sim.webhooks[old]["events"] = ["message_received", "message_read", "message_reaction"]
    result = cli("register-webhooks")
    assert result.exit_code == 0 and "messaging: replaced" in result.output and result.output.count(": kept") == 2
    assert old not in sim.webhooks
    [messaging] = [h for h in sim.webhooks.values() if h["source"] == "messaging"]
    assert messaging["events"] == ["message_received"]


def test_a_hook_of_someone_else_is_left_alone(cli, sim):
    sim.webhooks["wh_other"] = {"request_url": "https://crm.example.com/hook", "name": "crm", "source": "users"}
    assert cli("register-webhooks", "--replace").exit_code == 0
    assert sim.webhooks["wh_other"]["name"] == "crm" and len(sim.webhooks) == 4


@pytest.mark.parametrize("env, says", [
    ({"LINKEDIN_PROVIDER": "sandbox"}, "LINKEDIN_PROVIDER is 'sandbox'"),
    ({"UNIPILE_BASE_URL": None}, "UNIPILE_BASE_URL is not set"),
    ({"UNIPILE_API_KEY": None}, "UNIPILE_API_KEY is not set"),
    ({"WEBHOOK_SECRET": None}, "WEBHOOK_SECRET is not set"),
    ({"PUBLIC_URL": "http://localhost:3000"}, "PUBLIC_URL must be the public https address"),
    ({"PUBLIC_URL": "https://"}, "PUBLIC_URL must be the public https address"),
])
def test_register_webhooks_refuses_an_incomplete_setup(cli, sim, env, says):
    result = cli("register-webhooks", **env)
    assert result.exit_code == 1 and says in " ".join(result.output.split())
    assert sim.calls == []


def test_register_webhooks_says_when_unipile_refuses(cli, sim):
    result = cli("register-webhooks", UNIPILE_API_KEY="wrong-key")
    assert result.exit_code == 1 and "Unipile refused (provider_auth)" in result.output
    assert "wrong-key" not in result.output and sim.webhooks == {}


def test_status_lists_each_members_account(cli, db):
    with UnitOfWork(db)() as s:
        ws = f.workspace(s, name="Acme")
        f.sender(s, ws, name="Ann Lee", account_key="acc-ann", provider="unipile")
        _, bob = f.sender(s, ws, name="Bob Roe", kind="free")
        bob.status = "invalid"
        f.member(s, ws, name="Cid Nobody")
        other = f.workspace(s, name="Globex")
        f.sender(s, other, name="Dee Far", account_key="acc-dee", provider="unipile")
        other_name = other.name
    result = cli("status")
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[2].strip(): [c.strip() for c in line.split("│")[3:7]]
            for line in result.output.splitlines() if line.count("│") > 5}
    ann = next(v for k, v in rows.items() if k.startswith("Ann Lee"))
    bob_row = next(v for k, v in rows.items() if k.startswith("Bob Roe"))
    cid = next(v for k, v in rows.items() if k.startswith("Cid Nobody"))
    assert ann == ["unipile", "acc-ann", "valid", "premium"]
    assert bob_row[0] == "sandbox" and bob_row[2:] == ["invalid", "free"]
    assert cid[2] == "not connected"
    assert any(k.startswith("Dee Far") for k in rows)
    only = cli("status", "--workspace", other_name)
    assert only.exit_code == 0 and "Dee Far" in only.output and "Ann Lee" not in only.output


def test_status_on_an_empty_database(cli):
    result = cli("status")
    assert result.exit_code == 0 and "No members yet" in result.output
