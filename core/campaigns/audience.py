"""Checks of the messages against every contact of the chosen source (P-11, P-15, invariant 5).

Contacts are grouped by the distinct values of the tokens the templates use, so the check
costs one query and one render per distinct combination, not per contact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import Subquery, func, or_, select
from sqlmodel import Session

from core.campaigns.drafts import CampaignDraft, followup_field, invitation_field, welcome_field
from core.campaigns.templates import CONTACT_TOKENS, context_for, render, tokens_in
from core.errors import FieldError
from core.i18n import t, tn
from core.sources.segments import source_contacts

EXAMPLES = 3


@dataclass
class AudienceReport:
    contacts: int = 0
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)


def message_language(contact_language: str | None, languages: list[str], default: str) -> str:
    """The contact's language when the campaign has it, else the campaign default."""
    return contact_language if contact_language in languages else default


def check_against_source(*, session: Session, workspace_id: int, draft: CampaignDraft, sender_name: str,
                         note_limit: int, public_url: str) -> AudienceReport:
    if draft.source_kind is None or draft.source_id is None:
        raise ValueError("the draft names no source to check against")
    report = AudienceReport()
    languages = list(draft.languages)
    default = draft.default_language or languages[0]
    contacts = source_contacts(session=session, workspace_id=workspace_id, kind=draft.source_kind,
                               source_id=draft.source_id, sender_id=draft.sender_id).subquery()
    texts = [t for t in draft.invitation.values() if t]
    texts += [t for t in draft.welcome.values() if t]
    texts += [t for f in draft.followups for t in f.texts.values() if t]
    used = tokens_in(texts)
    attrs = sorted({CONTACT_TOKENS[t] if t != "fullName" else "first_name" for t in used if t in CONTACT_TOKENS}
                   | ({"last_name"} if "fullName" in used else set()))
    with_custom = any(t.startswith("custom.") for t in used)
    columns = [contacts.c.language] + [contacts.c[a] for a in attrs]
    known_fields: set[str] = set()  # the custom fields at least one contact of the source has
    if with_custom:
        # Custom fields live in a JSON column, which PostgreSQL cannot group by: one row each.
        rows = session.execute(select(*columns, contacts.c.custom_fields)).all()
        groups = [(row[: len(columns)], row[-1], 1) for row in rows]
        for row in rows:
            if isinstance(row[-1], dict):
                known_fields.update(row[-1])
    else:
        rows = session.execute(select(*columns, func.count()).group_by(*columns)).all()
        groups = [(row[: len(columns)], None, row[-1]) for row in rows]
    report.contacts = sum(g[2] for g in groups)
    if report.contacts == 0:
        report.warnings.append(FieldError("source", t("audience.empty")))
        return report

    over = 0
    longest: tuple[int, dict] | None = None
    missing: dict[tuple[str, str], int] = {}
    for values, custom, count in groups:
        attrs_of = dict(zip(["language", *attrs], values, strict=True))
        contact = SimpleNamespace(**{a: attrs_of.get(a) for a in CONTACT_TOKENS.values()}, custom_fields=custom or {})
        if contact.full_name is None:
            names = (attrs_of.get("first_name"), attrs_of.get("last_name"))
            contact.full_name = " ".join(p for p in names if p) or None
        ctx = context_for(contact, sender_name)
        lang = message_language(attrs_of["language"], languages, default)
        for field_id, source in _messages_for(draft, lang):
            rendered = render(source, ctx, public_url=public_url)
            for token in rendered.missing:
                missing[(field_id, token)] = missing.get((field_id, token), 0) + count
            if field_id == invitation_field(lang):
                if rendered.length > note_limit:
                    over += count
                if longest is None or rendered.length > longest[0]:
                    longest = (rendered.length, attrs_of)

    if over and longest is not None:
        example = _example_name(session, contacts, longest[1])
        report.errors.append(FieldError(
            invitation_field(message_language(longest[1]["language"], languages, default)),
            t("audience.over_limit", over=over, total=report.contacts, limit=note_limit, longest=longest[0],
              example=example)))
    for (field_id, token), count in sorted(missing.items()):
        if token.startswith("custom.") and token.removeprefix("custom.") not in known_fields:
            report.errors.append(FieldError(field_id, _unknown_field(token, known_fields)))
            continue
        examples = _examples_missing(session, contacts, token)
        fallback = "{{" + token + "|default('…')}}"
        if examples:
            warning = tn("audience.missing_examples", count, token=token, fallback=fallback,
                         examples=", ".join(examples))
        else:
            warning = tn("audience.missing", count, token=token, fallback=fallback)
        report.warnings.append(FieldError(field_id, warning))
    return report


def _unknown_field(token: str, known: set[str]) -> str:
    """No contact of the source has this custom field: a misspelt column, and every contact would be skipped."""
    name = token.removeprefix("custom.")
    has = t("audience.fields_known", fields=", ".join(sorted(known)[:10])) if known else t("audience.no_fields")
    return t("audience.unknown_field", name=name, token="{{" + token + "}}", has=has,
             fallback="{{" + token + "|default('…')}}")


def _messages_for(draft: CampaignDraft, lang: str) -> Iterator[tuple[str, str]]:
    if draft.invitation.get(lang):
        yield invitation_field(lang), draft.invitation[lang]
    if draft.welcome.get(lang):
        yield welcome_field(lang), draft.welcome[lang]
    for n, f in enumerate(draft.followups, start=1):
        if f.texts.get(lang):
            yield followup_field(n, lang), f.texts[lang]


def _display(first: str | None, last: str | None, public_identifier: str) -> str:
    name = " ".join(p for p in (first, last) if p)
    return name or public_identifier


def _example_name(session: Session, contacts: Subquery, attrs: dict) -> str:
    conditions = [contacts.c[a] == v if v is not None else contacts.c[a].is_(None) for a, v in attrs.items()]
    row = session.execute(
        select(contacts.c.first_name, contacts.c.last_name, contacts.c.public_identifier).where(*conditions).limit(1)
    ).first()
    return _display(*row) if row else "one contact"


def _examples_missing(session: Session, contacts: Subquery, token: str) -> list[str]:
    if token.startswith("custom."):
        return []
    if token == "fullName":
        attrs = ["first_name", "last_name"]
    elif token in CONTACT_TOKENS:
        attrs = [CONTACT_TOKENS[token]]
    else:
        return []
    cond = [or_(contacts.c[a].is_(None), contacts.c[a] == "") for a in attrs]
    rows = session.execute(
        select(contacts.c.first_name, contacts.c.last_name, contacts.c.public_identifier).where(*cond).limit(EXAMPLES)
    ).all()
    return [_display(*r) for r in rows]
