"""The page of one language's texts: invitation, welcome and every follow-up, for a language the
campaign form has no room for (the surface's `DialogRoom`). It opens on top of the form; once done, the
texts go back to the form (kept by `kept_texts`) and the form is drawn again with what was typed."""

from __future__ import annotations

from typing import Any

from bot.conversation import catalogue
from bot.conversation import form as campaign_form
from bot.conversation.views import Button, Form, FormErrors, FormSection
from core.campaigns.drafts import CampaignDraft
from core.i18n import t, tn


def languages_hint(paged: list[str]) -> str:
    hint = t("form.languages_hint")
    if paged:
        names = ", ".join(catalogue.language_label(lang) for lang in paged)
        hint += " " + t("form.languages_paged", names=names)
    return hint


def page_line(lang: str, draft: CampaignDraft) -> FormSection:
    """A language written on its own page: how far its texts are, and the button opening the page."""
    label = catalogue.language_label(lang)
    texts = campaign_form.language_texts(draft, [lang])
    written = sum(1 for text in texts.values() if text)
    return FormSection(t("form.page_line", language=label, written=written, total=len(texts)), (),
                       (Button(t("form.page_button", language=label), campaign_form.OPEN_PAGE_ACTION, lang),))


def page_form(draft: CampaignDraft, lang: str, *, state: dict[str, Any], note_limit: int = 300) -> Form:
    """The texts of `lang` in `draft`; `state` is the form's, with the language added."""
    label = catalogue.language_label(lang)
    fields = [campaign_form.invitation_field_of(lang, draft, note_limit), campaign_form.welcome_field_of(lang, draft)]
    for i, fu in enumerate(draft.followups):
        fields.append(campaign_form.followup_text_field_of(
            i, lang, draft, label=tn("form.page_followup", fu.delay_days or 0, position=i + 1, language=label)))
    intro = t("form.page_intro", language=label)
    return Form(campaign_form.PAGE_KIND, t("form.page_title", language=label), t("button.done"),
                (FormSection(None, tuple(fields), text=intro),), {**state, "language": lang})


def page_errors(page: Form, errors: dict[str, str]) -> FormErrors | None:
    """The errors naming a field of the page, on that field; None when there is none."""
    ids = {f.id for f in page.fields}
    mine = {key: message for key, message in errors.items() if key in ids}
    return FormErrors(mine) if mine else None
