"""`invitebot campaigns export` and `campaigns results` on a real database, through typer's CliRunner."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from typer.testing import CliRunner

from core.db import UnitOfWork
from core.i18n import speaking
from entrypoints.cli import app
from tests import factories as f
from tests.e2e.results import add_results

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def cli(db, database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "COLUMNS": "200"}
    with UnitOfWork(db)() as s:
        ws = f.workspace(s, name="Acme")
        sam, _ = f.sender(s, ws)
        people = f.contacts(s, ws, 4)
        campaign = f.campaign(s, ws, sam, f.segment(s, ws, people, owner=sam))
        name = campaign.name
    add_results(db, campaign.id, NOW)

    def invoke(*args, language: str = "en"):
        with speaking(language):  # as `invitebot` (entrypoints.cli.main) sets it from INVITEBOT_LANGUAGE or LANG
            return runner.invoke(app, [str(a) for a in args], env=env)

    return invoke, name


def test_export_writes_every_contact_to_stdout_or_a_file(cli, tmp_path):
    invoke, name = cli
    result = invoke("campaigns", "export", name)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and rows[0]["state"] == "replied" and rows[0]["invited_at"]
    result = invoke("campaigns", "export", name, "--output", tmp_path)
    assert result.exit_code == 0, result.output
    [written] = list(tmp_path.glob("*-contacts-*.csv"))
    assert len(written.read_text().splitlines()) == 5 and "4 contacts" in result.output


def test_an_unknown_campaign_is_one_clear_error(cli):
    invoke, _ = cli
    result = invoke("campaigns", "export", "No such thing")
    assert result.exit_code == 1 and "no campaign named 'No such thing'" in result.output


def test_results_print_the_funnel_and_write_the_charts(cli, tmp_path):
    invoke, name = cli
    result = invoke("campaigns", "results", name, "--charts", tmp_path / "charts")
    assert result.exit_code == 0, result.output
    assert "4 invited" in result.output and "Accepted" in result.output and "(75%)" in result.output
    pngs = sorted((tmp_path / "charts").glob("*.png"))
    assert [p.name.rsplit("-", 1)[1] for p in pngs] == ["funnel.png", "weekly.png"]
    assert all(Image.open(p).format == "PNG" for p in pngs)
    workspace = invoke("campaigns", "results")
    assert workspace.exit_code == 0 and name in workspace.output


def test_results_and_errors_in_the_command_lines_language(cli):
    invoke, name = cli
    result = invoke("campaigns", "results", name, language="fr")
    assert result.exit_code == 0, result.output
    assert "4 invitations" in result.output and "Acceptations" in result.output and "(75\u00a0%)" in result.output
    result = invoke("campaigns", "export", "No such thing", language="fr")
    assert result.exit_code == 1 and "aucune campagne ne s'appelle «\u00a0No such thing\u00a0»" in result.output
