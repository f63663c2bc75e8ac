"""Contacts as the import reads them: LinkedIn profile URLs and one cleaned row per CSV line.

A profile is known by its public identifier (the slug after `/in/`): every spelling of a
profile URL (scheme, `www.` or a country subdomain, trailing slash, query, fragment, a locale
suffix like `/en`, percent-encoding, letter case) maps to one identifier and one canonical URL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from core.i18n import t
from core.languages import language_code

CANONICAL_PREFIX = "https://www.linkedin.com/in/"
# LinkedIn slugs: 3–100 letters (any script), digits, hyphens; older ones also hold underscores.
_SLUG_RE = re.compile(r"^[\w-]{3,100}$")
_HOST_RE = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.)?linkedin\.com$")

# Columns the import knows, with the spellings commonly found in exports.
KNOWN_COLUMNS = ("profile_url", "first_name", "last_name", "headline", "company", "job_title", "location",
                 "language", "birth_year")
ALIASES = {
    "linkedin_url": "profile_url", "linked_in_url": "profile_url", "linkedin": "profile_url", "url": "profile_url",
    "profile": "profile_url",
    "linkedin_profile_url": "profile_url", "firstname": "first_name", "lastname": "last_name",
    "given_name": "first_name", "family_name": "last_name", "company_name": "company", "organization": "company",
    "title": "job_title", "jobtitle": "job_title", "position": "job_title", "lang": "language",
    # French headers (read without their accents): Prénom, Nom, Entreprise, URL LinkedIn, …
    "prenom": "first_name", "nom": "last_name", "nom_de_famille": "last_name", "entreprise": "company",
    "societe": "company", "organisation": "company", "url_linkedin": "profile_url", "lien_linkedin": "profile_url",
    "profil_linkedin": "profile_url", "url_linked_in": "profile_url", "lien_linked_in": "profile_url",
    "profil_linked_in": "profile_url", "url_du_profil": "profile_url", "profil": "profile_url",
    "poste": "job_title", "fonction": "job_title", "titre": "job_title", "intitule_du_poste": "job_title",
    "titre_du_profil": "headline", "accroche": "headline", "localisation": "location", "lieu": "location",
    "ville": "location", "langue": "language", "annee_de_naissance": "birth_year",
}
# Lengths of the contact table (core/sources/models.py): longer values are refused, never cut.
MAX_LENGTHS = {"first_name": 120, "last_name": 120, "headline": 400, "company": 200, "job_title": 200,
               "location": 200}
# A custom field (a column the import does not know) is text a message may quote: bounded too.
MAX_CUSTOM_LENGTH = 1000
MAX_CUSTOM_COLUMNS = 100
MAX_COLUMN_NAME = 64
# Control characters other than tab and line breaks: PostgreSQL refuses NUL, and none belongs in a name.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_profile_url(url: str) -> tuple[str, str]:
    """`(public_identifier, canonical_url)` of a LinkedIn profile URL.

    Raises ValueError when the URL is not a LinkedIn profile (another site, a company page,
    a search, a malformed slug)."""
    raw = (url or "").strip()
    if not raw:
        raise ValueError(t("contacts.url_empty"))
    if "://" not in raw:
        raw = "https://" + raw.lstrip("/")
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not _HOST_RE.match(host):
        raise ValueError(t("contacts.not_linkedin", url=_short(url)))
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise ValueError(t("contacts.not_profile", url=_short(url)))
    slug = unquote(segments[1]).strip().lower()
    if not _SLUG_RE.match(slug):
        raise ValueError(t("contacts.bad_profile_name", url=_short(url)))
    return slug, CANONICAL_PREFIX + quote(slug, safe="-_")


def _short(text: str, limit: int = 80) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_name(header: str) -> str:
    """The field a CSV header feeds: `First Name`, `first-name`, `firstName` and `Prénom` all feed `first_name`."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header.strip())
    name = re.sub(r"[\s\-.']+", "_", name).strip("_").lower()
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return ALIASES.get(name) or ALIASES.get(plain) or (plain if plain in KNOWN_COLUMNS else name)


@dataclass
class ContactRow:
    """One contact as read from a file, cleaned; None means "no value given"."""

    public_identifier: str
    profile_url: str
    first_name: str | None = None
    last_name: str | None = None
    headline: str | None = None
    company: str | None = None
    job_title: str | None = None
    location: str | None = None
    language: str | None = None
    birth_year: int | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)

    def merge(self, later: ContactRow) -> None:
        """Fold a later row of the same profile in: its non-empty values win."""
        for name in ("first_name", "last_name", "headline", "company", "job_title", "location", "language",
                     "birth_year"):
            value = getattr(later, name)
            if value is not None:
                setattr(self, name, value)
        self.custom_fields.update(later.custom_fields)


def clean_row(values: dict[str, str | None], *, max_birth_year: int) -> ContactRow:
    """A `ContactRow` from one CSV record (already keyed by field name); ValueError says why not,
    starting with the column at fault and ending with the fix."""
    for name, value in values.items():
        bad = _CONTROL_RE.search(value or "")
        if bad:
            raise ValueError(t("contacts.control_character", column=name, code=f"U+{ord(bad.group(0)):04X}"))
    try:
        identifier, canonical = normalise_profile_url(values.get("profile_url") or "")
    except ValueError as exc:
        raise ValueError(t("contacts.column_problem", column="profile_url", problem=exc)) from None
    row = ContactRow(public_identifier=identifier, profile_url=canonical)
    for name, limit in MAX_LENGTHS.items():
        value = " ".join((values.get(name) or "").split())
        if len(value) > limit:
            raise ValueError(t("contacts.too_long", column=name, length=len(value), max=limit))
        setattr(row, name, value or None)
    language = (values.get("language") or "").strip()
    if language:
        try:
            row.language = language_code(language)
        except ValueError as exc:
            raise ValueError(t("contacts.bad_language", problem=exc)) from None
    birth_year = (values.get("birth_year") or "").strip()
    if birth_year:
        if not birth_year.isdigit() or not 1900 <= int(birth_year) <= max_birth_year:
            raise ValueError(t("contacts.bad_birth_year", value=_short(birth_year, 20), max=str(max_birth_year)))
        row.birth_year = int(birth_year)
    for name, value in values.items():
        if name not in KNOWN_COLUMNS and value is not None and value.strip():
            if len(value.strip()) > MAX_CUSTOM_LENGTH:
                raise ValueError(t("contacts.too_long", column=name, length=len(value.strip()),
                                   max=MAX_CUSTOM_LENGTH))
            row.custom_fields[name] = value.strip()
    return row
