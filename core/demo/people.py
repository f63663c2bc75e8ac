"""Deterministic demo contacts in fr/en/de/es: realistic names of very different lengths.

Some names are long on purpose: with a long company, they overflow a 295-character invitation
that uses {{firstName}} {{lastName}} and {{company}} (P-11), which the campaign checks must catch.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

LANGUAGES = ("fr", "en", "de", "es")
FIRST = {
    "fr": ["Léa", "Jean", "Chloé", "Mathilde", "Benoît", "Zoé", "Hugo", "Camille", "Anne-Charlotte",
           "Pierre-Emmanuel", "Marie-Geneviève", "Jean-Baptiste-Alexandre"],
    "en": ["Al", "Emma", "Oliver", "Jack", "Olivia", "Charlotte", "Christopher", "Mary-Elizabeth",
           "Alexandra-Victoria", "Bartholomew"],
    "de": ["Jo", "Anna", "Lukas", "Jürgen", "Sören", "Maximilian", "Friederike", "Hans-Joachim",
           "Karl-Theodor-Maria", "Wolfgang-Amadeus"],
    "es": ["Ana", "Luis", "Inés", "Íñigo", "Sofía", "Guillermo", "María José", "Juan Bautista",
           "María de los Ángeles", "José Antonio Francisco"],
}
LAST = {
    "fr": ["Roy", "Martin", "Nguyen", "Bézier", "Lefèvre", "Dubois-Rousseau", "de La Fontaine",
           "de Montmorency-Laval", "Giscard d'Estaing-Villeneuve"],
    "en": ["Li", "Smith", "Brown", "Taylor", "O'Connor", "Whitfield", "Montgomery-Smythe",
           "Fitzwilliam-Cavendish-Bentinck"],
    "de": ["Ott", "Groß", "Müller", "Wagner", "Schäfer", "Schwarzenegger", "von Hohenberg",
           "Freiherr von und zu Guttenberg-Rheinfels"],
    "es": ["Gil", "Núñez", "López", "García", "Ibáñez", "Fernández", "Martínez de la Rosa",
           "Fernández de Córdoba y Figueroa"],
}
TITLES = {
    "fr": ["Directrice commerciale", "Responsable marketing", "Fondateur", "Ingénieur logiciel",
           "Directeur des systèmes d'information", "Chef de projet digital"],
    "en": ["Head of Sales", "Marketing Manager", "Founder", "Software Engineer", "Chief Technology Officer",
           "Customer Success Lead"],
    "de": ["Vertriebsleiterin", "Marketingleiter", "Gründer", "Softwareentwickler", "Geschäftsführer",
           "Leiter Kundenservice"],
    "es": ["Directora comercial", "Responsable de marketing", "Fundador", "Ingeniero de software",
           "Director general", "Jefa de proyecto"],
}
HEADLINES = {
    "fr": "{title} chez {company} · J'aide les équipes à grandir",
    "en": "{title} at {company} · Helping teams grow",
    "de": "{title} bei {company} · Ich helfe Teams beim Wachsen",
    "es": "{title} en {company} · Ayudo a los equipos a crecer",
}
NO_COMPANY = {"fr": "une startup", "en": "a startup", "de": "einem Start-up", "es": "una startup"}
COMPANIES = {
    "fr": ["Lumière SAS", "Atelier Numérique", "Groupe Horizon", "Boulangerie Moderne"],
    "en": ["Northwind", "Blue Harbour Ltd", "Acme Analytics", "Riverside Labs"],
    "de": ["Bergmann GmbH", "Nordlicht AG", "Fabrik 4.0", "Sonnenschein KG"],
    "es": ["Mar Azul SL", "Grupo Andaluz", "Tecnología Sol", "Soluciones Ibéricas"],
}
# A few contacts work for a company with a very long name.
LONG_COMPANIES = {
    "fr": "Compagnie Générale des Établissements Numériques du Grand Ouest",
    "en": "International Consolidated Business Machines and Software Holdings",
    "de": "Süddeutsche Maschinenbau- und Präzisionswerkzeug-Gesellschaft mbH",
    "es": "Corporación Iberoamericana de Servicios Tecnológicos y Financieros SA",
}
CITIES = {
    "fr": ["Paris, France", "Lyon, France", "Nantes, France", "Bordeaux, France"],
    "en": ["London, United Kingdom", "Manchester, United Kingdom", "Dublin, Ireland", "Boston, United States"],
    "de": ["München, Deutschland", "Berlin, Deutschland", "Wien, Österreich", "Zürich, Schweiz"],
    "es": ["Madrid, España", "Sevilla, España", "Valencia, España", "Bilbao, España"],
}


@dataclass(frozen=True)
class DemoPerson:
    public_identifier: str
    language: str
    first_name: str
    last_name: str
    job_title: str
    company: str | None
    location: str
    birth_year: int | None

    @property
    def headline(self) -> str:
        company = self.company or NO_COMPANY[self.language]
        return HEADLINES[self.language].format(title=self.job_title, company=company)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def demo_people(count: int = 300, seed: int = 20261125) -> list[DemoPerson]:
    """The same `count` people for the same seed, languages in turn, one in ten without company
    and one in sixteen with a very long company name."""
    rng = random.Random(seed)
    people = []
    for i in range(count):
        lang = LANGUAGES[i % len(LANGUAGES)]
        first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
        company = None if i % 10 == 7 else LONG_COMPANIES[lang] if i % 16 == 5 else rng.choice(COMPANIES[lang])
        birth_year = rng.randint(1960, 2000) if i % 3 else None
        people.append(DemoPerson(
            public_identifier=f"{slugify(first)}-{slugify(last)}-demo{i:03d}", language=lang, first_name=first,
            last_name=last, job_title=rng.choice(TITLES[lang]), company=company,
            location=rng.choice(CITIES[lang]), birth_year=birth_year))
    return people
