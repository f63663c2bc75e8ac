"""Import contacts from a CSV file into a segment (docs/contacts.md).

The whole file is read and checked first: rows of one profile are merged, bad rows are
collected with their line number and reason, and a file holding any bad row imports nothing
unless `skip_bad_rows`. Then one transaction upserts the contacts in batches (existing
contacts get the file's non-empty values) and puts them in the segment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.campaigns.naming import name_key
from core.clock import Clock, SystemClock
from core.db import UnitOfWork
from core.i18n import t
from core.sources.bulk import Changes, upsert
from core.sources.contacts import (
    KNOWN_COLUMNS,
    MAX_COLUMN_NAME,
    MAX_CUSTOM_COLUMNS,
    ContactRow,
    clean_row,
    column_name,
)
from core.sources.language import detect_languages, profile_text
from core.sources.models import Contact, Segment, SegmentContact
from core.sources.segments import create_segment

BATCH = 1000
UPDATABLE = ("profile_url", "first_name", "last_name", "headline", "company", "job_title", "location", "language",
             "birth_year")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0                # data rows in the file
    contacts: int = 0            # distinct profiles among the good rows
    created: int = 0
    updated: int = 0
    merged_in_file: int = 0      # rows folded into an earlier row of the same profile
    languages_detected: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    segment_id: int | None = None
    imported: bool = False       # False: nothing was written

    def summary(self) -> str:
        if not self.imported:
            return f"Nothing imported: {len(self.bad_rows)} bad row(s) out of {self.rows}."
        return (f"{self.contacts} contacts ({self.created} new, {self.updated} updated) from {self.rows} rows; "
                f"{self.merged_in_file} duplicate rows merged, {len(self.bad_rows)} bad rows skipped, "
                f"{self.languages_detected} languages detected.")


@dataclass
class ParsedFile:
    rows: int = 0
    contacts: dict[str, ContactRow] = field(default_factory=dict)
    merged: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)


def read_contacts_file(path: str | Path, *, max_birth_year: int) -> ParsedFile:
    """Read and check a CSV file without touching the database."""
    parsed = ParsedFile()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.bad_rows.append(BadRow(1, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = next(reader, None)
    if not header:
        parsed.bad_rows.append(BadRow(1, "the file is empty: the first line must name the columns"))
        return parsed
    names = [column_name(h) for h in header]
    problem = _header_problem(names)
    if problem:
        parsed.bad_rows.append(BadRow(1, problem))
        return parsed
    line = reader.line_num
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.rows += 1
            parsed.bad_rows.append(BadRow(start, f"unreadable CSV ({exc})"))
            break
        line = reader.line_num
        if not any(v.strip() for v in record):
            continue
        parsed.rows += 1
        if len(record) != len(names):
            parsed.bad_rows.append(BadRow(start, f"{len(record)} values where the header names {len(names)} columns"))
            continue
        try:
            row = clean_row(dict(zip(names, record, strict=True)), max_birth_year=max_birth_year)
        except ValueError as exc:
            parsed.bad_rows.append(BadRow(start, str(exc)))
            continue
        earlier = parsed.contacts.get(row.public_identifier)
        if earlier is None:
            parsed.contacts[row.public_identifier] = row
        else:
            earlier.merge(row)
            parsed.merged += 1
    return parsed


def _dialect(text: str) -> type[csv.Dialect]:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header_problem(names: list[str]) -> str | None:
    if "profile_url" not in names:
        return f"no profile_url column (columns found: {', '.join(names)})"
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if not name:
            return f"column {number} has no name: name it, or delete the column"
        if name in seen:
            return f"two columns feed {name}: keep one"
        if len(name) > MAX_COLUMN_NAME:
            return f"column {number}'s name is {len(name)} characters long (at most {MAX_COLUMN_NAME}): shorten it"
        seen.add(name)
    custom = [n for n in names if n not in KNOWN_COLUMNS]
    if len(custom) > MAX_CUSTOM_COLUMNS:
        return (f"{len(custom)} columns are custom fields (at most {MAX_CUSTOM_COLUMNS}): keep the ones your "
                "messages use")
    return None


def import_contacts(*, uow: UnitOfWork, workspace_id: int, path: str | Path, segment_name: str,
                    owner_id: int | None = None, is_global: bool = False, skip_bad_rows: bool = False,
                    progress: Progress | None = None, clock: Clock | None = None) -> ImportReport:
    """Import a CSV file of contacts into the segment `segment_name` (created when missing).

    Returns the report; nothing is written when the file has bad rows and `skip_bad_rows` is
    off, or when no row is good. Raises ValueError for a segment that cannot be created."""
    now = (clock or SystemClock()).now()
    parsed = read_contacts_file(path, max_birth_year=now.year)
    report = ImportReport(rows=parsed.rows, contacts=len(parsed.contacts), merged_in_file=parsed.merged,
                          bad_rows=parsed.bad_rows)
    if (parsed.bad_rows and not skip_bad_rows) or not parsed.contacts:
        return report
    rows = list(parsed.contacts.values())
    detected = _fill_languages(rows)
    report.languages_detected = len(detected)
    try:
        with uow() as session:
            segment = session.execute(select(Segment).where(Segment.workspace_id == workspace_id,
                                                            Segment.name_key == name_key(segment_name))).scalar()
            if segment is None:
                segment = create_segment(session=session, workspace_id=workspace_id, name=segment_name,
                                         owner_id=owner_id, is_global=is_global)
            before = _count(session, workspace_id)
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                ids: list[int] = []
                for guessed in (False, True):
                    values = [_values(workspace_id, r, now) for r in batch if (id(r) in detected) == guessed]
                    ids += upsert(session, Contact.__table__, values, conflict=("workspace_id", "public_identifier"),
                                  changes=_changes(keep_known_language=guessed), returning=Contact.__table__.c.id)
                upsert(session, SegmentContact.__table__,
                       [{"segment_id": segment.id, "contact_id": cid, "added_at": now} for cid in ids],
                       conflict=("segment_id", "contact_id"))
                if progress:
                    progress(start + len(batch), len(rows))
            report.created = _count(session, workspace_id) - before
            report.updated = len(rows) - report.created
            report.segment_id = segment.id
    except IntegrityError as exc:
        # Another contact of the workspace already holds one of these canonical URLs under a
        # different identifier (written by something other than this import): nothing is kept.
        raise ValueError(t("contacts.url_of_another", error=exc.orig.__class__.__name__)) from None
    report.imported = True
    return report


def _fill_languages(rows: list[ContactRow]) -> set[int]:
    """Detect the language of the rows that have none, from their headline and job title;
    returns the `id()` of the rows whose language was guessed."""
    texts = {id(r): profile_text(r.headline, r.job_title) for r in rows if not r.language}
    found = detect_languages(t for t in texts.values() if t)
    detected: set[int] = set()
    for row in rows:
        text = texts.get(id(row))
        if text and found.get(text):
            row.language = found[text]
            detected.add(id(row))
    return detected


def _count(session: Session, workspace_id: int) -> int:
    count: int = session.execute(select(func.count()).select_from(Contact)
                                 .where(Contact.workspace_id == workspace_id)).scalar_one()
    return count


def _values(workspace_id: int, row: ContactRow, now: datetime) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in UPDATABLE}
    values.update(workspace_id=workspace_id, public_identifier=row.public_identifier,
                  custom_fields=row.custom_fields, created_at=now)
    return values


def _changes(*, keep_known_language: bool) -> Changes:
    """The SET clause of a contact met again: the file's non-empty values win, custom fields
    are merged, and a guessed language (`keep_known_language`) never replaces a known one."""
    table = Contact.__table__

    def changes(new: Any, dialect: str) -> dict[str, Any]:
        values: dict[str, Any] = {name: func.coalesce(new[name], table.c[name]) for name in UPDATABLE}
        if keep_known_language:
            values["language"] = func.coalesce(table.c.language, new.language)
        if dialect == "postgresql":
            merged = table.c.custom_fields.cast(JSONB).op("||")(new.custom_fields.cast(JSONB))
            values["custom_fields"] = merged.cast(JSON)
        else:
            values["custom_fields"] = func.json_patch(table.c.custom_fields, new.custom_fields)
        return values

    return changes


__all__ = ["BadRow", "ImportReport", "KNOWN_COLUMNS", "import_contacts", "read_contacts_file"]
