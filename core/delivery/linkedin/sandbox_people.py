"""The generated people of the sandbox network: deterministic profiles from a seed, in fr/en/de/es.

Everything here is a pure function of its arguments (no clock, no database), so the same seed
always yields the same network."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

LANGUAGES = ("fr", "en", "de", "es")

# Names of varied lengths on purpose: invitations are limited in characters, and a long first
# name is what overflows a 295-character template (P-11).
_FIRST = {
    "fr": ("Lé", "Jean", "Chloé", "Mathilde", "Anne-Charlotte", "Pierre-Emmanuel", "Zoé", "Benoît"),
    "en": ("Al", "Emma", "Oliver", "Charlotte", "Christopher", "Mary-Elizabeth", "Jack", "Olivia"),
    "de": ("Jo", "Lukas", "Jürgen", "Maximilian", "Friederike", "Hans-Joachim", "Anna", "Sören"),
    "es": ("Ana", "Luis", "Sofía", "Guillermo", "María José", "Juan Bautista", "Inés", "Íñigo"),
}
_LAST = {
    "fr": ("Roy", "Martin", "Lefèvre", "Dubois-Rousseau", "de La Fontaine", "Nguyen", "Bézier"),
    "en": ("Li", "Smith", "O'Connor", "Whitfield", "Montgomery-Smythe", "Brown", "Taylor"),
    "de": ("Ott", "Müller", "Schäfer", "Wagner", "von Hohenberg", "Schwarzenegger", "Groß"),
    "es": ("Gil", "García", "Fernández", "Martínez de la Rosa", "Núñez", "López", "Ibáñez"),
}
_TITLES = {
    "fr": ("Directrice commerciale", "Responsable marketing", "Fondateur", "Ingénieur logiciel"),
    "en": ("Head of Sales", "Marketing Manager", "Founder", "Software Engineer"),
    "de": ("Vertriebsleiterin", "Marketingleiter", "Gründer", "Softwareentwickler"),
    "es": ("Directora comercial", "Responsable de marketing", "Fundador", "Ingeniero de software"),
}
_COMPANIES = {
    "fr": ("Lumière SAS", "Atelier Numérique", "Boulangerie Moderne", "Groupe Horizon"),
    "en": ("Northwind", "Blue Harbour Ltd", "Acme Analytics", "Riverside Labs"),
    "de": ("Bergmann GmbH", "Nordlicht AG", "Fabrik 4.0", "Sonnenschein KG"),
    "es": ("Soluciones Ibéricas", "Mar Azul SL", "Grupo Andaluz", "Tecnología Sol"),
}
_CITIES = {
    "fr": ("Paris, France", "Lyon, France", "Nantes, France", "Bordeaux, France"),
    "en": ("London, United Kingdom", "Manchester, United Kingdom", "Dublin, Ireland", "Boston, United States"),
    "de": ("München, Deutschland", "Berlin, Deutschland", "Wien, Österreich", "Zürich, Schweiz"),
    "es": ("Madrid, España", "Sevilla, España", "Valencia, España", "Bilbao, España"),
}
_REPLIES = {
    "fr": ("Merci pour votre message !", "Bonjour, avec plaisir. Pouvons-nous en parler la semaine prochaine ?"),
    "en": ("Thanks for reaching out!", "Hi, happy to connect. Could we talk next week?"),
    "de": ("Danke für Ihre Nachricht!", "Hallo, gerne. Können wir nächste Woche sprechen?"),
    "es": ("¡Gracias por tu mensaje!", "Hola, encantado. ¿Hablamos la semana que viene?"),
}

_TOKEN = re.compile(r"^(?P<slug>.+)-(?P<token>[0-9a-f]{10})$")


def digest(*parts: object) -> str:
    """A stable hex digest of the parts (not Python's salted `hash`)."""
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=16).hexdigest()


def unit(*parts: object) -> float:
    """A stable number in [0, 1) drawn from the parts."""
    return int(digest(*parts)[:13], 16) / float(16**13)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class Person:
    public_identifier: str
    language: str
    first_name: str
    last_name: str
    job_title: str
    company: str
    location: str

    @property
    def headline(self) -> str:
        return f"{self.job_title} · {self.company}"

    def reply(self, n: int) -> str:
        options = _REPLIES[self.language]
        return options[n % len(options)]


def _pick(options: tuple[str, ...], token: str, salt: str) -> str:
    return options[int(digest(token, salt)[:8], 16) % len(options)]


def _traits(token: str) -> tuple[str, str, str, str, str, str]:
    lang = _pick(LANGUAGES, token, "lang")
    return (
        lang,
        _pick(_FIRST[lang], token, "first"),
        _pick(_LAST[lang], token, "last"),
        _pick(_TITLES[lang], token, "title"),
        _pick(_COMPANIES[lang], token, "company"),
        _pick(_CITIES[lang], token, "city"),
    )


def person_from_token(token: str) -> Person:
    """The person a search result stands for: its identifier carries the token, so resolving it
    later gives back the very same person."""
    lang, first, last, title, company, city = _traits(token)
    return Person(f"{slugify(first)}-{slugify(last)}-{token}", lang, first, last, title, company, city)


def person_for(identifier: str, seed: int) -> Person:
    """The person behind any public identifier: the search-made ones decode to their own person,
    any other identifier gets a deterministic profile of its own (the sandbox knows everybody)."""
    match = _TOKEN.match(identifier)
    if match:
        candidate = person_from_token(match["token"])
        if candidate.public_identifier == identifier:
            return candidate
    lang, first, last, title, company, city = _traits(digest(seed, "person", identifier)[:10])
    return Person(identifier, lang, first, last, title, company, city)


def search_tokens(seed: int, query_key: str, count: int) -> list[str]:
    return [digest(seed, "search", query_key, i)[:10] for i in range(count)]
