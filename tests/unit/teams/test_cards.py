"""Every card the Teams surface renders validates against Adaptive Cards 1.5 and stays under 28 KB,
with long names, many follow-ups and languages."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.conversation import digest as neutral_digest
from bot.conversation.form import build_form, paged_languages, place_errors
from bot.conversation.views import (
    Button, CampaignList, Card, Fact, FormErrors, Home, Notice, Option, OptionGroup, PreviewSample, PreviewView,
)
from bot.teams.cards import form_card, render
from bot.teams.cards.views import render_cards
from bot.teams.cards.form import ROOM, form_of, values_from_payload
from core.campaigns.drafts import CampaignDraft, FollowupDraft, SlotDraft
from core.notify import DigestItem, DigestView
from tests.cards import assert_valid_card, walk

LONG = "Ünïcödé-Ωmega " * 6  # 84 characters, non-ASCII
LANGS = ["en", "fr", "de", "es", "it", "nl"]


def _buttons():
    return (Button("Activate", "campaign.activate", "1", style="primary"), Button("Edit", "campaign.edit", "1"),
            Button("Stop", "campaign.stop", "1", style="danger", confirm=f"Stop “{LONG}”?"),
            Button("Connect", "account.connect_link", url="https://provider.example/link?x=1"))


def _card(i: int = 0) -> Card:
    return Card(title=f"{LONG} {i}", subtitle=f"Program: {LONG}", status="Running with warnings", tone="warning",
                text="**not markdown** [x](https://evil.example)",
                facts=tuple(Fact(f"Fact {n}", LONG) for n in range(7)), buttons=_buttons())


def _draft(followups: int = 10, languages=LANGS, text_len: int = 180) -> CampaignDraft:
    body = ("Hello {{firstName}}, " + "x" * text_len)[:text_len]
    return CampaignDraft(
        name=LONG[:80], program=LONG[:80], description="d" * 500, sender_id=1, source_kind="segment", source_id=2,
        languages=list(languages), invitation={lang: body[:290] for lang in languages},
        welcome={lang: body for lang in languages},
        followups=[FollowupDraft(delay_days=3, texts={lang: body for lang in languages}) for _ in range(followups)],
        timezone="America/Argentina/ComodRivadavia", slots=[SlotDraft(d, "09:00", "11:30") for d in range(7)],
    )


def _digest(items: int = 10) -> DigestView:
    return DigestView(
        digest_id=7, workspace_id=1, campaign_id=3, campaign_name=LONG, sender_member_id=1, for_date=date(2026, 11, 26),
        starts_at=datetime(2026, 11, 26, 8, tzinfo=timezone.utc), timezone="Europe/Paris", sandbox=True,
        items=tuple(DigestItem(send_id=100 + i, contact_id=i, contact_name=f"{LONG} {i}", headline="h" * 400,
                               language="fr", languages=tuple(LANGS), text="t" * 300, length=312, limit=300,
                               status=("planned", "skipped", "claimed", "sent")[i % 4], edited=bool(i % 2),
                               warnings=("Missing token: company", LONG)) for i in range(items)),
    )


def test_read_views_render_as_valid_cards():
    views = [
        Notice("Done " + LONG, title="Saved", tone="success", buttons=_buttons()),
        Notice("No title, just text"),
        _card(),
        CampaignList("Your campaigns", tuple(_card(i) for i in range(20)), buttons=_buttons()[:1], more=5),
        CampaignList("Nothing"),
        PreviewView(LONG, tuple(PreviewSample(LONG, "Invitation", "fr", "t" * 300, 312, 300, ("Overflows by 12",))
                                for _ in range(8)), overflowing=(LONG,) * 5, missing_tokens=(LONG,) * 5, note=LONG),
        Home("invitebot", LONG, CampaignList("Yours", tuple(_card(i) for i in range(5))), _buttons()),
    ]
    for view in views:
        cards = render_cards(view)
        for card in cards:
            assert_valid_card(card)
    # the 20 long campaigns did not fit one message: they came as several, none lost
    many = render_cards(views[3])
    assert len(many) > 1
    titles = [run["text"] for c in many for box in c["body"] if box.get("type") == "Container"
              for run in box["items"][0]["inlines"]]  # each campaign's heading, first of its container
    assert sum(1 for t in titles if t.startswith(LONG)) == 20


def test_user_text_is_never_read_as_markdown():
    card = render(_card())
    runs = [i for block in card["body"] if block["type"] == "RichTextBlock" for i in block["inlines"]]
    assert any(r["text"] == "**not markdown** [x](https://evil.example)" for r in runs)


def test_confirmed_buttons_ask_first():
    card = render(_card())
    stop = next(a for block in card["body"] if block["type"] == "ActionSet" for a in block["actions"]
                if a["title"] == "Stop")
    assert stop["type"] == "Action.ShowCard"
    [confirm] = stop["card"]["actions"]
    assert confirm["type"] == "Action.Execute" and confirm["verb"] == "campaign.stop"
    assert confirm["data"] == {"action": "campaign.stop", "value": "1"}


@pytest.mark.parametrize("items", [0, 1, 10, 37])
def test_every_digest_page_is_a_valid_card_with_a_refresh_for_the_sender(items):
    pages = neutral_digest.digest_pages(_digest(items))
    assert len(pages) == max(1, -(-items // neutral_digest.PAGE_SIZE))
    for page in pages:
        card = render(page, refresh_user_ids=["29:sender"])
        assert_valid_card(card)
        assert card["refresh"]["userIds"] == ["29:sender"]
        assert card["refresh"]["action"]["type"] == "Action.Execute"


@pytest.mark.parametrize("mode", ["submit", "execute"])
@pytest.mark.parametrize("followups,languages", [(0, ["en"]), (3, LANGS[:3]), (10, LANGS)])
def test_the_campaign_form_is_a_valid_card(mode, followups, languages):
    form = build_form(_draft(followups, languages), state={"campaign_id": None}, labels={"sender": LONG, "source": LONG}, room=ROOM)
    static = {"sender": [Option(str(i), f"{LONG} {i}", "a@b.c") for i in range(15)],
              "source": [OptionGroup("Finders", (Option("finder:1", LONG),)),
                         OptionGroup("Segments", (Option("segment:2", LONG),))]}
    cards = _all_pages(form, mode=mode, static_choices=static)
    queries = [q for card in cards for q in assert_valid_card(card)]
    # name, program and timezone search as the user types; sender and source were small enough to embed
    assert sorted(q["dataset"] for q in queries) == ["campaign_name", "program", "timezone"]
    ids = {e.get("id") for card in cards for e in walk(card)}
    assert {f.id for f in form.fields} <= ids
    for card in cards:
        submit = card["actions"][-1]
        assert submit["type"] == ("Action.Submit" if mode == "submit" else "Action.Execute")
        assert submit["data"]["action"] == "form.submit"
        assert form_of(inputs_of(card))["kind"] == "campaign"
    if len(cards) > 1:
        # every page submits the whole form: the other pages' values travel in a hidden input
        last = values_from_payload(inputs_of(cards[-1]))
        assert last["name"] == form.field("name").value
        inline = [lang for lang in languages if form.field(f"messages.invitation.{lang}") is not None]
        assert last[f"messages.invitation.{inline[-1]}"] == form.field(f"messages.invitation.{inline[-1]}").value
    # languages the form has no room for are written on their own page, opened by a button of the card
    opens = {a["data"]["value"] for card in cards for a in walk(card) if a.get("data", {}).get("action") == "form.language.open"}
    assert opens == set(paged_languages(form))


@pytest.mark.parametrize("text_len", [180, 1000])
def test_every_language_and_ten_followups_fit_in_cards_under_28_kb(text_len):
    from bot.conversation.language_page import page_form
    from core.campaigns.validation import LANGUAGE_CODES

    draft = _draft(10, LANGUAGE_CODES, text_len=text_len)
    form = build_form(draft, state={"campaign_id": None}, labels={"sender": LONG, "source": LONG}, room=ROOM)
    paged = paged_languages(form)
    assert paged  # the others are inputs of the form itself
    cards = _all_pages(form)
    for lang in paged:
        page = page_form(draft, lang, state=form.state)
        assert [f.value for f in page.fields][2:] == [draft.followups[i].texts[lang] for i in range(10)]
        cards += _all_pages(page)
    for card in cards:
        assert_valid_card(card)  # Adaptive Cards 1.5 schema, under 28 KB


def _all_pages(form, **kwargs):
    cards = [form_card(form, **kwargs)]
    while any(a["data"].get("action") == "form.page" and a["title"] == "Next" for a in cards[-1]["actions"]):
        cards.append(form_card(form, page=len(cards), **kwargs))
        assert len(cards) < 10
    return cards


def test_form_errors_show_under_their_fields_and_keep_what_was_typed():
    form = build_form(_draft(2, ["en", "fr"]), state={"campaign_id": None}, labels={}, room=ROOM)
    errors = place_errors(form, {"name": "Too short.", "messages.invitation.fr": "312 characters: 12 over.",
                                 "nowhere.at.all": "Lost?"})
    card = form_card(form, errors=errors)
    assert_valid_card(card)
    texts = {e["id"]: e["inlines"][0]["text"] for e in walk(card) if e.get("id", "").startswith("error.")}
    assert texts["error.name"].startswith("Too short.")
    assert texts["error.messages.invitation.fr"] == "312 characters: 12 over."
    invitation_fr = next(e for e in walk(card) if e.get("id") == "messages.invitation.fr")
    assert invitation_fr["value"] == form.field("messages.invitation.fr").value


def test_a_summary_error_is_shown_even_without_a_field():
    form = build_form(_draft(0, ["en"]), state={"campaign_id": None}, labels={}, room=ROOM)
    card = form_card(form, errors=FormErrors({}, summary="The sender was deactivated meanwhile."))
    assert any(e.get("inlines", [{}])[0].get("text") == "The sender was deactivated meanwhile." for e in walk(card))


def test_submitted_values_come_back_typed_as_the_conversation_reads_them():
    form = build_form(_draft(0, ["en", "fr"]), state={"campaign_id": None}, labels={}, room=ROOM)
    card = form_card(form)
    payload = {**card["actions"][0]["data"], **inputs_of(card), "name": "new:Spring", "languages": "en,fr", "moderation": "false", "stop_if_ongoings": "true",
               "cohort_size": "12", "msteams": {"type": "task/submit"}}
    values = values_from_payload(payload)
    assert {k: values[k] for k in ("name", "languages", "moderation", "stop_if_ongoings", "cohort_size")} == {
        "name": "new:Spring", "languages": ["en", "fr"], "moderation": False, "stop_if_ongoings": True,
        "cohort_size": "12"}
    assert "_form" not in values and "action" not in values


def inputs_of(card):
    return {e["id"]: e["value"] for e in walk(card) if e.get("type", "").startswith("Input.") and "value" in e}


def texts_of(card):
    return [e["text"] for e in walk(card) if e.get("type") == "TextRun"]


def test_user_text_in_facts_shows_as_typed_not_as_markdown():
    typed = "**Bold** [click me](https://example.com)"
    card = render(Card("Spring", facts=(Fact("Source", typed),)))
    assert_valid_card(card)
    assert not [n for n in walk(card) if n.get("type") in ("FactSet", "TextBlock")]  # both read markdown
    assert typed in texts_of(card)


def test_a_home_with_many_long_campaigns_stays_one_card_under_the_limit_and_says_what_it_left_out():
    home = Home("invitebot", LONG, CampaignList("Yours", tuple(_card(i) for i in range(20))), _buttons())
    [card] = render_cards(home)
    assert_valid_card(card)  # under 28 KB
    assert any("more not shown" in t for t in texts_of(card))


def test_a_preview_of_many_long_follow_ups_stays_one_card_under_the_limit():
    samples = tuple(PreviewSample("Ann", f"Follow-up {i}", "French", "x" * 8000, 8000, None) for i in range(10))
    [card] = render_cards(PreviewView("Preview", samples, overflowing=("Ann: Invitation 312/300",)))
    assert_valid_card(card)
    assert "More messages not shown." in texts_of(card) and "Would overflow: Ann: Invitation 312/300" in texts_of(card)
