"""Finders and segments as cards: a finder's search, results, runs and buttons; a segment's size,
finder and criteria; their lists (`bot.conversation.finders` asks the core, these draw the answer)."""

from __future__ import annotations

from typing import Any

from bot.conversation.views import Button, CampaignList, Card, Fact
from core.i18n import N_, invocation, t, tn, value_text
from core.sources.commands import FinderSummary
from core.sources.search import SearchApi
from core.sources.segment_commands import SegmentSummary

MAX_CARDS = 20
CREATE_VERB = N_("finder.verb.create")  # `finder create`, as the empty list says it
SEARCH_URL, SALES_URL = N_("finder.card.search_url"), N_("finder.card.search_sales_url")
TONES = {"failed": "error", "waiting": "warning", "paused": "warning", "idle": "success", "complete": "success",
         "running": "info", "new": "info"}


def _when(value: Any) -> str:
    return value_text(value) + " UTC" if value is not None else t("finder.card.never")


def _search_text(summary: FinderSummary) -> str:
    query = summary.query
    if query.get("url"):
        return t(SEARCH_URL if summary.api == SearchApi.CLASSIC else SALES_URL, url=query["url"])
    parts = [str(query.get("keywords") or "")] + [str(query.get("title") or "")]
    parts += ["; ".join(query.get(k) or []) for k in ("company", "location", "industry")]
    return " · ".join(p for p in parts if p)


def finder_card(summary: FinderSummary, note: str | None = None) -> Card:
    facts = [Fact(t("finder.card.search"), _search_text(summary)),
             Fact(t("finder.card.found"), t("finder.card.found_of", found=summary.found, cap=summary.result_cap)),
             Fact(t("finder.card.last_run"), _when(summary.last_run_at)),
             Fact(t("finder.card.next_run"), _when(summary.next_run_at) if summary.every_days else
                  t("finder.schedule.manual"))]
    if summary.last_run_new is not None:
        facts.insert(2, Fact(t("finder.card.new"), value_text(summary.last_run_new)))
    if summary.shared_with:
        facts.append(Fact(t("finder.card.shared_with"), ", ".join(summary.shared_with)))
    text = summary.problem
    if summary.run_results is not None:
        text = tn("finder.card.progress", summary.run_results)
    if note:
        text = f"{note}\n{text}" if text else note
    buttons = [Button(t("finder.button.refresh"), "finder.refresh", str(summary.id))]
    if summary.manage:
        buttons.insert(0, Button(t("finder.button.run"), "finder.run", str(summary.id), style="primary"))
        buttons.append(Button(t("finder.button.resume"), "finder.resume", str(summary.id)) if summary.paused
                       else Button(t("finder.button.pause"), "finder.pause", str(summary.id)))
        buttons.append(Button(t("finder.button.edit"), "finder.edit", str(summary.id)))
        buttons.append(Button(t("finder.button.delete"), "finder.delete", str(summary.id), style="danger",
                              confirm=t("finder.delete.confirm", name=summary.name)))
    return Card(title=summary.name, subtitle=t("finder.card.subtitle", owner=summary.owner_name),
                status=summary.state_label, text=text, facts=tuple(facts), buttons=tuple(buttons),
                tone=TONES.get(summary.state, "info"))


def finder_list(summaries: list[FinderSummary]) -> CampaignList:
    shown = summaries[:MAX_CARDS]
    return CampaignList(title=t("finder.list.title"), cards=tuple(finder_card(s) for s in shown),
                        empty_text=t("finder.list.empty", command=invocation("finder", t(CREATE_VERB))),
                        buttons=(Button(t("finder.button.create"), "finder.create", style="primary"),),
                        more=max(0, len(summaries) - len(shown)))


def segment_card(summary: SegmentSummary) -> Card:
    facts = [Fact(t("segment.card.contacts"), value_text(summary.contacts) if summary.contacts is not None
                  else t("segment.card.per_sender"))]
    if summary.finder_name:
        facts.append(Fact(t("segment.card.finder"), summary.finder_name))
    if summary.criteria:
        facts.append(Fact(t("segment.card.criteria"), ", ".join(sorted(summary.criteria))))
    owner = t("segment.card.global") if summary.is_global else (summary.owner_name or "?")
    kind = t("segment.card.list") if summary.is_list else t("segment.card.dynamic")
    return Card(title=summary.name, subtitle=f"{kind} · {owner}", facts=tuple(facts))


def segment_list(summaries: list[SegmentSummary]) -> CampaignList:
    shown = summaries[:MAX_CARDS]
    return CampaignList(title=t("segment.list.title"), cards=tuple(segment_card(s) for s in shown),
                        empty_text=t("segment.list.empty"), more=max(0, len(summaries) - len(shown)))
