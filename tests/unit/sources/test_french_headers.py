"""A contacts file exported in French feeds the same fields as one in English."""

import pytest

from core.sources.contacts import column_name


@pytest.mark.parametrize("header,field", [
    ("Prénom", "first_name"), ("prenom", "first_name"), ("Nom", "last_name"), ("Entreprise", "company"),
    ("Société", "company"), ("URL LinkedIn", "profile_url"), ("Lien LinkedIn", "profile_url"),
    ("Poste", "job_title"), ("Titre du profil", "headline"), ("Localisation", "location"),
    ("Langue", "language"), ("Année de naissance", "birth_year"),
    ("First Name", "first_name"), ("LinkedIn URL", "profile_url"),
])
def test_french_and_english_headers(header, field):
    assert column_name(header) == field


def test_an_unknown_french_header_stays_a_custom_field_as_written():
    assert column_name("Couleur préférée") == "couleur_préférée"
