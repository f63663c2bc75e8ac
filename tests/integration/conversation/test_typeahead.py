"""The type-ahead gives what the database holds now, and only what the asker may pick."""

from __future__ import annotations

import asyncio

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.interactions import Submitted, handle_submission
from bot.conversation.options import suggest
from bot.conversation.runner import run_sync
from core.db import UnitOfWork
from core.workspace.models import Member
from tests.integration.conversation.forms import ROOM, valid_values



def test_a_campaign_just_created_is_offered_on_the_next_keystroke(ctx, people):
    assert "Lyon push" not in [o.label for o in asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon"))]
    form = run_sync(ctx, people.bob, handle_command, parse_command("create")).dialog
    reply = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, valid_values(form, people), ROOM))
    assert reply.errors is None
    labels = [o.label for o in asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon"))]
    assert "Lyon push" in labels


def test_sources_are_the_senders_and_a_foreign_sender_gets_nothing(ctx, people):
    mine = asyncio.run(suggest(ctx, people.bob, "source", "lyon"))
    assert [o.label for g in mine for o in g.options] == ["Lyon CTOs"]
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon", {"sender": str(people.admin)})) == []
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon", {"sender": str(people.outsider)})) == []


def test_an_inactive_member_gets_no_suggestion(ctx, people):
    with UnitOfWork(ctx.engine)() as s:
        s.get(Member, people.bob).active = False
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon")) == []
    assert asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon")) == []
