"""Invariant 9 over Slack: a message typed into the campaign form or a digest edit that tries to
leave the token catalogue is a field error, never rendered, never saved."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.slack.surface import drain
from core.delivery.models import Send
from core.db import UnitOfWork
from tests.e2e.slack.conftest import fill, wait_for
from tests.security.common import active_campaign_with_digest, row_counts

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ firstName.__class__.__base__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ self.__init__.__globals__ }}",
    "{{ config }}",
    "{{ request.application }}",
    "{% for i in range(999999999) %}x{% endfor %}",
    "{{ 9 ** 9 ** 9 }}",
    "{% set x = firstName %}{{ x.upper.__self__ }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% macro m() %}{% endmacro %}{{ m.__globals__ }}",
    "{{ firstName|attr('__class__') }}",
    "{{ firstName|format('%s') }}",
    "{{ (firstName, 1)|map('attribute', '__class__')|list }}",
    "{{ firstName['__class__'] }}",
    "{{ firstName.format }}",
    "{{ firstName",
    # Lookups on the custom fields reach the field of that name only, never a dict method; the
    # world's contacts have no such field, so each is a field error (not the method's text).
    "{{ custom.items }}",
    "{{ custom.values }}",
    "{{ custom.update }}",
    "{{ custom.get|default('x') }}{{ custom.pop }}",
    "{{ custom.__class__ }}",
    "{{ custom['items'] }}",
    "{% if firstName %}{{ custom.keys }}{% endif %}",
    # Deep nesting and huge numbers: a field error, not a RecursionError behind "Something went wrong".
    "{{ " + "(" * 3000 + "firstName" + ")" * 3000 + " }}",
    "{{ firstName" + "|upper" * 1000 + " }}",
    "{% if firstName %}" * 300 + "{% endif %}" * 300,
    "{{ " + "9" * 5000 + " }}",
]
LEAKS = ("<class", "uid=", "function", "built-in method", "object at 0x", "Something went wrong", "RecursionError")


@pytest.mark.parametrize("template", ESCAPES)
async def test_escaping_templates_are_refused_in_the_form(slack, slack_sim, ctx, world, template):
    n = len(slack_sim.of("views.open"))
    await slack.command("create", user="UBOB")
    await wait_for(lambda: len(slack_sim.of("views.open")) > n)
    view = slack_sim.of("views.open")[-1].answer["view"]
    before = row_counts(ctx.engine)
    for field in ("messages.invitation.en", "messages.welcome.en"):
        values = {"name": ("new:Escape", "Escape"), "program": ("new:Growth", "Growth"),
                  "messages.invitation.en": "Hi {{firstName}}", "source": (f"segment:{world.segment_id}", "x"),
                  field: template}
        answer = await (await slack.submit(fill(view, values))).json()
        assert answer["response_action"] == "errors" and field in answer["errors"], (field, answer)
    await drain()
    assert row_counts(ctx.engine) == before
    said = json.dumps([c.args for c in slack_sim.calls] + slack_sim.responses)
    assert not any(leak in said for leak in LEAKS)


@pytest.mark.parametrize("template", ESCAPES)
async def test_escaping_templates_are_refused_in_a_digest_edit(slack, slack_sim, ctx, world, template):
    _, digest_id, sends = active_campaign_with_digest(ctx, world.bob, world.segment_id, "Bobs")
    with UnitOfWork(ctx.engine)() as s:
        texts = {r.id: r.text for r in s.exec(select(Send)).all()}
    view = {"id": "V9", "type": "modal", "callback_id": "form:digest_edit", "hash": "h", "blocks": [
        {"type": "input", "block_id": "text", "element": {"type": "plain_text_input", "action_id": "text@0"}}],
        "private_metadata": json.dumps({"k": "digest_edit", "s": {"digest_id": digest_id, "page": 0, "send_id": sends[0]}})}
    answer = await (await slack.submit(fill(view, {"text": template}), user="UBOB")).json()
    assert answer["response_action"] == "errors" and answer["errors"]["text"]
    assert not any(leak in json.dumps(answer) for leak in LEAKS)
    with UnitOfWork(ctx.engine)() as s:
        assert {r.id: r.text for r in s.exec(select(Send)).all()} == texts
