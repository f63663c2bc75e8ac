"""`invitebot db/workspace/members/demo` end to end on a real database, through typer's CliRunner."""

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
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_db_upgrade_migrates_a_fresh_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "is at revision head" in result.output
    from sqlalchemy import inspect

    from core.db import make_engine

    assert "contact" in inspect(make_engine(url)).get_table_names()


def test_a_sqlite_file_without_tables_is_migrated_by_the_command_itself(tmp_path, monkeypatch):
    """The embedded default: a first admin command on a fresh VAR_DIR works, as `serve` does."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["workspace", "create", "Acme"], env={"VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    from core.db import make_engine

    with Session(make_engine(f"sqlite:///{tmp_path / 'var' / 'invitebot.db'}")) as s:
        assert [w.name for w in s.exec(select(Workspace)).all()] == ["Acme"]


def test_postgresql_without_tables_says_what_to_run(database_url, tmp_path, monkeypatch):
    """A production database is migrated by the release step: a command on an empty one says so."""
    monkeypatch.chdir(tmp_path)
    if not database_url.startswith("postgresql"):
        # The suite runs on SQLite: stand a PostgreSQL-shaped check on the same rule, through the
        # command's own refusal of a schema-less database named by DATABASE_URL.
        from sqlalchemy import create_engine, text

        empty = f"sqlite:///{tmp_path / 'empty.db'}"
        with create_engine(empty).begin() as conn:
            conn.execute(text("CREATE TABLE unrelated (id INTEGER)"))
        monkeypatch.setattr("entrypoints.bootstrap.upgrade", lambda url: None)  # as on PostgreSQL: never migrated
        result = CliRunner().invoke(app, ["workspace", "create", "Acme"], env={"DATABASE_URL": empty})
    else:
        import uuid

        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"invitebot_empty_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            empty = make_url(database_url).set(database=name).render_as_string(hide_password=False)
            result = CliRunner().invoke(app, ["workspace", "create", "Acme"], env={"DATABASE_URL": empty})
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    assert result.exit_code == 1
    assert "invitebot db upgrade" in result.output


def test_workspace_and_members_lifecycle(cli, db):
    assert cli("workspace", "create", "Acme", "--timezone", "Europe/Paris", "--slack-team-id", "T1").exit_code == 0
    added = cli("members", "add", "Ann Lee", "--email", "Ann@Example.com", "--admin")
    assert added.exit_code == 0 and "Ann Lee added" in added.output
    assert cli("members", "add", "Bob Roe").exit_code == 0
    connected = cli("members", "connect", "ann@example.com", "--kind", "free", "--weekly-invite-cap", "12")
    assert connected.exit_code == 0, connected.output
    assert "5 invitations a day, 12 a week, 50 messages a day" in connected.output
    assert cli("members", "connect", "Bob Roe", "--provider", "unipile", "--account-id", "acc_42",
               "--kind", "premium").exit_code == 0
    listed = cli("members", "list")
    assert "Ann Lee" in listed.output and "sandbox free (valid)" in listed.output and "unipile premium" in listed.output
    assert cli("members", "deactivate", "bob roe").exit_code == 0
    assert "Bob Roe" not in cli("members", "list").output
    assert "Bob Roe" in cli("members", "list", "--all").output
    with Session(db) as s:
        ws = s.exec(select(Workspace)).one()
        assert (ws.timezone, ws.slack_team_id) == ("Europe/Paris", "T1")
        ann = s.exec(select(Member).where(Member.email == "ann@example.com")).one()
        account = s.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == ann.id)).one()
        assert (ann.role, account.kind, account.weekly_invite_cap) == ("admin", "free", 12)
        assert account.provider_account_id.endswith(":free")  # the sandbox reads free accounts from the id
        assert not s.exec(select(Member).where(Member.name == "Bob Roe")).one().active


def test_refusals_exit_1_with_a_clear_message_and_write_nothing(cli, db):
    assert "no workspace yet" in cli("members", "add", "Ann").output
    cli("workspace", "create", "Acme")
    cli("members", "add", "Ann", "--email", "ann@example.com")
    duplicate = cli("members", "add", "Ann Bis", "--email", "ann@example.com")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert cli("members", "connect", "Ann", "--provider", "unipile").exit_code == 1
    assert "not found" in cli("members", "deactivate", "nobody@example.com").output
    cli("workspace", "create", "Other")
    assert "several workspaces" in cli("members", "list").output
    assert cli("members", "list", "-w", "other").exit_code == 0
    with Session(db) as s:
        assert len(s.exec(select(Member)).all()) == 1


def test_demo_seed_twice(cli, db):
    first = cli("demo", "seed")
    assert first.exit_code == 0, first.output
    assert "4 members, 2 LinkedIn accounts, 2 finders, 4 segments, 300 contacts" in first.output
    assert cli("demo", "seed").exit_code == 0
    with Session(db) as s:
        assert len(s.exec(select(Workspace)).all()) == 1
    assert "Alice Martin" in cli("members", "list").output


def test_digest_hour_defaults_to_18_and_can_be_changed(cli, db):
    from sqlmodel import Session, select

    from core.workspace.models import Workspace

    created = cli("workspace", "create", "Acme")
    assert created.exit_code == 0 and "digest at 18:00" in created.output
    changed = cli("workspace", "digest-hour", "17")
    assert changed.exit_code == 0, changed.output
    refused = cli("workspace", "digest-hour", "24")
    assert refused.exit_code == 1 and "0 to 23" in refused.output
    with Session(db) as s:
        assert s.exec(select(Workspace.digest_hour)).one() == 17


def test_help_shows_flags_as_flags():
    """`--admin` and `--help` take no value: the help does not show them as `--admin <bool>`."""
    result = CliRunner().invoke(app, ["members", "add", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    lines = {line.split()[1]: line for line in result.output.splitlines() if line.strip().startswith("│ --")}
    assert "--admin" in lines and "--help" in lines
    assert "<bool>" not in result.output and "BOOLEAN" not in result.output
    assert "<str>" in lines["--email"] or "TEXT" in lines["--email"]  # an option with a value still says so


def test_a_member_is_found_by_a_unique_first_name_and_an_ambiguous_one_lists_the_candidates(cli, db):
    assert cli("workspace", "create", "Acme").exit_code == 0
    for name, email in (("Chloé Bézier", "chloe@example.com"), ("Chris Martin", "chris@example.com"),
                        ("Christine Lo", "christine@example.com")):
        assert cli("members", "add", name, "--email", email).exit_code == 0
    connected = cli("members", "connect", "Chloé", "--kind", "premium")
    assert connected.exit_code == 0, connected.output
    with Session(db) as s:
        chloe = s.exec(select(Member).where(Member.email == "chloe@example.com")).one()
        assert s.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == chloe.id)).first() is not None
    ambiguous = cli("members", "connect", "Chri", "--kind", "premium")
    assert ambiguous.exit_code == 1
    assert "Chris Martin" in ambiguous.output and "Christine Lo" in ambiguous.output
    assert "Chloé" not in ambiguous.output
    assert cli("members", "connect", "chr mar", "--kind", "free").exit_code == 0  # the start of each word
    unknown = cli("members", "connect", "Zoé", "--kind", "free")
    assert unknown.exit_code == 1 and "not found" in unknown.output
