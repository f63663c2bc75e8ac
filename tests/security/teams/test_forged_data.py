"""Teams card data is whatever the client sends: a user of another tenant (workspace B) pressing
actions or submitting forms whose data name tenant A's campaign, digest and sends reads and
changes nothing of A's; malformed data gets an answer, not a 500."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from core.campaigns.models import Campaign
from core.db import UnitOfWork
from core.delivery.models import Send
from tests import factories as f
from tests.security.common import active_campaign_with_digest, row_counts


def _tenant_a(ctx, teams) -> tuple[int, int, list[int]]:
    ada = teams.user("Ada A", email="ada@a.example", tenant_id="tenant-a")
    with UnitOfWork(ctx.engine)() as s:
        member = f.chat_member(s, "teams", "tenant-a", ada.aad_object_id, "Ada A", "ada@a.example", workspace_name="A")
        f.connect(s, member, account_key="sbx-ada")
        zenobia = f.contact(s, member.workspace_id, "a0", first_name="Zenobia", last_name="Hidden", headline="CEO",
                            company="A", language="en")
        segment = f.segment(s, member.workspace_id, [zenobia], owner=member, name="Secret segment")
        member_id, segment_id = member.id, segment.id
    return active_campaign_with_digest(ctx, member_id, segment_id, "Secret campaign")


def _state(ctx):
    with UnitOfWork(ctx.engine)() as s:
        return ([(c.id, c.status, c.name, c.updated_at) for c in s.exec(select(Campaign)).all()],
                [(r.id, r.status, r.text) for r in s.exec(select(Send)).all()])


def _execute(verb: str, data: dict) -> dict:
    return {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}


async def test_another_tenant_reaches_nothing_through_forged_card_data(teams, ctx, connector):
    campaign_id, digest_id, sends = _tenant_a(ctx, teams)
    eve = teams.user("Eve B", tenant_id="tenant-b")
    await teams.say(eve, "help")
    before_rows, before = row_counts(ctx.engine), _state(ctx)
    answers = []
    for verb, value in (("campaign.stop", campaign_id), ("campaign.activate", campaign_id),
                        ("campaign.edit", campaign_id), ("campaign.preview", campaign_id),
                        ("digest.refresh", f"{digest_id}:0"), ("digest.skip", f"{digest_id}:0:{sends[0]}"),
                        ("digest.edit", f"{digest_id}:0:{sends[0]}"), ("digest.skip_all", f"{digest_id}:0")):
        answers.append(await teams.invoke(eve, "adaptiveCard/action", _execute(verb, {"value": str(value)})))
    form = json.dumps({"kind": "campaign", "state": {"campaign_id": campaign_id, "name": "Secret campaign"}})
    answers.append(await teams.invoke(eve, "task/submit", {"data": {"action": "form.submit", "__form": form,
                                                                     "form": json.loads(form), "name": "new:Mine"}}))
    answers.append(await teams.invoke(eve, "task/submit", {"data": {
        "action": "form.submit", "form": {"kind": "digest_edit", "state": {"digest_id": digest_id, "page": 0,
                                                                          "send_id": sends[0]}}, "text": "Eve's"}}))
    answers.append(await teams.invoke(eve, "task/fetch", {"data": {"launch": {"action": "campaign.edit",
                                                                              "value": str(campaign_id)}}}))
    assert row_counts(ctx.engine) == before_rows and _state(ctx) == before
    said = json.dumps(answers, ensure_ascii=False) + json.dumps([a.body for a in connector.activities()], ensure_ascii=False)
    assert not [w for w in ("Zenobia", "Hidden", "Secret campaign", "Secret segment", "Ada A") if w in said], said


@pytest.mark.parametrize("value", [
    {"action": {"type": "Action.Execute", "verb": "campaign.stop", "data": {"value": "x" * 100_000}}},
    {"action": {"type": "Action.Execute", "verb": "digest.skip", "data": {"value": ["1"]}}},
    {"action": {"type": "Action.Execute", "verb": 5, "data": []}},
    {"action": "campaign.stop"},
    [],
])
async def test_malformed_universal_actions_are_answered(teams, ctx, value):
    eve = teams.user("Eve B", tenant_id="tenant-b")
    before = row_counts(ctx.engine)
    response = await teams.post(teams.activity(eve, type="invoke", name="adaptiveCard/action", value=value))
    if response.status == 400:  # unreadable: the invoke's error reply, and nothing read nor written
        body = await response.json()
        assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error", body
        assert row_counts(ctx.engine) == before
    else:  # readable but odd (a huge value): an answer
        assert response.status == 200, await response.text()
        assert (await response.json())["statusCode"] == 200
    assert row_counts(ctx.engine)["campaign"] == before["campaign"]
