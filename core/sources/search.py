"""What a finder searches, checked before it is stored: a pasted LinkedIn or Sales Navigator people
search URL, or keywords with structured filters (P-8a). Pure functions, no I/O.

A finder's query is stored as a small JSON object, one of:
- `{"url": "<canonical search URL>"}` — the URL's own filters are used (its `api` says which product);
- `{"keywords": "...", "title": "...", "company": [...], "location": [...], "industry": [...]}` — names
  of companies, locations and industries are resolved to LinkedIn ids through the provider when
  the finder first runs (`core.sources.finder_runs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.i18n import t
from core.sources import finder_texts as texts


class SearchApi(StrEnum):
    CLASSIC = "classic"
    SALES_NAVIGATOR = "sales_navigator"


# The most results each product shows for one search (LinkedIn's own ceilings): a finder's default cap.
RESULT_CEILING = {SearchApi.CLASSIC: 1000, SearchApi.SALES_NAVIGATOR: 2500}
# Filters whose names the provider resolves to LinkedIn ids, with the provider's parameter type.
RESOLVED_FILTERS = {"company": "COMPANY", "location": "LOCATION", "industry": "INDUSTRY"}
MAX_KEYWORDS = 200
MAX_FILTER_NAMES = 10
MAX_FILTER_NAME = 100
MAX_URL = 2000
_LINKEDIN_HOSTS = ("linkedin.com", "www.linkedin.com")


class SearchInputError(ValueError):
    """Bad search input: `field` names the form field at fault, the message says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FinderSearch:
    """A checked finder search. `url` set: a pasted search; otherwise keywords and filter names."""

    api: SearchApi
    url: str | None = None
    keywords: str | None = None
    title: str | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # company/location/industry → names

    def to_query(self) -> dict[str, Any]:
        if self.url:
            return {"url": self.url}
        query: dict[str, Any] = {}
        if self.keywords:
            query["keywords"] = self.keywords
        if self.title:
            query["title"] = self.title
        query.update({name: list(values) for name, values in self.filters.items() if values})
        return query

    @property
    def default_cap(self) -> int:
        return RESULT_CEILING[self.api]


def parse_search_url(url: str) -> tuple[SearchApi, str]:
    """`(api, canonical_url)` of a LinkedIn people search URL (classic or Sales Navigator).

    SearchInputError (field `url`) for anything else: another site, a profile, a search of
    companies, posts or jobs, a Sales Navigator list or a Recruiter project."""
    raw = " ".join((url or "").split())
    if not raw:
        raise SearchInputError("url", t(texts.URL_EMPTY))
    if len(raw) > MAX_URL:
        raise SearchInputError("url", t(texts.URL_TOO_LONG, limit=MAX_URL))
    if "://" not in raw:
        raw = "https://" + raw.lstrip("/")
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not (host in _LINKEDIN_HOSTS or host.endswith(".linkedin.com")):
        raise SearchInputError("url", t(texts.URL_NOT_LINKEDIN))
    path = "/" + "/".join(s for s in parts.path.split("/") if s)
    lowered = path.lower()
    if lowered == "/search/results/people":
        api = SearchApi.CLASSIC
    elif lowered in ("/sales/search/people", "/sales/search/people/list"):
        api = SearchApi.SALES_NAVIGATOR
    elif lowered.startswith("/search/results/") or lowered.startswith("/sales/search/"):
        raise SearchInputError("url", t(texts.URL_NOT_PEOPLE, kind=lowered.rsplit("/", 1)[-1]))
    elif lowered.startswith("/in/"):
        raise SearchInputError("url", t(texts.URL_IS_PROFILE))
    else:
        raise SearchInputError("url", t(texts.URL_NOT_SEARCH))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False)
             if k not in ("trk", "sid", "origin") or api is SearchApi.SALES_NAVIGATOR]
    if not query:
        raise SearchInputError("url", t(texts.URL_NO_FILTERS))
    canonical = urlunsplit(("https", "www.linkedin.com", path, urlencode(query), ""))
    return api, canonical


def _names(field_name: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise SearchInputError(field_name, t(texts.FILTER_NOT_NAMES, field=field_name))
    names = tuple(dict.fromkeys(" ".join(i.split()) for i in items if i.strip()))
    if len(names) > MAX_FILTER_NAMES:
        raise SearchInputError(field_name, t(texts.FILTER_TOO_MANY, field=field_name, limit=MAX_FILTER_NAMES))
    for name in names:
        if len(name) > MAX_FILTER_NAME:
            raise SearchInputError(field_name, t(texts.FILTER_TOO_LONG, field=field_name, limit=MAX_FILTER_NAME))
    return names


def _text(field_name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SearchInputError(field_name, t(texts.FILTER_NOT_NAMES, field=field_name))
    value = " ".join(value.split())
    if len(value) > MAX_KEYWORDS:
        raise SearchInputError(field_name, t(texts.KEYWORDS_TOO_LONG, field=field_name, limit=MAX_KEYWORDS))
    return value or None


def parse_finder_query(query: dict[str, Any] | None) -> FinderSearch:
    """The checked search of a finder's stored or submitted query (see the module docstring).

    SearchInputError names the field: an unknown key, a URL that is not a people search, both a
    URL and keywords, or nothing to search for."""
    query = dict(query or {})
    unknown = sorted(set(query) - {"url", "keywords", "title", *RESOLVED_FILTERS})
    if unknown:
        raise SearchInputError(unknown[0], t(texts.UNKNOWN_KEY, key=unknown[0]))
    url = query.get("url")
    if url is not None and not isinstance(url, str):
        raise SearchInputError("url", t(texts.URL_NOT_SEARCH))
    keywords, title = _text("keywords", query.get("keywords")), _text("title", query.get("title"))
    filters = {name: _names(name, query.get(name)) for name in RESOLVED_FILTERS}
    if url and url.strip():
        if keywords or title or any(filters.values()):
            raise SearchInputError("url", t(texts.URL_AND_KEYWORDS))
        api, canonical = parse_search_url(url)
        return FinderSearch(api=api, url=canonical)
    if not (keywords or title or any(filters.values())):
        raise SearchInputError("keywords", t(texts.SEARCH_EMPTY))
    return FinderSearch(api=SearchApi.CLASSIC, keywords=keywords, title=title,
                        filters={k: v for k, v in filters.items() if v})
