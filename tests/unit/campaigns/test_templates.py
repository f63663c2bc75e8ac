"""Templates: catalogue, fallbacks, sandbox, lengths as LinkedIn counts them (no I/O)."""

import re
from types import SimpleNamespace

import pytest
from jinja2.exceptions import SecurityError

from core.campaigns.templates import (
    MAX_TEMPLATE_LENGTH, CustomFields, TemplateProblem, _ENV, check_template, context_for, counted_length, render,
    utf16_length,
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


# -- Tokens resolve to the product's values only (invariant 9) ------------------------------

DICT_METHODS = sorted(n for n in dir(dict) if not n.startswith("_"))
STR_METHODS = ["upper", "format", "join", "split", "encode", "replace"]


def test_the_dict_method_list_is_the_real_one():
    assert {"items", "values", "keys", "get", "pop", "update", "copy", "setdefault", "clear"} <= set(DICT_METHODS)


@pytest.mark.parametrize("name", DICT_METHODS)
def test_custom_dot_a_dict_method_name_is_a_field_never_the_method(name):
    source = f"Hi {{{{ custom.{name} }}}}"
    assert check_template(source) == (f"custom.{name}",)
    absent = render(source, context_for(contact(), "Sam"), public_url=URL)
    assert absent.text == "Hi " and absent.missing == [f"custom.{name}"]
    present = render(source, context_for(contact(custom_fields={name: "the value"}), "Sam"), public_url=URL)
    assert present.text == "Hi the value" and present.missing == []


@pytest.mark.parametrize("name", DICT_METHODS)
def test_a_dict_method_name_with_a_fallback_or_in_an_if_stays_data(name):
    ctx = context_for(contact(), "Sam")
    r = render(f"{{{{ custom.{name}|default('friend') }}}}{{% if custom.{name} %}}!{{% endif %}}", ctx, public_url=URL)
    assert r.text == "friend" and r.missing == []


def test_columns_named_items_and_values_render_their_value():
    ctx = context_for(contact(custom_fields={"items": "3 shoes", "values": "trust", "industry": "Retail"}), "Sam")
    r = render("{{custom.items}} / {{custom.values|upper}} / {{custom.industry}}", ctx, public_url=URL)
    assert r.text == "3 shoes / TRUST / Retail"


@pytest.mark.parametrize("source", [
    "{{ custom.__class__ }}", "{{ custom.__dict__ }}", "{{ custom.__init__ }}", "{{ custom._private }}",
    "{{ custom.items.__self__ }}", "{{ custom.items.x }}", "{{ custom.a.b }}", "{{ firstName.upper }}",
    "{{ company.__class__.__mro__ }}", "{{ ''.__class__ }}", "{{ (1).real }}", "{{ custom['items'] }}",
    "{{ custom[0] }}", "{{ firstName[0] }}", "{{ custom }}", "{% if custom %}x{% endif %}", "{{ custom|upper }}",
    "{{ custom.items() }}", "{{ firstName.format('x') }}", "{{ firstName|attr('upper') }}",
    "{{ firstName|format('%s') }}", "{{ firstName|list }}", "{{ firstName|map('upper') }}",
    "{{ firstName|upper(1) }}", "{{ firstName|trim(1) }}", "{{ firstName|default(*x) }}",
    "{{ firstName|default(x=1) }}", "{% for x in custom %}{{ x }}{% endfor %}", "{% set x = custom %}{{ x }}",
    "{% macro m() %}x{% endmacro %}{{ m() }}", "{% include 'x' %}", "{% import 'x' as y %}",
    "{% filter upper %}x{% endfilter %}", "{% with a = 1 %}{% endwith %}", "{{ firstName ~ lastName }}",
    "{{ firstName if company }}", "{% if firstName is defined %}x{% endif %}", "{% if firstName == 'a' %}x{% endif %}",
    "{{ [firstName] }}", "{{ {'a': 1} }}", "{{ 9 ** 9 ** 9 }}", "{{ 'a' * 99999999 }}", "{{ self }}", "{{ range }}",
])
def test_anything_but_tokens_fields_filters_and_if_is_refused_naming_it(source):
    with pytest.raises(TemplateProblem) as refused:
        check_template(source)
    assert str(refused.value) and "Traceback" not in str(refused.value)


@pytest.mark.parametrize("source, quoted", [
    ("{{ custom.__class__ }}", "custom.__class__"), ("{{ ''.__class__ }}", ".__class__"),
    ("{% for x in y %}{% endfor %}", "{% for %}"), ("{% set a = 1 %}", "{% set %}"),
    ("{% macro m() %}{% endmacro %}", "{% macro %}"), ("{{ custom['items'] }}", "Square brackets"),
    ("{{ firstName|format('x') }}", "format"), ("{{ custom }}", "custom.<field>"), ("{{ firstname }}", "{{firstname}}"),
])
def test_the_refusal_names_the_problem(source, quoted):
    with pytest.raises(TemplateProblem, match=re.escape(quoted)):
        check_template(source)


def test_a_hostile_context_cannot_make_a_lookup_reach_a_python_object():
    """The second wall: even a template that passed the check reads only the custom fields' keys."""
    with pytest.raises(SecurityError):
        _ENV.from_string("{{ custom.items }}").render(custom={"a": "b"})  # a plain dict, not CustomFields
    assert _ENV.from_string("{{ custom.items }}").render(custom=CustomFields(items="x")) == "x"
    with pytest.raises(SecurityError):
        _ENV.from_string("{{ x.upper }}").render(x="abc")


def test_context_values_are_plain_text():
    odd = contact(company=object(), job_title=42, custom_fields={"n": 7, "o": object(), "l": ["a"], "": "x", "e": " "})
    ctx = context_for(odd, "Sam")
    assert "company" not in ctx and ctx["jobTitle"] == "42"
    assert isinstance(ctx["custom"], CustomFields) and dict(ctx["custom"]) == {"n": "7", "": "x"}


@pytest.mark.parametrize("source", [
    "{{ " + "(" * 10_000 + "firstName" + ")" * 10_000 + " }}",
    "{{ " + "(" * 3_990 + "firstName" + ")" * 3_990 + " }}",
    "{{ " + "not " * 1_990 + "firstName }}",
    "{{ firstName" + "|upper" * 1_300 + " }}",
    "{% if firstName %}" * 440 + "x" + "{% endif %}" * 440,
    "{{ " + "[" * 3_000 + "]" * 3_000 + " }}",
    "{{ " + "-" * 7_990 + "1 }}",
    "{{ firstName" + " or company" * 600 + " }}",
])
def test_deep_nesting_is_a_field_error_not_a_crash(source):
    with pytest.raises(TemplateProblem, match="nested too deeply|too long"):
        check_template(source)
    with pytest.raises(TemplateProblem):
        render(source, context_for(contact(), "Sam"), public_url=URL)


def test_reasonable_nesting_is_accepted():
    source = "{% if company %}{% if firstName %}{{ firstName|default(lastName|default('there'))|title }}{% endif %}{% endif %}"
    assert render(source, context_for(contact(company="Acme"), "Sam"), public_url=URL).text == "Amélie"


def test_a_megabyte_template_is_refused_by_its_size_before_parsing():
    with pytest.raises(TemplateProblem, match="too long: 1,048,576 characters, at most 8,000"):
        check_template("x" * 1_048_576)
    assert check_template("x" * MAX_TEMPLATE_LENGTH) == ()


def test_a_number_too_long_to_read_is_a_field_error():
    with pytest.raises(TemplateProblem, match="number too long"):
        check_template("{{ " + "1" * 5000 + " }}")
