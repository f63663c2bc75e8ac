"""What a finder searches: pasted people search URLs (classic, Sales Navigator), keywords and
filters; anything else is refused naming the field and the fix."""

import pytest

from core.delivery.linkedin.port import Profile
from core.sources.finder_runs import _key
from core.sources.search import SearchApi, SearchInputError, parse_finder_query, parse_search_url


@pytest.mark.parametrize(("url", "api"), [
    ("https://www.linkedin.com/search/results/people/?keywords=cto&origin=SWITCH_SEARCH_VERTICAL", SearchApi.CLASSIC),
    ("linkedin.com/search/results/people?keywords=head%20of%20sales&geoUrn=%5B%22105015875%22%5D", SearchApi.CLASSIC),
    ("https://fr.linkedin.com/search/results/people/?keywords=fondateur", SearchApi.CLASSIC),
    ("https://www.linkedin.com/sales/search/people?query=(keywords%3Acto)&sessionId=abc", SearchApi.SALES_NAVIGATOR),
])
def test_people_searches_are_recognised(url, api):
    found, canonical = parse_search_url(url)
    assert found is api
    assert canonical.startswith("https://www.linkedin.com/")


def test_the_url_is_canonical_without_tracking_parameters():
    url = "  http://fr.linkedin.com/search/results/people/?keywords=cto&origin=GLOBAL&sid=x  "
    _, canonical = parse_search_url(url)
    assert canonical == "https://www.linkedin.com/search/results/people?keywords=cto"


@pytest.mark.parametrize(("url", "says"), [
    ("", "Paste"),
    ("https://example.com/search/results/people/?keywords=cto", "not a LinkedIn address"),
    ("https://www.linkedin.com/search/results/companies/?keywords=acme", "looks for companies"),
    ("https://www.linkedin.com/search/results/all/?keywords=acme", "looks for all"),
    ("https://www.linkedin.com/sales/search/company?query=x", "looks for company"),
    ("https://www.linkedin.com/in/jean-dupont", "profile, not a search"),
    ("https://www.linkedin.com/feed/", "not a people search"),
    ("https://www.linkedin.com/search/results/people/", "no keywords or filters"),
    ("https://www.linkedin.com/search/results/people/?origin=GLOBAL", "no keywords or filters"),
    ("javascript:alert(1)", "not a LinkedIn address"),
])
def test_other_addresses_are_refused_with_the_fix(url, says):
    with pytest.raises(SearchInputError) as refused:
        parse_search_url(url)
    assert refused.value.field == "url"
    assert says in str(refused.value)


def test_keywords_and_filters():
    search = parse_finder_query({"keywords": "  head   of sales ", "location": "Paris, France",
                                 "company": ["Acme", "Acme", " Northwind "], "title": "CTO"})
    assert search.api is SearchApi.CLASSIC and search.url is None
    assert search.filters == {"location": ("Paris, France",), "company": ("Acme", "Northwind")}
    assert search.to_query() == {"keywords": "head of sales", "title": "CTO", "company": ["Acme", "Northwind"],
                                 "location": ["Paris, France"]}
    assert search.default_cap == 1000
    assert parse_finder_query(search.to_query()) == search


def test_a_sales_navigator_url_caps_at_its_ceiling():
    search = parse_finder_query({"url": "https://www.linkedin.com/sales/search/people?query=(keywords%3Acto)"})
    assert (search.api, search.default_cap) == (SearchApi.SALES_NAVIGATOR, 2500)


@pytest.mark.parametrize(("query", "field"), [
    ({}, "keywords"),
    ({"keywords": "   "}, "keywords"),
    ({"url": "https://www.linkedin.com/search/results/people/?keywords=cto", "keywords": "cto"}, "url"),
    ({"color": "blue"}, "color"),
    ({"keywords": "x" * 201}, "keywords"),
    ({"company": [1, 2]}, "company"),
    ({"location": [f"city {i}" for i in range(11)]}, "location"),
])
def test_bad_queries_name_their_field(query, field):
    with pytest.raises(SearchInputError) as refused:
        parse_finder_query(query)
    assert refused.value.field == field


@pytest.mark.parametrize(("profile", "expected"), [
    (Profile(provider_id="ACo1", public_identifier="Jean-Dupont"), "jean-dupont"),
    (Profile(provider_id="ACo1", profile_url="https://fr.linkedin.com/in/jean-dupont/?trk=x"), "jean-dupont"),
    (Profile(provider_id="ACo1", public_identifier="jean-dupont",
             profile_url="https://www.linkedin.com/sales/lead/ACo1,NAME_SEARCH"), "jean-dupont"),
])
def test_a_result_is_known_by_its_normalised_identifier(profile, expected):
    person = _key(profile)
    assert person is not None
    assert (person.identifier, person.url) == (expected, f"https://www.linkedin.com/in/{expected}")


def test_a_result_without_identifier_or_profile_url_is_left_out():
    assert _key(Profile(provider_id="ACo1", profile_url="https://www.linkedin.com/sales/lead/ACo1")) is None
