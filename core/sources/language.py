"""The language of a contact guessed from their headline and job title, with `lingua`.

The detector knows only the languages our customers write campaigns in, which makes short
texts far more reliable, and is built once per process (loading its models takes a second).
A text too short or too ambiguous to tell gets no language rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.ITALIAN,
             Language.DUTCH, Language.PORTUGUESE)
# How much more likely the best language must be than the runner-up (lingua's scale, 0–0.99).
MIN_RELATIVE_DISTANCE = 0.1


@cache
def detector() -> LanguageDetector:
    return (LanguageDetectorBuilder.from_languages(*LANGUAGES)
            .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
            .build())


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of `text` (e.g. "fr"), or None when it cannot be told."""
    if not text or not text.strip():
        return None
    found = detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else None


def detect_languages(texts: Iterable[str]) -> dict[str, str | None]:
    """Detect many texts at once (each distinct text once, in parallel): text → code or None."""
    distinct = sorted({t for t in texts if t and t.strip()})
    if not distinct:
        return {}
    found = detector().detect_languages_in_parallel_of(distinct)
    return {t: (lang.iso_code_639_1.name.lower() if lang else None) for t, lang in zip(distinct, found, strict=True)}


def profile_text(headline: str | None, job_title: str | None) -> str | None:
    """The text a contact's language is read from."""
    parts = [p for p in (headline, job_title) if p]
    if job_title and headline and job_title.casefold() in headline.casefold():
        parts = [headline]
    return " · ".join(parts) or None
