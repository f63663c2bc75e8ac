"""The moderation digest (P-21…P-23) as neutral pages, and alerts as cards.

A page holds at most `PAGE_SIZE` entries so that a Slack message stays under 50 blocks and a Teams
card under 28 KB. Button values carry `digest_id:page:send_id` so that a decision re-renders the
page it came from, in place.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.conversation import catalogue
from bot.conversation.views import Button, Card, DigestEntry, DigestPage, Fact, Option
from core.notify import Alert, DigestItem, DigestView

PAGE_SIZE = 10
REFRESH = "digest.refresh"  # the current state of one page (`digest_id:page`), e.g. when a card is reopened
STATUS_LABELS = {
    "planned": "Will be sent", "skipped": "Skipped", "claimed": "Being sent", "sent": "Sent",
    "cancelled": "Cancelled", "failed": "Failed",
}


def entry_value(digest_id: int, page: int, send_id: int, extra: str | None = None) -> str:
    return f"{digest_id}:{page}:{send_id}" + (f":{extra}" if extra else "")


# How many parts each digest button's value has, as `entry_value` and `digest_page` write them:
# `digest_id:page` for a page, `…:send_id` for an invitation, `…:language` for a language picked.
VALUE_PARTS = {REFRESH: 2, "digest.skip_all": 2, "digest.restore_all": 2, "digest.skip": 3, "digest.restore": 3,
               "digest.edit": 3, "digest.language": 4}


def parse_value(value: str, action: str | None = None) -> tuple[int, int, int | None, str | None]:
    """`digest_id:page[:send_id[:extra]]` → parts; raises ValueError on anything else, and on a value
    of another shape than `action`'s buttons carry (a page's value on an invitation's button)."""
    parts = (value if isinstance(value, str) else "").split(":", 3)
    numbers = [_number(p) for p in parts[:3]]
    unreadable_send = len(parts) > 2 and parts[2] and numbers[2] is None
    if len(parts) < 2 or numbers[0] is None or numbers[1] is None or unreadable_send:
        raise ValueError("this button names no digest")
    if action is not None and len(parts) != VALUE_PARTS.get(action, len(parts)):
        raise ValueError("this button names no digest")
    send_id = numbers[2] if len(parts) > 2 and parts[2] else None
    return numbers[0], numbers[1], send_id, parts[3] if len(parts) > 3 else None


def _number(text: str) -> int | None:
    """Ids and pages we wrote: ASCII digits within a 64-bit integer."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def page_count(view: DigestView) -> int:
    return max(1, -(-len(view.items) // PAGE_SIZE))


def _starts(view: DigestView) -> str:
    if view.starts_at is None:
        return "no slot planned"
    try:
        zone = ZoneInfo(view.timezone)
    except (ZoneInfoNotFoundError, ValueError):  # shown in UTC rather than failing the whole digest
        zone = ZoneInfo("UTC")
    local = view.starts_at.astimezone(zone)
    day = "" if local.date() == view.for_date else local.strftime("%A %d %B, ")
    return f"{day}{local:%H:%M} {view.timezone}"


def _entry(view: DigestView, page: int, item: DigestItem) -> DigestEntry:
    buttons: list[Button] = []
    if item.status == "planned":
        buttons.append(Button("Skip", "digest.skip", entry_value(view.digest_id, page, item.send_id), style="danger"))
        buttons.append(Button("Edit", "digest.edit", entry_value(view.digest_id, page, item.send_id)))
    elif item.status == "skipped":
        buttons.append(Button("Restore", "digest.restore", entry_value(view.digest_id, page, item.send_id),
                              style="primary"))
    warnings = tuple(item.warnings)
    if item.length > item.limit:
        warnings += (f"{item.length - item.limit} characters over the {item.limit} limit",)
    return DigestEntry(
        send_id=item.send_id, contact_name=item.contact_name, headline=item.headline, language=item.language,
        languages=tuple(item.languages), text=item.text, length=item.length, limit=item.limit,
        status=item.status,
        status_label=STATUS_LABELS.get(item.status, item.status) + (" (edited)" if item.edited else ""),
        edited=item.edited, warnings=warnings, buttons=tuple(buttons),
        language_action="digest.language" if item.status == "planned" and len(item.languages) > 1 else None,
        language_options=tuple(Option(entry_value(view.digest_id, page, item.send_id, lang),
                                      catalogue.language_label(lang))
                               for lang in item.languages),
    )


def digest_pages(view: DigestView) -> list[DigestPage]:
    """Every page of a digest, in order."""
    return [digest_page(view, p) for p in range(page_count(view))]


def digest_page(view: DigestView, page: int) -> DigestPage:
    pages = page_count(view)
    page = min(max(page, 0), pages - 1)
    items = view.items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    planned = sum(1 for i in view.items if i.status == "planned")
    summary = (f"{view.for_date:%A %d %B}: {planned} of {len(view.items)} invitations will be sent; "
               f"sending starts at {_starts(view)}.")
    if view.held:
        summary += " Sending was held until this digest reached you: nothing went out before you could review it."
    if pages > 1:
        summary += f" Page {page + 1} of {pages}."
    if not view.items:
        summary = f"{view.for_date:%A %d %B}: no invitation planned."
    buttons: tuple[Button, ...] = ()
    if any(i.status in ("planned", "skipped") for i in items):
        value = f"{view.digest_id}:{page}"
        buttons = (Button("Skip all", "digest.skip_all", value, style="danger",
                          confirm="Skip every invitation of this page?"),
                   Button("Restore all", "digest.restore_all", value))
    return DigestPage(
        digest_id=view.digest_id, campaign_id=view.campaign_id, page=page, pages=pages,
        title=f"Tomorrow's invitations: {view.campaign_name}",
        summary=summary, entries=tuple(_entry(view, page, i) for i in items), buttons=buttons,
        sandbox=view.sandbox,
    )


def page_send_ids(view: DigestView, page: int) -> list[int]:
    return [i.send_id for i in view.items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]


ALERT_TONES = {"account_disconnected": "error", "rate_limited": "warning", "note_limit": "warning",
               "campaign_paused": "warning", "campaign_error": "error"}


def alert_card(alert: Alert) -> Card:
    """An account or campaign alert with what to do about it."""
    buttons: list[Button] = []
    if alert.kind == "account_disconnected":
        buttons.append(Button("Reconnect LinkedIn", "account.connect", style="primary"))
    if alert.campaign_id is not None:
        buttons.append(Button("Show campaign", "campaign.show", str(alert.campaign_id)))
    return Card(title=alert.title, status=alert.kind.replace("_", " ").capitalize(), text=alert.text,
                facts=(Fact("What to do", alert.action_hint),), buttons=tuple(buttons),
                tone=ALERT_TONES.get(alert.kind, "warning"))
