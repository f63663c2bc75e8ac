"""Segment criteria are data: known keys only, checked values, clear errors."""

import pytest

from core.sources.criteria import dump_criteria, parse_criteria


def test_a_full_block_round_trips():
    data = {
        "language": ["FR", "en"], "location": " Paris ", "company": "Acme", "job_title": "CTO",
        "age": {"min": 30, "max": 45}, "clicked": {"campaign_id": 3},
        "replied": {"sentiment": ["positive"]}, "in_campaign": [1, 2], "not_in_campaign": True,
        "connected_to_sender": False, "exclude": {"company": "Competitor", "replied": {"sentiment": ["negative"]}},
    }
    parsed = parse_criteria(data)
    assert parsed.language == ["fr", "en"] and parsed.location == "Paris"
    assert parsed.needs_sender()
    assert parse_criteria(dump_criteria(parsed)) == parsed


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match="unknown segment criterion 'colour'"):
        parse_criteria({"language": ["fr"], "colour": "blue"})


def test_unknown_key_inside_exclusions_is_named_with_its_path():
    with pytest.raises(ValueError, match="unknown segment criterion 'exclude.compnay'"):
        parse_criteria({"exclude": {"compnay": "Acme"}})


@pytest.mark.parametrize("data, key", [
    ({"replied": {"sentiment": ["happy"]}}, "replied"),
    ({"age": {"min": -1}}, "age.min"),
    ({"language": ["xx"]}, "language"),
    ({"language": ["fr", "klingon"]}, "language"),
    ({"in_campaign": "all"}, "in_campaign"),
])
def test_malformed_values_are_refused_naming_the_key(data, key):
    with pytest.raises(ValueError, match=f"criterion '{key}"):
        parse_criteria(data)


def test_empty_criteria_need_no_sender():
    assert not parse_criteria(None).needs_sender()
    assert not parse_criteria({}).needs_sender()
    with pytest.raises(ValueError, match="object"):
        parse_criteria(["language"])
