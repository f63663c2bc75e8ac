"""`form_body` reads Slack's bodies exactly as bolt (urllib) does, on every kind of input."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode

import pytest
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot.slack.form_body import form_pairs, parse_body, unquote_form

ALPHABET = "aZ09 _.-~*!'()+%=&;/?#:@\"{}[]\\\t\r\n\x00é€😀"


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def test_encoded_values_decode_as_urllib_decodes_them():
    rng = random.Random(7)
    for _ in range(3000):
        text = random_text(rng, rng.randint(0, 40))
        for encoded in (quote_plus(text), quote(text, safe="")):
            assert unquote_form(encoded) == unquote_plus(encoded) == text, encoded


def test_raw_and_malformed_values_decode_as_urllib_decodes_them():
    rng = random.Random(11)
    cases = ["%", "%4", "%zz", "a%2", "%%41", "=%41", "%41=", "+", "a+b", "%2B", "%e9", "%C3%A9", "%c3%a9",
             "%F0%9F%98%80", "%FF%FE", "a=\r\n%41", "=\n", "%3D%0D%0A", "  %41  ", "%41+", "%41 ", "%41\t"]
    cases += [random_text(rng, rng.randint(0, 30)) for _ in range(3000)]
    for raw in cases:
        assert unquote_form(raw) == unquote_plus(raw), repr(raw)


def test_pairs_are_those_of_parse_qsl():
    for body in ("", "a", "a=", "=x", "a=1&&b=2", "a=1&b", "&", "a=%3D&b=%26&c=x=y", "payload=%7B%7D&x=1+2"):
        assert form_pairs(body) == parse_qsl(body, keep_blank_values=True), body


@pytest.mark.parametrize("body, content_type", [
    (urlencode({"payload": json.dumps({"type": "block_suggestion", "value": "Café ; & = + %", "n": [1, 2]})}),
     "application/x-www-form-urlencoded"),
    (urlencode({"command": "/invite-campaign", "text": "show Q3 – “launch” 100%", "team_id": "T1"}),
     "application/x-www-form-urlencoded"),
    ('{"type": "event_callback", "event": {"type": "app_home_opened"}}', "application/json"),
    ('{"type": "url_verification", "challenge": "c"}', None),
    ("", None),
])
def test_bodies_parse_as_bolt_parses_them(body, content_type):
    assert parse_body(body, content_type) == bolt_parse_body(body, content_type)


def test_a_large_modal_payload_parses_as_bolt_parses_it():
    view = {"type": "modal", "blocks": [{"type": "input", "block_id": f"b{i}", "label": {"text": f"Label {i} ; é — ✓"},
                                         "element": {"initial_value": "Hi {{firstName}}, 100% & more\n" * 5}}
                                        for i in range(60)]}
    body = urlencode({"payload": json.dumps({"type": "block_suggestion", "view": view}, ensure_ascii=False)})
    assert len(body) > 20_000
    assert parse_body(body, "application/x-www-form-urlencoded") == bolt_parse_body(body, None)


def test_an_empty_payload_is_refused_as_bolt_refuses_it():
    for parse in (parse_body, bolt_parse_body):
        with pytest.raises(ValueError):
            parse("payload=", "application/x-www-form-urlencoded")
