"""Importing a CSV of contacts: all or nothing, merged duplicates, detected languages (docs/contacts.md)."""

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from core.db import UnitOfWork
from core.clock import FrozenClock
from core.sources.importer import BadRow, import_contacts
from core.sources.models import Contact, Segment, SegmentContact
from core.workspace.service import add_member, create_workspace

CLOCK = FrozenClock(datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc))


@pytest.fixture
def ws(db):
    with Session(db) as s:
        ws = create_workspace(session=s, name="Acme")
        owner = add_member(session=s, workspace_id=ws.id, name="Olivia")
        s.commit()
        return {"id": ws.id, "owner": owner.id}


def write(tmp_path, text, name="contacts.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(db, ws, path, **kw):
    kw.setdefault("segment_name", "Imported")
    return import_contacts(uow=UnitOfWork(db), workspace_id=ws["id"], path=path, owner_id=ws["owner"], clock=CLOCK, **kw)


def contacts(db):
    with Session(db) as s:
        return {c.public_identifier: c for c in s.exec(select(Contact))}


GOOD_AND_BAD = (
    "profile_url,first_name,last_name,company,birth_year\n"
    "https://www.linkedin.com/in/ann-lee,Ann,Lee,Acme,1980\n"
    "https://example.com/in/bob,Bob,Roe,Globex,\n"
    "https://fr.linkedin.com/in/carl-z/,Carl,Z,,19x0\n"
    "https://de.linkedin.com/in/dora,Dora,Ng,Initech,\n"
    ",Eve,Empty,,\n"
)


def test_a_file_with_bad_rows_imports_nothing_and_says_why(db, ws, tmp_path):
    report = run(db, ws, write(tmp_path, GOOD_AND_BAD))
    assert not report.imported
    assert report.rows == 5
    assert [b.line for b in report.bad_rows] == [3, 4, 6]
    assert "not a LinkedIn URL" in report.bad_rows[0].reason
    assert "birth_year: '19x0' is not a year" in report.bad_rows[1].reason
    assert "empty" in report.bad_rows[2].reason
    assert contacts(db) == {}
    with Session(db) as s:
        assert s.exec(select(Segment)).all() == []


def test_skip_bad_rows_imports_the_good_ones(db, ws, tmp_path):
    report = run(db, ws, write(tmp_path, GOOD_AND_BAD), skip_bad_rows=True)
    assert report.imported and (report.created, report.updated) == (2, 0)
    assert len(report.bad_rows) == 3
    got = contacts(db)
    assert sorted(got) == ["ann-lee", "dora"]
    assert got["ann-lee"].birth_year == 1980 and got["ann-lee"].profile_url == "https://www.linkedin.com/in/ann-lee"
    with Session(db) as s:
        segment = s.exec(select(Segment)).one()
        assert (segment.name, segment.owner_id, segment.id) == ("Imported", ws["owner"], report.segment_id)
        assert s.exec(select(SegmentContact)).all().__len__() == 2


def test_duplicates_in_the_file_and_with_existing_contacts_are_merged(db, ws, tmp_path):
    first = write(tmp_path, "profile_url,first_name,company,job_title,Team\n"
                            "https://www.linkedin.com/in/ann-lee,Ann,Acme,CTO,Blue\n"
                            "https://www.linkedin.com/in/bo-roe,Bo,Globex,,\n", "first.csv")
    assert run(db, ws, first).created == 2
    second = write(tmp_path, "profile_url,first_name,company,location,Team,Tier\n"
                             "http://linkedin.com/in/ANN-LEE/?trk=1,Annie,,Paris,,gold\n"
                             "https://fr.linkedin.com/in/ann-lee/en,,Acme Corp,,,\n"
                             "https://www.linkedin.com/in/new-one,New,,,,\n", "second.csv")
    report = run(db, ws, second, segment_name="Second")
    assert (report.rows, report.contacts, report.merged_in_file) == (3, 2, 1)
    assert (report.created, report.updated) == (1, 1)
    ann = contacts(db)["ann-lee"]
    # non-empty values of the file win; empty ones keep what was known
    assert (ann.first_name, ann.company, ann.job_title, ann.location) == ("Annie", "Acme Corp", "CTO", "Paris")
    assert ann.custom_fields == {"team": "Blue", "tier": "gold"}
    assert len(contacts(db)) == 3


def test_language_is_detected_when_the_column_is_empty_and_never_replaces_a_known_one(db, ws, tmp_path):
    path = write(tmp_path, "profile_url,headline,job_title,language\n"
                           "https://www.linkedin.com/in/fr-one,Directeur commercial chez Acme,,\n"
                           "https://www.linkedin.com/in/de-one,,Leiter Vertrieb und Geschäftsführer,\n"
                           "https://www.linkedin.com/in/given,Head of Sales at Acme,,es\n"
                           "https://www.linkedin.com/in/short,CTO,,\n")
    report = run(db, ws, path)
    got = contacts(db)
    assert {k: c.language for k, c in got.items()} == {"fr-one": "fr", "de-one": "de", "given": "es", "short": None}
    assert report.languages_detected == 2
    again = write(tmp_path, "profile_url,headline\nhttps://www.linkedin.com/in/given,Head of Sales at Acme\n", "again.csv")
    run(db, ws, again)
    assert contacts(db)["given"].language == "es"


def test_headers_in_other_spellings_and_semicolons(db, ws, tmp_path):
    path = write(tmp_path, "LinkedIn URL;First Name;Last Name;Job Title;Language\n"
                           "linkedin.com/in/jose;José;García López;Jefe de ventas;ES-es\n")
    report = run(db, ws, path)
    jose = contacts(db)["jose"]
    assert report.imported
    assert (jose.first_name, jose.last_name, jose.job_title, jose.language) == ("José", "García López", "Jefe de ventas", "es")


@pytest.mark.parametrize("text, line, reason", [
    ("first_name,last_name\nAnn,Lee\n", 1, "no profile_url column"),
    ("", 1, "empty"),
    ("profile_url,url\nhttps://www.linkedin.com/in/abc,x\n", 1, "two columns feed profile_url"),
    ("profile_url,first_name\nhttps://www.linkedin.com/in/abc,Ann,extra\n", 2, "3 values where the header names 2"),
    ("profile_url,language\nhttps://www.linkedin.com/in/abc,klingon\n", 2, "language: 'klingon' is not a language"),
    ("profile_url,first_name\nhttps://www.linkedin.com/in/abc," + "x" * 121 + "\n", 2, "first_name: too long"),
    ("profile_url,birth_year\nhttps://www.linkedin.com/in/abc,2030\n", 2, "between 1900 and 2026"),
])
def test_file_and_row_problems_are_reported_with_their_line(db, ws, tmp_path, text, line, reason):
    report = run(db, ws, write(tmp_path, text))
    assert not report.imported
    assert report.bad_rows[0].line == line and reason in report.bad_rows[0].reason
    assert contacts(db) == {}


def test_line_numbers_follow_multi_line_quoted_values(db, ws, tmp_path):
    path = write(tmp_path, 'profile_url,headline\n'
                           'https://www.linkedin.com/in/abc,"two\nlines"\n'
                           '\n'
                           'https://nope.example/in/x,bad\n')
    report = run(db, ws, path)
    assert report.bad_rows == [BadRow(5, "profile_url: 'https://nope.example/in/x' is not a LinkedIn URL")]


def test_a_non_utf8_file_is_refused(db, ws, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("profile_url,first_name\nhttps://www.linkedin.com/in/abc,Hélène\n".encode("latin-1"))
    report = run(db, ws, path)
    assert not report.imported and "not UTF-8" in report.bad_rows[0].reason


def test_progress_is_reported_per_batch_and_reimport_reuses_the_segment(db, ws, tmp_path):
    lines = "".join(f"https://www.linkedin.com/in/person-{i:04d},P{i}\n" for i in range(2500))
    path = write(tmp_path, "profile_url,first_name\n" + lines)
    seen = []
    report = run(db, ws, path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    again = run(db, ws, path, segment_name="  imported ")
    assert again.segment_id == report.segment_id and (again.created, again.updated) == (0, 2500)
    with Session(db) as s:
        assert len(s.exec(select(SegmentContact)).all()) == 2500


def test_a_url_held_by_another_contact_refuses_the_whole_import(db, ws, tmp_path):
    with Session(db) as s:
        s.add(Contact(workspace_id=ws["id"], public_identifier="legacy-id",
                      profile_url="https://www.linkedin.com/in/jean-dupont"))
        s.commit()
    path = write(tmp_path, "profile_url\nhttps://www.linkedin.com/in/someone-else\nhttps://fr.linkedin.com/in/jean-dupont\n")
    with pytest.raises(ValueError, match="belongs to another contact"):
        run(db, ws, path)
    assert sorted(contacts(db)) == ["legacy-id"]
    with Session(db) as s:
        assert s.exec(select(Segment)).all() == []


# -- Every column is validated like the others (the language column stored `xx` as is) -------

@pytest.mark.parametrize("cell", ["xx", "XX", "zz-ZZ", "english please", "e", "123", "fr-", "-fr", "🇫🇷", "hu"])
def test_a_language_the_product_does_not_write_in_is_a_row_error_naming_line_column_and_fix(db, ws, tmp_path, cell):
    path = write(tmp_path, "profile_url,first_name,language\n"
                           "https://www.linkedin.com/in/good-one,Ann,fr\n"
                           f"https://www.linkedin.com/in/bad-one,Bob,{cell}\n")
    report = run(db, ws, path)
    assert not report.imported and [b.line for b in report.bad_rows] == [3]
    reason = report.bad_rows[0].reason
    assert reason.startswith(f"language: '{cell}' is not a language campaigns are written in")
    assert "en, fr, de" in reason and "leave it empty" in reason
    assert contacts(db) == {}
    skipped = run(db, ws, path, skip_bad_rows=True)
    assert skipped.imported and {k: c.language for k, c in contacts(db).items()} == {"good-one": "fr"}


@pytest.mark.parametrize("cell, code", [("FR", "fr"), ("fr-FR", "fr"), ("fr_CA", "fr"), (" De ", "de"),
                                        ("pt-BR", "pt"), ("zh-Hant-TW", "zh"), ("French", "fr"), ("nb", "no")])
def test_case_region_and_name_variants_are_read_as_the_products_code(db, ws, tmp_path, cell, code):
    report = run(db, ws, write(tmp_path, f"profile_url,language\nhttps://www.linkedin.com/in/abc,{cell}\n"))
    assert report.imported, report.bad_rows
    assert contacts(db)["abc"].language == code


@pytest.mark.parametrize("text, reason", [
    ("profile_url,notes\nhttps://www.linkedin.com/in/abc," + "n" * 1001 + "\n", "notes: too long (1,001 characters, at most 1,000)"),
    ("profile_url,first_name\nhttps://www.linkedin.com/in/abc,A\x00nn\n", "first_name: holds the control character U+0000"),
    ("profile_url,notes\nhttps://www.linkedin.com/in/abc,bell\x07\n", "notes: holds the control character U+0007"),
    ("profile_url,birth_year\nhttps://www.linkedin.com/in/abc,1899\n", "birth_year: '1899' is not a year between 1900"),
    ("profile_url,birth_year\nhttps://www.linkedin.com/in/abc,-1980\n", "birth_year: '-1980' is not a year"),
    ("profile_url\nhttps://www.linkedin.com/company/acme\n", "profile_url: "),
    ("profile_url\nhttps://www.linkedin.com/in/" + "a" * 101 + "\n", "profile_url: "),
])
def test_other_columns_out_of_their_range_are_row_errors_naming_the_column(db, ws, tmp_path, text, reason):
    report = run(db, ws, write(tmp_path, text))
    assert not report.imported and report.bad_rows[0].line == 2 and reason in report.bad_rows[0].reason
    assert contacts(db) == {}


def test_headers_out_of_bounds_are_refused_before_any_row(db, ws, tmp_path):
    long_name = run(db, ws, write(tmp_path, "profile_url," + "c" * 65 + "\nhttps://www.linkedin.com/in/abc,x\n"))
    assert long_name.bad_rows[0].line == 1 and "column 2's name is 65 characters long (at most 64)" in long_name.bad_rows[0].reason
    many = ",".join(f"c{i}" for i in range(101))
    wide = run(db, ws, write(tmp_path, f"profile_url,{many}\nhttps://www.linkedin.com/in/abc{',x' * 101}\n"))
    assert "101 columns are custom fields (at most 100)" in wide.bad_rows[0].reason
    assert contacts(db) == {}
