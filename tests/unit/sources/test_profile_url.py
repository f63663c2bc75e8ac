"""Every spelling of a LinkedIn profile URL maps to one identifier and one canonical URL."""

import pytest

from core.sources.contacts import column_name, normalise_profile_url

CANONICAL = ("jean-dupont", "https://www.linkedin.com/in/jean-dupont")


@pytest.mark.parametrize("url", [
    "https://www.linkedin.com/in/jean-dupont",
    "http://www.linkedin.com/in/jean-dupont",
    "https://linkedin.com/in/jean-dupont/",
    "https://fr.linkedin.com/in/jean-dupont/",
    "https://de.linkedin.com/in/Jean-Dupont",
    "https://m.linkedin.com/in/jean-dupont",
    "www.linkedin.com/in/jean-dupont",
    "linkedin.com/in/jean-dupont",
    "  https://www.linkedin.com/in/jean-dupont?utm_source=share&trk=x  ",
    "https://www.linkedin.com/in/jean-dupont#experience",
    "https://www.linkedin.com/in/jean-dupont/en",
    "https://www.linkedin.com/in/jean-dupont/fr/",
    "HTTPS://WWW.LINKEDIN.COM/IN/JEAN-DUPONT/",
    "https://www.linkedin.com/in/jean%2Ddupont",
])
def test_spellings_of_one_profile(url):
    assert normalise_profile_url(url) == CANONICAL


def test_percent_encoded_accents_are_decoded_in_the_identifier_and_encoded_in_the_url():
    ident, url = normalise_profile_url("https://fr.linkedin.com/in/j%C3%A9r%C3%B4me-m%C3%BCller/")
    assert ident == "jérôme-müller"
    assert url == "https://www.linkedin.com/in/j%C3%A9r%C3%B4me-m%C3%BCller"
    assert normalise_profile_url("https://www.linkedin.com/in/Jérôme-Müller") == (ident, url)


@pytest.mark.parametrize("url, reason", [
    ("https://www.example.com/in/jean-dupont", "not a LinkedIn URL"),
    ("https://linkedin.com.evil.io/in/jean-dupont", "not a LinkedIn URL"),
    ("ftp://www.linkedin.com/in/jean-dupont", "not a LinkedIn URL"),
    ("https://www.linkedin.com/company/acme", "not a LinkedIn profile URL"),
    ("https://www.linkedin.com/in/", "not a LinkedIn profile URL"),
    ("https://www.linkedin.com/in/a%20b%20c", "valid LinkedIn profile name"),
    ("", "empty"),
    ("jean-dupont", "not a LinkedIn URL"),
])
def test_what_is_not_a_profile_url_is_refused(url, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_profile_url(url)


@pytest.mark.parametrize("header, name", [
    ("Profile URL", "profile_url"), ("LinkedIn URL", "profile_url"), ("firstName", "first_name"),
    ("First Name", "first_name"), ("last-name", "last_name"), ("Job Title", "job_title"),
    ("Title", "job_title"), ("Favourite Colour", "favourite_colour"),
])
def test_headers_are_read_in_their_common_spellings(header, name):
    assert column_name(header) == name
