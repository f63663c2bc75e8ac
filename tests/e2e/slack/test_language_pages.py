"""A campaign in more languages than the modal has room for: the texts of the other languages are
written in a view pushed on top of the modal, come back into it, and are saved with the campaign.
Every view sent to Slack stays under 100 blocks and validates with slack_sdk's models."""

from slack_sdk.models.views import View

from core.campaigns.service import campaign_draft
from core.db import UnitOfWork
from core.workspace.models import Member
from tests.e2e.slack.conftest import fill, wait_for
from tests.e2e.slack.steps import GOOD, campaigns, open_form, pick_source

LANGS = ["en", "fr", "de", "es", "it", "nl", "pt", "pl"]
FOLLOWUPS = 10


def texts_of(lang: str, view: dict) -> dict:
    """A text for every message input of `lang` in `view`."""
    ids = [b["block_id"] for b in view["blocks"] if b.get("type") == "input" and b["block_id"].endswith(f".{lang}")]
    return {i: f"{i.split('.')[1].capitalize()} in {lang}, {{{{firstName}}}}." for i in ids}


def sent_views(sim) -> list[dict]:
    return [call.args["view"] for method in ("views.open", "views.update", "views.push") for call in sim.of(method)]


async def last_call(sim, method: str, before: int) -> dict:
    await wait_for(lambda: len(sim.of(method)) > before)
    call = sim.of(method)[-1]
    assert call.answer["ok"], call.answer
    return call.answer["view"] | ({"id": call.args["view_id"]} if "view_id" in call.args else {})


async def press_in(slack, sim, view: dict, action: str, value: str = "", method: str = "views.update") -> dict:
    before = len(sim.of(method))
    await slack.press(action, value, view=view)
    return await last_call(sim, method, before)


async def big_form(slack, sim, world) -> tuple[dict, dict]:
    """The modal with eight languages and ten follow-ups, everything it shows filled in."""
    view = await open_form(slack, sim)
    source = await pick_source(slack, view)
    before = len(sim.of("views.update"))
    await slack.change(fill(view, {"languages": LANGS}), "languages")
    view = await last_call(sim, "views.update", before)
    for _ in range(FOLLOWUPS):
        view = await press_in(slack, sim, fill(view, {}), "form.followup.add")
    typed = {**GOOD, "source": source}
    for lang in LANGS:
        typed.update(texts_of(lang, view))
    return view, typed


def paged(view: dict) -> list[str]:
    return [b["accessory"]["value"] for b in view["blocks"]
            if b.get("type") == "section" and (b.get("accessory") or {}).get("action_id") == "form.language.open"]


async def write_page(slack, sim, main: dict, lang: str, texts: dict | None = None):
    """Open `lang`'s page from the filled-in `main` modal, write its texts, submit: the answer."""
    page = await press_in(slack, sim, main, "form.language.open", lang, method="views.push")
    assert page["callback_id"] == "form:campaign_texts"
    return page, await slack.submit(fill(page, texts if texts is not None else texts_of(lang, page)))


async def test_eight_languages_and_ten_followups_are_written_across_pushed_views_and_saved(slack, slack_sim, world, ctx):
    # Given Bob's modal with eight languages and ten follow-ups: some languages have no room in it
    view, typed = await big_form(slack, slack_sim, world)
    overflowing = paged(view)
    assert overflowing and set(overflowing) < set(LANGS)
    inline = [lang for lang in LANGS if lang not in overflowing]
    assert all(f"messages.followup.10.{lang}" in {b.get("block_id") for b in view["blocks"]} for lang in inline)

    # When he writes the texts of each overflowing language in its pushed view
    main = fill(view, typed)
    for lang in overflowing:
        before = len(slack_sim.of("views.update"))
        page, answer = await write_page(slack, slack_sim, main, lang)
        assert len([b for b in page["blocks"] if b["type"] == "input"]) == 2 + FOLLOWUPS
        assert answer.status == 200 and (await answer.text()) == ""  # the pushed view closes
        # Then the modal under it is updated: what was typed in it is still there, the page's texts are written
        main = await last_call(slack_sim, "views.update", before)
        assert main["id"] == view["id"]
        shown = {b["block_id"]: b["element"].get("initial_value") for b in main["blocks"] if b.get("type") == "input"}
        assert shown["messages.invitation.en"] == typed["messages.invitation.en"]
        assert shown[f"messages.followup.10.{inline[-1]}"] == typed[f"messages.followup.10.{inline[-1]}"]
        status = next(b["text"]["text"] for b in main["blocks"] if (b.get("accessory") or {}).get("value") == lang)
        assert "12 of 12 written" in status
        main = fill(main, {})

    # And the campaign is saved with every language's texts, those typed in pushed views included
    posted = len(slack_sim.of("chat.postMessage"))
    answer = await slack.submit(main)
    assert answer.status == 200 and (await answer.text()) == ""
    await wait_for(lambda: len(slack_sim.of("chat.postMessage")) > posted)
    [campaign] = campaigns(ctx)
    with UnitOfWork(ctx.engine)() as s:
        _, saved = campaign_draft(session=s, actor=s.get(Member, campaign.sender_id), campaign_id=campaign.id)
    assert saved.languages == LANGS and len(saved.followups) == FOLLOWUPS
    for lang in overflowing:
        assert saved.invitation[lang] == f"Invitation in {lang}, {{{{firstName}}}}."
        assert saved.followups[9].texts[lang] == f"Followup in {lang}, {{{{firstName}}}}."
    assert saved.welcome[inline[0]] == typed[f"messages.welcome.{inline[0]}"]

    # Every view sent to Slack stayed under 100 blocks and validates with slack_sdk's models
    views = sent_views(slack_sim)
    assert {"views.open", "views.update", "views.push"} <= {c.method for c in slack_sim.calls}
    for sent in views:
        assert 0 < len(sent["blocks"]) <= 100  # Slack: "Max of 100 blocks"
        View(**sent).validate_json()


async def test_an_invalid_text_of_an_overflowing_language_is_reported_and_nothing_is_saved(slack, slack_sim, world, ctx):
    view, typed = await big_form(slack, slack_sim, world)
    main = fill(view, typed)
    first, second = paged(view)[:2]

    # A broken template on a page: the error is shown on that page's input, the page stays open
    page = await press_in(slack, slack_sim, main, "form.language.open", first, method="views.push")
    broken = {**texts_of(first, page), f"messages.followup.3.{first}": "Hallo {{firstName"}
    answer = await (await slack.submit(fill(page, broken))).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [f"messages.followup.3.{first}"]

    # Submitting the modal with a language whose page was never written: the error names it, on the modal
    answer = await (await slack.submit(main)).json()
    assert answer["response_action"] == "errors"
    label = {"fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "nl": "Dutch", "pt": "Portuguese",
             "pl": "Polish"}
    message = answer["errors"]["languages"]
    assert label[first] in message and label[second] in message and "Write the texts in" in message
    assert campaigns(ctx) == []
