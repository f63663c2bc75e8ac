"""Admin commands run again change only what they are given, and an account's caps stay within
LinkedIn's limits for its kind (P-20, core.workspace.limits): from the command line (typer's
CliRunner), checking the printed message and the database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from entrypoints.cli import app
from core.workspace.models import LinkedInAccount, Member, Workspace


@pytest.fixture
def cli(db, database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "COLUMNS": "200"}

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], env=env)

    assert invoke("workspace", "create", "Acme", "--timezone", "Europe/Paris", "--digest-hour", "17").exit_code == 0
    assert invoke("members", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert invoke("members", "add", "Bob Roe", "--email", "bob@example.com").exit_code == 0
    return invoke


def accounts(db) -> dict[str, tuple]:
    with Session(db) as s:
        rows = s.exec(select(Member.email, LinkedInAccount).join(LinkedInAccount, LinkedInAccount.member_id == Member.id))
        return {email: (a.provider, a.provider_account_id, a.kind, a.status, a.daily_invite_cap, a.weekly_invite_cap,
                        a.daily_message_cap) for email, a in rows}


def test_connect_run_again_without_kind_keeps_a_free_account_free_with_its_caps(cli, db):
    first = cli("members", "connect", "ann@example.com", "--kind", "free", "--daily-invite-cap", "3")
    assert first.exit_code == 0, first.output
    before = accounts(db)["ann@example.com"]
    assert before[2] == "free" and before[1].endswith(":free") and before[4] == 3
    again = cli("members", "connect", "ann@example.com")
    assert again.exit_code == 0, again.output
    assert "Ann Lee's free LinkedIn account" in again.output and "3 invitations a day, 15 a week" in again.output
    assert accounts(db)["ann@example.com"] == before
    # Naming one cap changes that cap only.
    assert cli("members", "connect", "ann@example.com", "--weekly-invite-cap", "10").exit_code == 0
    assert accounts(db)["ann@example.com"] == before[:5] + (10, None)


def test_a_premium_account_stays_premium_and_a_unipile_one_stays_on_unipile(cli, db):
    assert cli("members", "connect", "bob@example.com", "--provider", "unipile", "--account-id", "acc_42",
               "--kind", "premium", "--daily-invite-cap", "40").exit_code == 0
    before = accounts(db)["bob@example.com"]
    again = cli("members", "connect", "Bob Roe")
    assert again.exit_code == 0, again.output
    assert accounts(db)["bob@example.com"] == before == ("unipile", "acc_42", "premium", "valid", 40, None, None)


def test_a_new_unipile_account_needs_its_kind(cli, db):
    refused = cli("members", "connect", "bob@example.com", "--provider", "unipile", "--account-id", "acc_7")
    assert refused.exit_code == 1 and "--kind is required for a new unipile account" in refused.output
    assert accounts(db) == {}
    assert cli("members", "connect", "bob@example.com", "--provider", "unipile", "--account-id", "acc_7",
               "--kind", "free").exit_code == 0
    assert accounts(db)["bob@example.com"][2] == "free"


def test_a_new_sandbox_account_takes_the_kind_its_id_says(cli, db):
    assert cli("members", "connect", "ann@example.com", "--account-id", "sbx-ann:free").exit_code == 0
    assert cli("members", "connect", "bob@example.com").exit_code == 0
    got = accounts(db)
    assert got["ann@example.com"][1:3] == ("sbx-ann:free", "free")
    assert got["bob@example.com"][2] == "premium" and not got["bob@example.com"][1].endswith(":free")


@pytest.mark.parametrize("kind, option, value, allowed", [
    ("premium", "--weekly-invite-cap", 500, "1 to 100"),
    ("premium", "--weekly-invite-cap", 101, "1 to 100"),
    ("premium", "--daily-invite-cap", 81, "1 to 80"),
    ("premium", "--daily-invite-cap", 0, "1 to 80"),
    ("premium", "--daily-message-cap", -1, "1 to 150"),
    ("free", "--weekly-invite-cap", 16, "1 to 15"),
    ("free", "--daily-invite-cap", 100, "1 to 15"),
    ("free", "--daily-message-cap", 76, "1 to 75"),
])
def test_caps_over_linkedins_limits_are_refused_naming_the_option_and_range(cli, db, kind, option, value, allowed):
    assert cli("members", "connect", "ann@example.com", "--kind", kind).exit_code == 0
    before = accounts(db)
    refused = cli("members", "connect", "ann@example.com", option, value)
    assert refused.exit_code == 1
    assert f"{option} must be {allowed} for a {kind} LinkedIn account" in refused.output and str(value) in refused.output
    assert accounts(db) == before
    fresh = cli("members", "connect", "bob@example.com", "--kind", kind, option, value)  # a new account: same rule
    assert fresh.exit_code == 1 and allowed in fresh.output and "bob@example.com" not in accounts(db)


def test_becoming_free_with_caps_over_a_free_accounts_limits_is_refused_until_they_fit(cli, db):
    assert cli("members", "connect", "ann@example.com", "--kind", "premium", "--weekly-invite-cap", "60").exit_code == 0
    before = accounts(db)
    refused = cli("members", "connect", "ann@example.com", "--kind", "free")
    assert refused.exit_code == 1
    assert "weekly invitation cap (60)" in refused.output and "--weekly-invite-cap from 1 to 15" in refused.output
    assert accounts(db) == before
    assert cli("members", "connect", "ann@example.com", "--kind", "free", "--default-caps").exit_code == 0
    assert accounts(db)["ann@example.com"][2:] == ("free", "valid", None, None, None)
    both = cli("members", "connect", "ann@example.com", "--default-caps", "--daily-invite-cap", "2")
    assert both.exit_code == 1 and "not both" in both.output


def test_an_unknown_kind_is_refused_naming_the_option(cli, db):
    refused = cli("members", "connect", "ann@example.com", "--kind", "gold")
    assert refused.exit_code == 1 and "--kind must be one of premium, free, not 'gold'" in refused.output
    assert accounts(db) == {}


def test_workspace_create_run_again_changes_nothing(cli, db):
    again = cli("workspace", "create", "acme", "--timezone", "UTC", "--digest-hour", "9")
    assert again.exit_code == 1 and "already exists" in again.output and "nothing was changed" in again.output
    with Session(db) as s:
        assert [(w.name, w.timezone, w.digest_hour) for w in s.exec(select(Workspace))] == [("Acme", "Europe/Paris", 17)]


def test_members_add_run_again_adds_nobody(cli, db):
    assert cli("members", "add", "Carl Cox").exit_code == 0
    twice = cli("members", "add", "carl  cox", "--admin")
    assert twice.exit_code == 1 and "already exists" in twice.output and "--email" in twice.output
    same_email = cli("members", "add", "Ann Other", "--email", "ANN@example.com", "--admin")
    assert same_email.exit_code == 1 and "already exists" in same_email.output
    assert cli("members", "add", "Carl Cox", "--email", "carl2@example.com").exit_code == 0  # another Carl Cox
    with Session(db) as s:
        people = sorted((m.name, m.email or "", m.role) for m in s.exec(select(Member)))
    assert people == [("Ann Lee", "ann@example.com", "member"), ("Bob Roe", "bob@example.com", "member"),
                      ("Carl Cox", "", "member"), ("Carl Cox", "carl2@example.com", "member")]
