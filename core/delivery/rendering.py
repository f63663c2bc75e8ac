"""Rendering one step's message for one contact, with the checks of invariant 5: no empty
token, an invitation within the account's note limit (UTF-16 units, links counted as tracked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from core.campaigns.models import STEP_INVITATION, CampaignMessage
from core.campaigns.templates import TemplateProblem, context_for, has_line_break, render


@dataclass(frozen=True)
class RenderedStep:
    text: str
    length: int
    problem: str | None = None  # a reason the message cannot go out (shown in chat)
    warnings: tuple[str, ...] = ()


def message_language(contact_language: str | None, languages: list[str], default: str) -> str:
    """The contact's language when the campaign has it, else the campaign default."""
    return contact_language if contact_language in (languages or []) else default


def templates_of(session: Session, campaign_id: int) -> dict[tuple[str, int, str], CampaignMessage]:
    """Every message of a campaign keyed by (step, position, language)."""
    rows = session.exec(select(CampaignMessage).where(CampaignMessage.campaign_id == campaign_id)).all()
    return {(m.step, m.position, m.language): m for m in rows}


def render_step(template: str | None, contact: Any, *, sender_name: str | None, step: str, note_limit: int,
                public_url: str) -> RenderedStep:
    """Render and check; `problem` says why it may not be sent (missing token, too long, empty)."""
    if not template or not template.strip():
        return RenderedStep("", 0, problem=f"no {step} message in this language")
    try:
        rendered = render(template, context_for(contact, sender_name), public_url=public_url)
    except TemplateProblem as exc:
        return RenderedStep("", 0, problem=str(exc))
    warnings = ()
    if rendered.missing:
        names = ", ".join(rendered.missing)
        return RenderedStep(rendered.text, rendered.length, problem=f"missing {names} (no fallback)")
    if not rendered.text.strip():
        return RenderedStep(rendered.text, 0, problem="the message renders empty")
    if step == STEP_INVITATION:
        if rendered.length > note_limit:
            return RenderedStep(rendered.text, rendered.length,
                                problem=f"too long: {rendered.length}/{note_limit} characters")
        if has_line_break(rendered.text):
            warnings = ("line break in the invitation",)
    return RenderedStep(rendered.text, rendered.length, warnings=warnings)
