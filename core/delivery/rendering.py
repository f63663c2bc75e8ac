"""Rendering one step's message for one contact, with the checks of invariant 5: no empty
token, an invitation within the account's note limit (UTF-16 units, links counted as tracked)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session, select

from core.campaigns.models import STEP_INVITATION, CampaignMessage
from core.campaigns.templates import (
    CONTACT_TOKENS,
    TemplateProblem,
    check_template,
    context_for,
    has_line_break,
    render,
)


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
    warnings: tuple[str, ...] = ()
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


def contact_view(row: Any) -> SimpleNamespace:
    """The token values of a contact row (the shape `templates.context_for` reads)."""
    full = " ".join(p for p in (row.first_name, row.last_name) if p)
    return SimpleNamespace(first_name=row.first_name, last_name=row.last_name, full_name=full or None,
                           company=row.company, job_title=row.job_title, headline=row.headline,
                           location=row.location, custom_fields=row.custom_fields or {})


class MemoRenders:
    """Renders memoised by template and the values of the tokens it uses (many contacts share a
    first name or a company): the same text, the same checks, computed once."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self.memo: dict[tuple, RenderedStep] = {}

    def get(self, template: str | None, row: Any, sender_name: str | None, note_limit: int) -> RenderedStep:
        try:
            used = check_template(template) if template else ()
        except TemplateProblem:
            used = ("?",)
        view = contact_view(row)
        key = None
        if not any(t.startswith("custom.") or t == "?" for t in used):
            key = (template, note_limit, sender_name if any(t.startswith("sender") for t in used) else None) + tuple(
                getattr(view, CONTACT_TOKENS[t]) for t in used if t in CONTACT_TOKENS)
            if key in self.memo:
                return self.memo[key]
        rendered = render_step(template, view, sender_name=sender_name, step=STEP_INVITATION, note_limit=note_limit,
                               public_url=self.public_url)
        if key is not None:
            self.memo[key] = rendered
        return rendered
