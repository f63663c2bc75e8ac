"""`invitebot contacts import`, `segments …`, `finders …` end to end, through typer's CliRunner."""

import json

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from entrypoints.cli import app
from core.sources.models import Contact, Finder, FinderMember, Segment


@pytest.fixture
def cli(db, database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "COLUMNS": "200"}

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], env=env)

    assert invoke("workspace", "create", "Acme").exit_code == 0
    assert invoke("members", "add", "Ann Lee", "--email", "ann@example.com").exit_code == 0
    assert invoke("members", "add", "Bob Roe", "--email", "bob@example.com").exit_code == 0
    return invoke


CSV = ("profile_url,first_name,headline\n"
       "https://fr.linkedin.com/in/jean-d/,Jean,Directeur commercial chez Acme\n"
       "not a url,X,Y\n"
       "https://www.linkedin.com/in/emma-w,Emma,Head of Sales at Acme\n")


def test_import_refuses_a_file_with_bad_rows_then_skips_them_on_request(cli, db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="utf-8")
    refused = cli("contacts", "import", path, "--segment", "Imported", "--owner", "ann@example.com")
    assert refused.exit_code == 1
    assert "3" in refused.output and "not a LinkedIn URL" in refused.output and "Nothing imported" in refused.output
    with Session(db) as s:
        assert s.exec(select(Contact)).all() == []
    done = cli("contacts", "import", path, "--segment", "Imported", "--owner", "ann@example.com", "--skip-bad-rows")
    assert done.exit_code == 0, done.output
    assert "2 contacts (2 new, 0 updated)" in done.output
    with Session(db) as s:
        assert {c.public_identifier: c.language for c in s.exec(select(Contact))} == {"jean-d": "fr", "emma-w": "en"}
    listed = cli("segments", "list")
    assert "Imported" in listed.output and "Ann Lee" in listed.output


def test_import_needs_an_owner_or_global(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("profile_url\nhttps://www.linkedin.com/in/abc\n", encoding="utf-8")
    result = cli("contacts", "import", path, "--segment", "S")
    assert result.exit_code == 1 and "--owner" in result.output
    assert cli("contacts", "import", path, "--segment", "S", "--global").exit_code == 0


def test_import_into_an_existing_segment_needs_no_owner_and_keeps_it(cli, db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("profile_url\nhttps://www.linkedin.com/in/abc\n", encoding="utf-8")
    assert cli("contacts", "import", path, "--segment", "Paris CTOs", "--owner", "Ann").exit_code == 0
    path.write_text("profile_url\nhttps://www.linkedin.com/in/xyz\n", encoding="utf-8")
    again = cli("contacts", "import", path, "--segment", "paris ctos")
    assert again.exit_code == 0, again.output
    with Session(db) as s:
        [segment] = s.exec(select(Segment)).all()
        assert segment.name == "Paris CTOs" and segment.owner_id is not None and not segment.is_global
        assert {c.public_identifier for c in s.exec(select(Contact))} == {"abc", "xyz"}


def test_segments_create_with_criteria_and_refusals(cli, db, tmp_path):
    ok = cli("segments", "create", "French CTOs", "--owner", "Ann Lee", "--dynamic",
             "--criteria", json.dumps({"language": ["fr"], "job_title": "cto"}))
    assert ok.exit_code == 0, ok.output
    criteria_file = tmp_path / "criteria.json"
    criteria_file.write_text(json.dumps({"replied": {"sentiment": ["positive"]}}), encoding="utf-8")
    assert cli("segments", "create", "Happy", "--global", "--criteria-file", criteria_file).exit_code == 0
    unknown = cli("segments", "create", "Bad", "--owner", "1", "--criteria", '{"colour": "red"}')
    assert unknown.exit_code == 1 and "unknown segment criterion 'colour'" in unknown.output
    broken = cli("segments", "create", "Bad", "--owner", "1", "--criteria", "{language")
    assert broken.exit_code == 1 and "not valid JSON" in broken.output
    listed = cli("segments", "list").output
    assert "French CTOs" in listed and "dynamic" in listed and "global" in listed
    with Session(db) as s:
        assert sorted(x.name for x in s.exec(select(Segment))) == ["French CTOs", "Happy"]


def test_finders_create_and_list(cli, db):
    created = cli("finders", "create", "CTOs in Paris", "--owner", "ann@example.com", "-m", "bob@example.com",
                  "--query", '{"keywords": "CTO", "location": "Paris"}')
    assert created.exit_code == 0, created.output
    listed = cli("finders", "list").output
    assert "CTOs in Paris" in listed and "Bob Roe" in listed and "keywords" in listed
    again = cli("finders", "create", "ctos in  paris", "--owner", "2")
    assert again.exit_code == 1 and "already exists" in again.output
    with Session(db) as s:
        finder = s.exec(select(Finder)).one()
        assert s.get(Segment, finder.segment_id).name == "CTOs in Paris"
        assert [m.member_id for m in s.exec(select(FinderMember))] == [2]


def test_import_refuses_a_language_it_does_not_write_in_naming_line_column_and_fix(cli, db, tmp_path):
    path = tmp_path / "langs.csv"
    path.write_text("profile_url,first_name,language\n"
                    "https://www.linkedin.com/in/ann-fr,Ann,FR\n"
                    "https://www.linkedin.com/in/bob-xx,Bob,xx\n"
                    "https://www.linkedin.com/in/eva-fr,Eva,fr-FR\n", encoding="utf-8")
    refused = cli("contacts", "import", path, "--segment", "Langs", "--owner", "ann@example.com")
    assert refused.exit_code == 1
    out = " ".join(refused.output.split())
    assert "│ 3 │ language: 'xx' is not a language campaigns are written in; use one of en, fr, de" in out  # line, column
    assert "leave it empty" in out and "Nothing imported: 1 bad row out of 3" in out
    with Session(db) as s:
        assert s.exec(select(Contact)).all() == []
    done = cli("contacts", "import", path, "--segment", "Langs", "--owner", "ann@example.com", "--skip-bad-rows")
    assert done.exit_code == 0, done.output
    with Session(db) as s:
        assert {c.public_identifier: c.language for c in s.exec(select(Contact))} == {"ann-fr": "fr", "eva-fr": "fr"}


def test_segment_criteria_languages_are_the_products_too(cli, db):
    refused = cli("segments", "create", "Aliens", "--owner", "Ann Lee", "--dynamic", "--criteria", '{"language": ["xx"]}')
    assert refused.exit_code == 1 and "'xx' is not a language campaigns are written in" in refused.output
    assert cli("segments", "create", "French", "--owner", "Ann Lee", "--dynamic",
               "--criteria", '{"language": ["fr-FR"]}').exit_code == 0
    with Session(db) as s:
        assert [(g.name, g.criteria) for g in s.exec(select(Segment))] == [("French", {"language": ["fr"]})]
