"""What a Slack user does, shared by the Slack tests: open the campaign form, pick a source, create a
campaign; and Bob's running campaign, made through the campaign service."""

from sqlmodel import select

from core.campaigns.models import Campaign
from core.db import UnitOfWork
from core.workspace.models import Member
from tests import factories as f
from tests.e2e.slack.conftest import fill, wait_for

GOOD = {
    "name": ("new:Spring outreach", "Create “Spring outreach”"),
    "program": ("new:Growth", "Create “Growth”"),
    "source": None,  # set per test from the options answer
    "messages.invitation.en": "Hi {{firstName}}, I enjoyed your post on founders in Paris. Shall we connect?",
    "messages.welcome.en": "Thanks for connecting, {{firstName}}!",
    "slots": "Mon-Fri 09:00-11:00",
    "cohort_size": "5",
}


def campaigns(ctx):
    with UnitOfWork(ctx.engine)() as s:
        return list(s.exec(select(Campaign)).all())


async def open_form(slack, sim, user="UBOB"):
    before = len(sim.of("views.open"))
    response = await slack.command("create", user=user)
    assert response.status == 200
    await wait_for(lambda: len(sim.of("views.open")) > before)
    return sim.of("views.open")[-1].answer["view"]


async def pick_source(slack, view, name="Paris founders", user="UBOB"):
    response = await slack.options(view, "source", "paris", user=user)
    assert response.status == 200
    groups = (await response.json()).get("option_groups", [])
    return next(((o["value"], o["text"]["text"]) for g in groups for o in g["options"] if o["text"]["text"] == name), None)


async def created(slack, slack_sim, world, ctx):
    view = await open_form(slack, slack_sim)
    source = await pick_source(slack, view)
    await slack.submit(fill(view, {**GOOD, "source": source}))
    await wait_for(lambda: campaigns(ctx))
    return campaigns(ctx)[0]


def active_campaign(ctx, world) -> int:
    with UnitOfWork(ctx.engine)() as s:
        return f.running_campaign(s, s.get(Member, world.bob), world.segment_id, now=ctx.clock.now()).id
