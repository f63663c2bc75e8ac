"""Finders and segments from chat, platform-neutral (P-8): the form and the typed commands create a
finder and enqueue its first run once committed; lists and buttons follow P-8 visibility and the
roles, decided in the core."""

from __future__ import annotations

from sqlalchemy import select

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.interactions import Asked, Submitted, handle_action, handle_submission
from bot.conversation.runner import run_sync
from core.db import UnitOfWork
from core.sources.models import Finder, FinderRun, RunState, Segment
from tests import factories as f
from tests.integration.conversation.forms import ROOM

URL = "https://www.linkedin.com/search/results/people/?keywords=cto&origin=GLOBAL_SEARCH_HEADER"


def typed(ctx, member_id, text):
    return run_sync(ctx, member_id, handle_command, parse_command(text), ROOM)


def finders(ctx):
    with UnitOfWork(ctx.engine)() as s:
        return list(s.execute(select(Finder)).scalars())


def create(ctx, member_id, name="Paris CTOs", **values):
    form = typed(ctx, member_id, "finder create").dialog
    return run_sync(ctx, member_id, handle_submission,
                    Submitted(form.kind, form.state, {"name": name, "url": URL, "every_days": "1", **values}, ROOM))


def test_the_form_refuses_bad_searches_naming_the_field_and_saves_nothing(ctx, people):
    form = typed(ctx, people.bob, "finder create").dialog
    assert form.kind == "finder" and {"name", "url", "keywords", "location", "every_days", "result_cap"} <= {
        f.id for f in form.fields}
    assert [o.label for o in form.field("members").options] == ["Ada Admin"]  # the other active members
    for values, field, says in (
        ({"url": "https://www.linkedin.com/search/results/companies/?keywords=acme"}, "url", "companies"),
        ({"url": "https://www.linkedin.com/in/jean-dupont"}, "url", "profile"),
        ({"url": "https://example.com/x"}, "url", "not a LinkedIn address"),
        ({}, "keywords", "Say whom to find"),
        ({"keywords": "cto", "result_cap": "lots"}, "result_cap", "whole number"),
        ({"keywords": "cto", "result_cap": "5000"}, "result_cap", "1 to 1,000"),
    ):
        bad = run_sync(ctx, people.bob, handle_submission,
                       Submitted(form.kind, form.state, {"name": "Paris CTOs", "every_days": "1", **values}, ROOM))
        assert bad.errors is not None and says in bad.errors.errors[field], (values, bad.errors)
        assert bad.dialog is not None and bad.dialog.field("name").value == "Paris CTOs"
    assert finders(ctx) == []


def test_a_finder_is_created_from_the_form_and_its_first_page_is_asked_for_once_committed(ctx, people):
    good = create(ctx, people.bob, members=[str(people.admin)], location="")
    assert good.closes_dialog and good.errors is None
    [card] = good.messages
    assert card.title == "Paris CTOs" and card.status == "Running"
    assert [b.action for b in card.buttons] == ["finder.run", "finder.refresh", "finder.pause", "finder.edit",
                                               "finder.delete"]
    assert "created" in good.notice.text
    [finder] = finders(ctx)
    assert finder.query == {"url": "https://www.linkedin.com/search/results/people?keywords=cto"}
    assert ("finder_page", (finder.run_id, 0)) in ctx.tasks.requests
    again = create(ctx, people.bob, name="paris  ctos")
    assert "already exists" in again.errors.errors["name"]


def test_a_refused_form_enqueues_nothing(ctx, people):
    before = list(ctx.tasks.requests)
    create(ctx, people.bob, members=["999999"])  # an unknown member: refused before anything is written
    assert ctx.tasks.requests == before and finders(ctx) == []


def test_typed_create_lists_and_visibility(ctx, people):
    with UnitOfWork(ctx.engine)() as s:
        dan = f.chat_member(s, "teams", "tenant-1", "aad-dan", "Dan Member", "dan@example.com").id
    made = typed(ctx, people.bob, f"finder create Founders | <{URL}|linkedin.com/search>")  # as Slack writes links
    assert made.messages[0].title == "Founders"
    refused = typed(ctx, people.bob, "finder create Bad | https://www.linkedin.com/feed/")
    assert refused.notice.tone == "error" and "not a people search" in refused.notice.text
    assert [c.title for c in typed(ctx, people.bob, "finders").messages[0].cards] == ["Founders"]
    assert [c.title for c in typed(ctx, people.admin, "finders").messages[0].cards] == ["Founders"]  # admin
    assert typed(ctx, dan, "finders").messages[0].cards == ()  # not shared with Dan
    assert typed(ctx, people.outsider, "finders").messages[0].cards == ()  # another workspace
    assert "No finder of yours" in typed(ctx, dan, "finder show Founders").notice.text
    shown = typed(ctx, people.bob, "finder founders")
    assert shown.messages[0].title == "Founders"
    assert "Did you mean" in typed(ctx, people.bob, "finder show found").notice.text


def test_buttons_pause_resume_run_and_delete_for_the_owner_or_an_admin_only(ctx, people, clock):
    with UnitOfWork(ctx.engine)() as s:
        dan = f.chat_member(s, "teams", "tenant-1", "aad-dan", "Dan Member", "dan@example.com").id
    create(ctx, people.bob, members=[str(dan)])
    [finder] = finders(ctx)
    value = str(finder.id)
    shared = run_sync(ctx, dan, handle_action, Asked("finder.pause", value, ROOM))
    assert shared.notice.tone == "error" and "owner" in shared.notice.text
    assert [c.title for c in typed(ctx, dan, "finders").messages[0].cards] == ["Paris CTOs"]  # shared: seen
    outsider = run_sync(ctx, people.outsider, handle_action, Asked("finder.pause", value, ROOM))
    assert "does not exist" in outsider.notice.text
    paused = run_sync(ctx, people.bob, handle_action, Asked("finder.pause", value, ROOM))
    assert paused.replace.status == "Paused" and "finder.resume" in [b.action for b in paused.replace.buttons]
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(FinderRun, finder.run_id).state == RunState.STOPPED
    resumed = run_sync(ctx, people.admin, handle_action, Asked("finder.resume", value, ROOM))
    assert resumed.replace.status != "Paused"
    ran = run_sync(ctx, people.bob, handle_action, Asked("finder.run", value, ROOM))
    [again] = finders(ctx)
    assert ran.replace.status == "Running" and ("finder_page", (again.run_id, 0)) in ctx.tasks.requests
    refreshed = run_sync(ctx, dan, handle_action, Asked("finder.refresh", value, ROOM))
    assert refreshed.replace.title == "Paris CTOs"
    assert [b.action for b in refreshed.replace.buttons] == ["finder.refresh"]  # Dan may not manage it
    deleted = run_sync(ctx, people.bob, handle_action, Asked("finder.delete", value, ROOM))
    assert deleted.notice.tone == "success" and finders(ctx) == []
    with UnitOfWork(ctx.engine)() as s:  # its segment stays, no longer a finder's
        segment = s.execute(select(Segment).where(Segment.name == "Paris CTOs")).scalar_one()
        assert segment.finder_id is None


def test_segments_list_and_show_follow_visibility(ctx, people):
    listed = typed(ctx, people.bob, "segments").messages[0]
    assert [c.title for c in listed.cards] == ["Lyon CTOs"]
    shown = typed(ctx, people.bob, "segment Lyon CTOs").messages[0]
    assert shown.title == "Lyon CTOs" and ("Contacts", "1") in [(x.label, x.value) for x in shown.facts]
    assert typed(ctx, people.admin, "segments").messages[0].cards[0].title == "Lyon CTOs"  # admin
    with UnitOfWork(ctx.engine)() as s:
        dan = f.chat_member(s, "teams", "tenant-1", "aad-dan", "Dan Member", "dan@example.com").id
    assert typed(ctx, dan, "segments").messages[0].cards == ()
    assert "No segment you may use" in typed(ctx, dan, "segment Lyon CTOs").notice.text


def test_help_lists_the_new_commands_and_french_words_work(ctx, people):
    text = typed(ctx, people.bob, "help").notice.text
    assert "finder create|show|edit|run|pause|resume|delete NAME" in text and "segments" in text
    typed(ctx, people.bob, f"finder créer Fondateurs | {URL}")
    shown = typed(ctx, people.bob, "finder voir fondateurs")
    assert shown.messages[0].title == "Fondateurs"
    assert "Paused" in typed(ctx, people.bob, "finder pause Fondateurs").messages[0].status


def test_the_owner_edits_a_finder_in_its_form_and_a_new_search_runs_at_once(ctx, people):
    with UnitOfWork(ctx.engine)() as s:
        dan = f.chat_member(s, "teams", "tenant-1", "aad-dan", "Dan Member", "dan@example.com").id
    create(ctx, people.bob, members=[str(dan)])
    [finder] = finders(ctx)
    first_run = finder.run_id
    # Dan, an additional member, sees it but may not edit it
    assert "owner" in run_sync(ctx, dan, handle_action, Asked("finder.edit", str(finder.id), ROOM)).notice.text
    form = run_sync(ctx, people.bob, handle_action, Asked("finder.edit", str(finder.id), ROOM)).dialog
    assert form.title == "Edit finder" and form.state["finder_id"] == finder.id
    assert form.field("name").value == "Paris CTOs" and form.field("members").value == [str(dan)]
    assert form.field("url").value == "https://www.linkedin.com/search/results/people?keywords=cto"
    # A name taken by a segment is refused on the name field; nothing changes
    refused = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, {
        **{f.id: f.value for f in form.fields}, "name": "Lyon CTOs"}, ROOM))
    assert "already exists" in refused.errors.errors["name"] and refused.dialog.state["finder_id"] == finder.id
    # Keywords instead of the URL, no more Dan: saved, the run under way stopped and a new one started
    saved = run_sync(ctx, people.bob, handle_submission, Submitted(form.kind, form.state, {
        "name": "Paris founders", "url": "", "keywords": "founder", "location": "Paris", "members": [],
        "every_days": "7"}, ROOM))
    assert saved.closes_dialog and "new search runs now" in saved.messages[0].text
    [edited] = finders(ctx)
    assert (edited.name, edited.query, edited.every_days) == ("Paris founders",
                                                              {"keywords": "founder", "location": ["Paris"]}, 7)
    assert edited.run_id != first_run and ("finder_page", (edited.run_id, 0)) in ctx.tasks.requests
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(FinderRun, first_run).state == RunState.STOPPED
        assert s.get(Segment, edited.segment_id).name == "Paris founders"  # its segment keeps its name
    assert typed(ctx, dan, "finders").messages[0].cards == ()  # no longer shared with Dan
    # Typed: `finder edit NAME` opens the same form
    assert typed(ctx, people.bob, "finder edit Paris founders").dialog.state["finder_id"] == edited.id
