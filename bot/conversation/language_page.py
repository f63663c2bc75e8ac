"""The page of one language's texts: invitation, welcome and every follow-up, for a language the
campaign form has no room for (the surface's `DialogRoom`). It opens on top of the form; once done, the
texts go back to the form (kept by `kept_texts`) and the form is drawn again with what was typed."""

from __future__ import annotations

from typing import Any

from bot.conversation import catalogue
from bot.conversation import form as campaign_form
from bot.conversation.views import Button, Form, FormErrors, FormSection
from core.campaigns.drafts import CampaignDraft


def languages_hint(paged: list[str]) -> str:
    hint = "Each message is written in each language."
    if paged:
        names = ", ".join(catalogue.language_label(lang) for lang in paged)
        hint += f" The form has no room for the texts in {names}: write them on their own page (buttons below)."
    return hint


def page_line(lang: str, draft: CampaignDraft) -> FormSection:
    """A language written on its own page: how far its texts are, and the button opening the page."""
    label = catalogue.language_label(lang)
    texts = campaign_form.language_texts(draft, [lang])
    written = sum(1 for text in texts.values() if text)
    return FormSection(f"Texts in {label}: {written} of {len(texts)} written", (),
                       (Button(f"Write the texts in {label}", campaign_form.OPEN_PAGE_ACTION, lang),))


def page_form(draft: CampaignDraft, lang: str, *, state: dict[str, Any], note_limit: int = 300) -> Form:
    """The texts of `lang` in `draft`; `state` is the form's, with the language added."""
    label = catalogue.language_label(lang)
    fields = [campaign_form.invitation_field_of(lang, draft, note_limit), campaign_form.welcome_field_of(lang, draft)]
    for i, fu in enumerate(draft.followups):
        days = "day" if fu.delay_days == 1 else "days"
        fields.append(campaign_form.followup_text_field_of(
            i, lang, draft, label=f"Follow-up {i + 1} ({label}), {fu.delay_days} {days} after the previous message"))
    intro = (f"The campaign form has no room for the texts in {label}: write them here. "
             "They are saved with the campaign, when you create or save it.")
    return Form(campaign_form.PAGE_KIND, f"Texts in {label}", "Done",
                (FormSection(None, tuple(fields), text=intro),), {**state, "language": lang})


def page_errors(page: Form, errors: dict[str, str]) -> FormErrors | None:
    """The errors naming a field of the page, on that field; None when there is none."""
    ids = {f.id for f in page.fields}
    mine = {key: message for key, message in errors.items() if key in ids}
    return FormErrors(mine) if mine else None
