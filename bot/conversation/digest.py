"""The moderation digest (P-21…P-23) as neutral pages, and alerts as cards.

A page holds at most `PAGE_SIZE` entries so that a Slack message stays under 50 blocks and a Teams
card under 28 KB. Button values carry `digest_id:page:send_id` so that a decision re-renders the
page it came from, in place.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.conversation.views import Button, Card, DigestEntry, DigestPage, Fact, Option
from core.i18n import N_, date_text, language_name, speaking, t, tn
from core.notify import Alert, DigestItem, DigestView

PAGE_SIZE = 10
REFRESH = "digest.refresh"  # the current state of one page (`digest_id:page`), e.g. when a card is reopened
STATUS_LABELS = {
    "planned": N_("digest.status.planned"), "skipped": N_("digest.status.skipped"),
    "claimed": N_("digest.status.claimed"), "sent": N_("digest.status.sent"),
    "cancelled": N_("digest.status.cancelled"), "failed": N_("digest.status.failed"),
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
        raise ValueError(t("error.no_digest_button"))
    if action is not None and len(parts) != VALUE_PARTS.get(action, len(parts)):
        raise ValueError(t("error.no_digest_button"))
    send_id = numbers[2] if len(parts) > 2 and parts[2] else None
    return numbers[0], numbers[1], send_id, parts[3] if len(parts) > 3 else None


def _number(text: str) -> int | None:
    """Ids and pages we wrote: ASCII digits within a 64-bit integer."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def page_count(view: DigestView) -> int:
    return max(1, -(-len(view.items) // PAGE_SIZE))


def _starts(view: DigestView) -> str | None:
    """When sending starts, in the campaign's timezone; None when no slot is planned."""
    if view.starts_at is None:
        return None
    try:
        zone = ZoneInfo(view.timezone)
    except (ZoneInfoNotFoundError, ValueError):  # shown in UTC rather than failing the whole digest
        zone = ZoneInfo("UTC")
    local = view.starts_at.astimezone(zone)
    if local.date() == view.for_date:
        return t("digest.starts_time", time=f"{local:%H:%M}", timezone=view.timezone)
    return t("digest.starts_day_time", day=date_text(local.date(), format=t("date.day_pattern")),
             time=f"{local:%H:%M}", timezone=view.timezone)


def _entry(view: DigestView, page: int, item: DigestItem) -> DigestEntry:
    buttons: list[Button] = []
    if item.status == "planned":
        buttons.append(Button(t("button.skip"), "digest.skip", entry_value(view.digest_id, page, item.send_id),
                              style="danger"))
        buttons.append(Button(t("button.edit"), "digest.edit", entry_value(view.digest_id, page, item.send_id)))
    elif item.status == "skipped":
        buttons.append(Button(t("button.restore"), "digest.restore", entry_value(view.digest_id, page, item.send_id),
                              style="primary"))
    warnings = tuple(item.warnings)
    if item.length > item.limit:
        warnings += (t("preview.over_limit", over=item.length - item.limit, limit=item.limit),)
    status = t(STATUS_LABELS[item.status]) if item.status in STATUS_LABELS else item.status
    return DigestEntry(
        send_id=item.send_id, contact_name=item.contact_name, headline=item.headline, language=item.language,
        languages=tuple(item.languages), text=item.text, length=item.length, limit=item.limit,
        status=item.status,
        status_label=t("digest.edited", status=status) if item.edited else status,
        edited=item.edited, warnings=warnings, buttons=tuple(buttons),
        language_action="digest.language" if item.status == "planned" and len(item.languages) > 1 else None,
        language_options=tuple(Option(entry_value(view.digest_id, page, item.send_id, lang),
                                      language_name(lang))
                               for lang in item.languages),
    )


def digest_pages(view: DigestView) -> list[DigestPage]:
    """Every page of a digest, in order, in the language its texts were written in (`view.language`:
    the sender's when the worker posts it; the surface renders the pages in it too)."""
    with speaking(view.language):
        return [digest_page(view, p) for p in range(page_count(view))]


def digest_page(view: DigestView, page: int) -> DigestPage:
    pages = page_count(view)
    page = min(max(page, 0), pages - 1)
    items = view.items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    planned = sum(1 for i in view.items if i.status == "planned")
    day = date_text(view.for_date, format=t("date.day_pattern"))
    starts = _starts(view)
    summary = tn("digest.summary", len(view.items), day=day, planned=planned)
    summary += " " + (t("digest.starts", when=starts) if starts else t("digest.no_slot"))
    if view.held:
        summary += " " + t("digest.held")
    if pages > 1:
        summary += " " + t("digest.page", page=page + 1, pages=pages)
    if not view.items:
        summary = t("digest.nothing_planned", day=day)
    buttons: tuple[Button, ...] = ()
    if any(i.status in ("planned", "skipped") for i in items):
        value = f"{view.digest_id}:{page}"
        buttons = (Button(t("button.skip_all"), "digest.skip_all", value, style="danger",
                          confirm=t("digest.skip_all_confirm")),
                   Button(t("button.restore_all"), "digest.restore_all", value))
    return DigestPage(
        digest_id=view.digest_id, campaign_id=view.campaign_id, page=page, pages=pages,
        title=t("digest.title", name=view.campaign_name),
        summary=summary, entries=tuple(_entry(view, page, i) for i in items), buttons=buttons,
        sandbox=view.sandbox,
    )


def page_send_ids(view: DigestView, page: int) -> list[int]:
    return [i.send_id for i in view.items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]


ALERT_TONES = {"account_disconnected": "error", "rate_limited": "warning", "note_limit": "warning",
               "campaign_paused": "warning", "campaign_error": "error"}
ALERT_KINDS = {"account_disconnected": N_("alert.kind.account_disconnected"),
               "rate_limited": N_("alert.kind.rate_limited"), "note_limit": N_("alert.kind.note_limit"),
               "campaign_paused": N_("alert.kind.campaign_paused"), "campaign_error": N_("alert.kind.campaign_error"),
               "outcome_unknown": N_("alert.kind.outcome_unknown")}


def alert_card(alert: Alert) -> Card:
    """An account or campaign alert with what to do about it, in the language of its texts."""
    with speaking(alert.language):
        return _alert_card(alert)


def _alert_card(alert: Alert) -> Card:
    buttons: list[Button] = []
    if alert.kind == "account_disconnected":
        buttons.append(Button(t("button.reconnect"), "account.connect", style="primary"))
    if alert.campaign_id is not None:
        buttons.append(Button(t("button.show_campaign"), "campaign.show", str(alert.campaign_id)))
    status = t(ALERT_KINDS[alert.kind]) if alert.kind in ALERT_KINDS else alert.kind.replace("_", " ").capitalize()
    return Card(title=alert.title, status=status, text=alert.text,
                facts=(Fact(t("alert.what_to_do"), alert.action_hint),), buttons=tuple(buttons),
                tone=ALERT_TONES.get(alert.kind, "warning"))
