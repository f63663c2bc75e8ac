"""The languages the product writes campaigns in (P-14): the one list the campaign form offers,
the campaign rules accept and a contact's `language` may hold.

`language_code` reads what people write in a file: a code in any case, with or without a region
(`FR`, `fr-FR`, `fr_CA`), or the language's English name (`French`)."""

from __future__ import annotations

import re
import unicodedata

from core.i18n import Language, language_name, t

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "nl": "Dutch",
    "pt": "Portuguese", "pl": "Polish", "sv": "Swedish", "da": "Danish", "fi": "Finnish", "no": "Norwegian",
    "cs": "Czech", "ro": "Romanian", "tr": "Turkish", "ja": "Japanese", "zh": "Chinese", "ar": "Arabic",
}
LANGUAGE_CODES = tuple(LANGUAGE_NAMES)
# Codes that mean one of ours: Norwegian Bokmål and Nynorsk are written as Norwegian.
_ALIASES = {"nb": "no", "nn": "no"}
_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
# … and as French files write them (`Français`, `allemand`), with or without accents.
_BY_NAME |= {language_name(code, Language.FR, label=False).lower(): code for code in LANGUAGE_NAMES}
_BY_NAME |= {"".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)): code
             for name, code in list(_BY_NAME.items())}
_TAG_RE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]{1,8})*$")


def language_code(value: str) -> str:
    """The product's code for `value`; ValueError saying what is accepted when it has none."""
    text = " ".join((value or "").split()).lower()
    match = _TAG_RE.match(text)
    code = _ALIASES.get(match.group(1), match.group(1)) if match else _BY_NAME.get(text)
    if code in LANGUAGE_NAMES:
        return code
    shown = value if len(value) <= 20 else value[:19] + "…"
    raise ValueError(t("languages.unknown", value=shown, codes=", ".join(LANGUAGE_CODES)))
