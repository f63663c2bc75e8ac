"""Every view and message the Slack surface produces, at its largest (long names, ten follow-ups,
every language, full digest pages), is built with slack_sdk models and within Slack's limits."""

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from bot.conversation import cards, digest, digest_actions, form as campaign_form
from bot.conversation.commands import help_text
from bot.conversation.views import Home, Notice
from bot.slack import modals, render
from bot.slack.surface import home_view
from core.campaigns.health import Health
from core.campaigns.preview import ContactPreview, Preview, RenderedMessage
from core.campaigns.service import CampaignDraft, FollowupDraft, SlotDraft
from core.notify import Alert, DigestItem, DigestView

LONG = "Ünïcödé & <tags> " * 40  # 680 characters, with mrkdwn control characters
NAME = ("Q4 Enterprise outreach to founders of B2B SaaS companies in Paris, Berlin & co "[:80])
LANGS = ["en", "fr", "de", "es", "it"]


def campaign(status="active"):
    return SimpleNamespace(id=123456, name=NAME, status=status, timezone="America/Argentina/ComodRivadavia")


HEALTH = Health(label="warnings", detail="Running with warnings: " + LONG, today_planned=25, today_sent=12,
                invitations_sent=12345, accepted=4321, ratio=0.35, ratio_good=True,
                next_slot=datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))


def big_card(status="active"):
    return cards.campaign_card(campaign(status), HEALTH, sender_name="S" * 120, program="P" * 80,
                               source_name="Segment: " + "N" * 120, note=LONG)


def big_form():
    draft = CampaignDraft(
        name=NAME, program="P" * 80, description=LONG * 4, sender_id=1, source_kind="segment", source_id=2,
        languages=LANGS, invitation={lang: "I" * 300 for lang in LANGS}, welcome={lang: LONG for lang in LANGS},
        followups=[FollowupDraft(delay_days=90, texts={lang: LONG * 4 for lang in LANGS}) for _ in range(10)],
        timezone="America/Argentina/ComodRivadavia",
        slots=[SlotDraft(weekday=d, start="09:00", end="11:00") for d in range(7)], cohort_size=25)
    return campaign_form.build_form(draft, state={"campaign_id": 9, "name": NAME, "rev": 12},
                                    labels={"sender": "S" * 120, "source": "Segment: " + "N" * 120}, room=modals.ROOM)


def big_digest(n_items=23):
    items = tuple(DigestItem(send_id=1000 + i, contact_id=i, contact_name="Maximilianus " * 8, headline=LONG,
                             language="fr", languages=tuple(LANGS), text="N" * 300, length=312, limit=300,
                             status=("planned", "skipped", "claimed", "sent")[i % 4], edited=i % 2 == 0,
                             warnings=("missing firstName", LONG)) for i in range(n_items))
    return DigestView(digest_id=77, workspace_id=1, campaign_id=123456, campaign_name=NAME, sender_member_id=5,
                      for_date=date(2026, 11, 26), starts_at=datetime(2026, 11, 26, 8, tzinfo=timezone.utc),
                      timezone="Europe/Paris", items=items, sandbox=True)


def big_preview():
    messages = [RenderedMessage(step="invitation", position=0, language="fr", text="T" * 320, length=320, limit=300,
                                missing=["firstName"])]
    messages += [RenderedMessage(step="followup", position=n, language=lang, text=LONG * 3, length=2040, limit=None)
                 for n in range(1, 11) for lang in LANGS]
    contacts = [ContactPreview(contact_id=i, name="Maximilianus " * 8, why="longest", messages=messages) for i in range(3)]
    return Preview(campaign_id=1, campaign_name=NAME, note_limit=300, contacts=contacts, total_contacts=5000)


def messages():
    yield "notice", Notice(help_text("x" * 500), title=LONG, tone="error")
    yield "card", big_card()
    yield "draft card", big_card("draft")
    yield "list", cards.campaign_list("Your campaigns", [big_card() for _ in range(25)], total=40)
    yield "empty list", cards.campaign_list("Your campaigns", [])
    yield "preview", cards.preview_view(big_preview())
    for page in digest.digest_pages(big_digest()):
        yield f"digest page {page.page}", page
    yield "empty digest", digest.digest_page(big_digest(0), 0)
    for kind in ("account_disconnected", "rate_limited", "campaign_paused", "campaign_error"):
        yield f"alert {kind}", digest.alert_card(Alert(workspace_id=1, member_id=2, kind=kind, title=LONG, text=LONG * 3,
                                                        action_hint=LONG, campaign_id=3))


@pytest.mark.parametrize("label,view", list(messages()), ids=[label for label, _ in messages()])
def test_message_validates_and_stays_within_50_blocks(label, view):
    payload = render.message(view)  # slack_sdk validates each block while serialising
    assert 0 < len(payload["blocks"]) <= render.MESSAGE_BLOCKS
    assert payload["text"]


def test_digest_pages_keep_every_entry():
    pages = digest.digest_pages(big_digest(23))
    assert [len(p.entries) for p in pages] == [10, 10, 3]
    assert all(len(render.message(p)["blocks"]) <= 50 for p in pages)


def test_biggest_campaign_form_is_a_valid_modal_under_100_blocks():
    form = big_form()
    view = modals.modal_dict(form, {"c": "D1", "ts": "1.2"})
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert {b.get("block_id") for b in view["blocks"]} >= {f.id for f in form.fields}


@pytest.mark.parametrize("followups", [0, 3, 10])
def test_every_language_fits_the_modal_or_a_pushed_view_under_100_blocks(followups):
    from bot.conversation.language_page import page_form
    from core.campaigns.validation import LANGUAGE_CODES

    langs = list(LANGUAGE_CODES)
    draft = CampaignDraft(name=NAME, sender_id=1, languages=langs, invitation={lang: "I" * 300 for lang in langs},
                          welcome={lang: "W" * 200 for lang in langs},
                          followups=[FollowupDraft(delay_days=3, texts={lang: "F" * 200 for lang in langs})
                                     for _ in range(followups)])
    form = campaign_form.build_form(draft, state={"campaign_id": None}, labels={}, room=modals.ROOM)
    view = modals.modal_dict(form, {"c": "D1", "ts": "1.2"})
    assert len(view["blocks"]) <= modals.MODAL_BLOCKS  # Slack: "Max of 100 blocks"
    paged = campaign_form.paged_languages(form)
    if followups == 10:
        assert paged
    buttons = {b["accessory"]["value"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "form.language.open"}
    assert buttons == set(paged)
    shown = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    for lang in langs:  # every text of every language is an input of the modal or of its language's page
        page = modals.modal_dict(page_form(draft, lang, state=form.state), {"p": "V1"})
        assert len(page["blocks"]) <= modals.MODAL_BLOCKS
        on_page = {b["block_id"] for b in page["blocks"] if b["type"] == "input"}
        texts = set(campaign_form.language_texts(draft, [lang]))
        assert texts <= (on_page if lang in paged else shown)


def test_new_campaign_form_and_digest_edit_form_are_valid_modals():
    empty = campaign_form.build_form(CampaignDraft(), state={}, labels={}, room=modals.ROOM)
    assert modals.modal_dict(empty)["blocks"]
    item = big_digest().items[0]
    edit = digest_actions.edit_form(77, 0, item)
    assert modals.modal_dict(edit, {"c": "D1", "ts": "1.2", "e": False})["callback_id"] == "form:digest_edit"


def test_home_tab_validates():
    home = Home(title="Invite campaigns", intro=LONG, campaigns=cards.campaign_list("All", [big_card()] * 25, total=60))
    assert len(home_view(home)["blocks"]) <= 100


def test_options_answers_keep_slacks_limits():
    """Labels and descriptions of 75 characters at most, values of 150, 100 options or groups."""
    from bot.conversation.views import Option, OptionGroup
    from bot.slack.listeners.options import to_slack

    options = (Option("new:" + "v" * 300, "Create “" + "n" * 100 + "”", "d" * 100), Option("segment:1", "Seg"))
    answer = [o.to_dict() for o in to_slack(list(options))["options"]]  # as bolt's ack sends them
    assert answer == [
        {"text": {"type": "plain_text", "text": "Create “" + "n" * 66 + "…", "emoji": True},
         "value": "new:" + "v" * 145 + "…",
         "description": {"type": "plain_text", "text": "d" * 74 + "…", "emoji": True}},
        {"text": {"type": "plain_text", "text": "Seg", "emoji": True}, "value": "segment:1"},
    ]
    many = [Option(f"segment:{i}", f"Segment {i}") for i in range(150)]
    assert len(to_slack(many)["options"]) == 100
    grouped = [g.to_dict() for g in to_slack([OptionGroup("G" * 80, tuple(many))] * 120)["option_groups"]]
    assert len(grouped) == 100
    assert grouped[0]["label"] == {"type": "plain_text", "text": "G" * 74 + "…", "emoji": True}
    assert [o["value"] for o in grouped[0]["options"]] == [f"segment:{i}" for i in range(100)]
