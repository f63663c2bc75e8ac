"""Templates: catalogue, fallbacks, sandbox, lengths as LinkedIn counts them (no I/O)."""

from types import SimpleNamespace

import pytest
from jinja2.exceptions import SecurityError

from core.campaigns.templates import (
    TemplateProblem, _ENV, check_template, context_for, counted_length, render, utf16_length,
)

URL = "https://ib.example"


def contact(**kw):
    base = dict(first_name="Amélie", last_name="Dupont", company=None, job_title="CEO", headline=None,
                location="Paris", full_name="Amélie Dupont", custom_fields={"industry": "Retail"})
    base.update(kw)
    return SimpleNamespace(**base)


def test_tokens_render_and_missing_ones_are_reported_not_silently_empty():
    r = render("Hello {{firstName}} of {{company}}", context_for(contact(), "Sam Sender"), public_url=URL)
    assert r.text == "Hello Amélie of " and r.missing == ["company"]


def test_default_filter_gives_a_fallback():
    r = render("Hello {{company|default('your team')}}", context_for(contact(), "Sam"), public_url=URL)
    assert r.text == "Hello your team" and r.missing == []


def test_an_empty_first_name_is_missing_so_hello_comma_cannot_go_out():
    r = render("Hello {{firstName}},", context_for(contact(first_name="  "), "Sam"), public_url=URL)
    assert r.missing == ["firstName"]


def test_sender_and_custom_tokens():
    r = render("{{senderFirstName}} / {{senderFullName}} / {{custom.industry}}",
               context_for(contact(), "Sam Sender"), public_url=URL)
    assert r.text == "Sam / Sam Sender / Retail"


def test_utf16_counts_emoji_as_two_and_accents_as_one():
    assert utf16_length("é") == 1 and utf16_length("😀") == 2 and utf16_length("👍🏽") == 4


def test_urls_count_at_their_tracked_length():
    tracked = len(URL) + 3 + 10
    assert counted_length("see https://example.com/" + "x" * 100, public_url=URL) == 4 + tracked


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}", "{{ lipsum.__globals__ }}", "{{ range(3) }}", "{% include 'x' %}",
    "{% macro m() %}{% endmacro %}", "{{ firstName[0] }}", "{{ firstName.upper() }}", "{{ custom['a'] }}",
])
def test_anything_outside_the_catalogue_is_refused_before_rendering(source):
    with pytest.raises(TemplateProblem):
        check_template(source)


def test_the_environment_is_a_sandbox_even_behind_the_checks():
    with pytest.raises(SecurityError):
        _ENV.from_string("{{ x.__class__.__mro__ }}").render(x="")
