"""The read-side views as cards: notices, campaign cards and lists, previews, home, digest pages."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch
from typing import Any

from bot.conversation.digest import REFRESH as DIGEST_REFRESH
from bot.conversation.views import (
    CampaignList, Card, DigestEntry, DigestPage, Home, Notice, PreviewView,
)
from bot.teams.cards.elements import (
    EXECUTE, MAX_CARD_BYTES, action_data, action_set, card_bytes, compact, envelope, facts, text, title,
)
from core.i18n import invocation, language_name, t, tn

BUDGET = MAX_CARD_BYTES - 2 * 1024  # room for the activity around the card

# The Universal Actions refresh of a digest card asks the conversation layer for the current page.


@singledispatch
def render(view: Any, **_: Any) -> dict:
    raise TypeError(f"no card for {type(view).__name__}")


@render.register
def _notice(view: Notice, **_: Any) -> dict:
    body = compact([
        title(view.title, tone=view.tone) if view.title else None,
        text(view.text, tone=view.tone if not view.title else None),
        action_set(view.buttons),
    ])
    return envelope(body)


def _card_items(card: Card, *, heading_size: str = "Medium") -> list[dict]:
    return compact([
        title(card.title, size=heading_size),
        text(card.subtitle, subtle=True, spacing="None") if card.subtitle else None,
        text(card.status, weight="Bolder", tone=card.tone) if card.status else None,
        text(card.text) if card.text else None,
        facts(card.facts),
        action_set(card.buttons),
    ])


@render.register
def _card(view: Card, **_: Any) -> dict:
    return envelope(_card_items(view))


@render.register
def _list(view: CampaignList, **_: Any) -> dict:
    body = [title(view.title, size="Large")]
    if not view.cards:
        body.append(text(view.empty_text, subtle=True))
    for card in view.cards:
        body.append({"type": "Container", "separator": True, "spacing": "Medium",
                     "items": _card_items(card, heading_size="Default")})
    if view.more:
        body.append(text(tn("list.more_not_shown", view.more, command=invocation("show", t("command.show.args"))),
                         subtle=True))
    body += compact([action_set(view.buttons)])
    return envelope(body)


@render.register
def _preview(view: PreviewView, **_: Any) -> dict:
    """The samples that fit one card (long follow-ups may not all), the problems always."""
    head = [title(view.title, size="Large")]
    if view.note:
        head.append(text(view.note, subtle=True))
    tail = []
    if view.overflowing:
        tail.append(text(t("preview.would_overflow", problems="; ".join(view.overflowing)), tone="error",
                         separator=True))
    if view.missing_tokens:
        tail.append(text(t("preview.missing_tokens", tokens="; ".join(view.missing_tokens)), tone="warning"))
    samples = []
    for sample in view.samples:
        length = t("digest.characters", length=sample.length, limit=sample.limit) if sample.limit else \
            t("preview.characters", length=sample.length)
        items = [
            text(f"{sample.step} · {sample.contact_name} · {sample.language}", weight="Bolder"),
            text(sample.text),
            text(length, subtle=True, spacing="None"),
        ]
        items += [text(p, tone="error", spacing="None") for p in sample.problems]
        samples.append({"type": "Container", "separator": True, "items": items})
    cut = text(t("preview.more_messages"), subtle=True)
    card = envelope(head + samples + tail)
    while card_bytes(card) > BUDGET and samples:
        samples.pop()
        card = envelope(head + samples + [cut] + tail)
    return card


@render.register
def _home(view: Home, **_: Any) -> dict:
    """One card whatever the number of campaigns: those that fit, then how many more and how to see them."""
    head = compact([title(view.title, size="Large"), text(view.intro), action_set(view.buttons)])
    campaigns = view.campaigns
    while True:
        card = envelope(head + _list(campaigns)["body"])
        if card_bytes(card) <= BUDGET or not campaigns.cards:
            return card
        campaigns = replace(campaigns, cards=campaigns.cards[:-1], more=campaigns.more + 1)


# -- moderation digest ---------------------------------------------------------------------------

def language_input_id(send_id: int) -> str:
    return f"language.{send_id}"


def _entry(page: DigestPage, entry: DigestEntry) -> dict:
    head = f"{entry.contact_name} · {language_name(entry.language)}"
    items = compact([
        text(head, weight="Bolder"),
        text(entry.headline, subtle=True, spacing="None") if entry.headline else None,
        text(entry.status_label, tone="success" if entry.status == "planned" else "warning", spacing="Small"),
        text(entry.text, spacing="Small"),
        text(t("digest.characters", length=entry.length, limit=entry.limit), subtle=True, spacing="None",
             tone="error" if entry.length > entry.limit else None),
    ])
    items += [text(w, tone="warning", spacing="None") for w in entry.warnings]
    actions = []
    if entry.language_action and len(entry.languages) > 1:
        input_id = language_input_id(entry.send_id)
        items.append({"type": "Input.ChoiceSet", "id": input_id, "label": t("digest.language"), "style": "compact",
                      "value": entry.language,
                      "choices": [{"title": language_name(lang), "value": lang} for lang in entry.languages]})
        value = f"{page.digest_id}:{page.page}:{entry.send_id}"
        actions.append({"type": "Action.Execute", "title": t("digest.change_language"), "verb": entry.language_action,
                        "data": action_data(entry.language_action, value, input=input_id)})
    entry_actions = action_set(entry.buttons)
    if entry_actions:
        actions = entry_actions["actions"] + actions
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


@render.register
def _digest(view: DigestPage, *, refresh_user_ids: list[str] | None = None, **_: Any) -> dict:
    body = compact([
        title(view.title, size="Large"),
        text(t("digest.sandbox"), tone="warning") if view.sandbox else None,
        text(view.summary),
    ])
    body += [_entry(view, e) for e in view.entries]
    extra: dict[str, Any] = {}
    if refresh_user_ids:
        # Universal Actions: Teams asks the bot for the current page whenever the sender opens it.
        value = f"{view.digest_id}:{view.page}"
        extra["refresh"] = {
            "action": {"type": "Action.Execute", "verb": DIGEST_REFRESH, "title": t("button.refresh"),
                       "data": action_data(DIGEST_REFRESH, value)},
            "userIds": list(refresh_user_ids),
        }
    page_actions = action_set(view.buttons, mode=EXECUTE)
    return envelope(body, page_actions["actions"] if page_actions else None, **extra)


def render_cards(view: Any, **kwargs: Any) -> list[dict]:
    """One view as one card, or, for a list too big for one Teams message, as several."""
    card = render(view, **kwargs)
    if not isinstance(view, CampaignList) or card_bytes(card) <= BUDGET or len(view.cards) < 2:
        return [card]
    half = len(view.cards) // 2
    first = replace(view, cards=view.cards[:half], more=0, buttons=())
    rest = replace(view, title=t("list.continued", title=view.title), cards=view.cards[half:])
    return render_cards(first, **kwargs) + render_cards(rest, **kwargs)
