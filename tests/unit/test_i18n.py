"""The catalogues (core/locale/*/LC_MESSAGES/invitebot.po) against the code, and the text API.

Every id the code uses (`t("…")`, `tn("…", n)`, `N_("…")`, found by Babel's extractor as
`make messages` finds them) has an English and a French text, with the same `{parameters}`; a
plural id has every plural form of both languages; no catalogue keeps an id the code no longer
uses. Read from the files: nothing is imported from the modules scanned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core import i18n
from core.i18n import PLACEHOLDER, Language, language_of, member_language, speaking, t

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "bot", "worker", "entrypoints")
KEYWORDS = {"t": None, "tn": (1, 1), "N_": None}  # as in the Makefile's `messages`


def _used_ids() -> dict[str, bool]:
    """id → whether the code uses it as a plural."""
    used: dict[str, bool] = {}
    for package in PACKAGES:
        found = extract_from_dir(str(ROOT / package), method_map=[("**.py", "python")], keywords=KEYWORDS)
        for _filename, _lineno, message, _comments, _context in found:
            msgid = message[0] if isinstance(message, tuple) else message
            used[msgid] = used.get(msgid, False) or isinstance(message, tuple)
    return used


def _catalogue(lang: Language):
    with i18n.catalogue_path(lang).open("rb") as po:
        return read_po(po, locale=lang.value)


USED = _used_ids()
CATALOGUES = {lang: _catalogue(lang) for lang in Language}


def test_the_scan_finds_the_ids_of_the_code():
    assert "error.failed" in USED  # N_ in bot/conversation/runner.py
    assert len(USED) > 3


@pytest.mark.parametrize("lang", list(Language))
def test_every_id_the_code_uses_has_a_text_in_each_language(lang):
    catalogue = CATALOGUES[lang]
    missing = sorted(i for i in USED if i not in catalogue)
    empty = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id
                   and not all(s.strip() for s in ((m.string,) if isinstance(m.string, str) else m.string)))
    assert missing == [], f"ids without a {lang} text (run `make messages`, then write them): {missing}"
    assert empty == [], f"ids with an empty {lang} text: {empty}"


@pytest.mark.parametrize("lang", list(Language))
def test_no_catalogue_keeps_an_id_the_code_no_longer_uses(lang):
    kept = {m.id if isinstance(m.id, str) else m.id[0] for m in CATALOGUES[lang] if m.id}
    assert sorted(kept - set(USED)) == [], ("ids the code does not use: remove them (`make messages`), or, when "
                                            "the code does use one inside the arguments of another t(…) call, "
                                            "which Babel's extractor does not read, hoist it into a variable")


def test_plurals_are_plurals_in_both_languages_with_all_their_forms():
    for lang, catalogue in CATALOGUES.items():
        forms = catalogue.num_plurals
        for message in catalogue:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            assert message.pluralizable == USED.get(msgid, message.pluralizable), f"{lang} {msgid}: plural or not?"
            if message.pluralizable:
                assert len(message.string) == forms, f"{lang} {msgid}: {forms} plural forms expected"


def test_english_and_french_texts_take_the_same_parameters():
    def params(message) -> set[str]:
        strings = (message.string,) if isinstance(message.string, str) else message.string
        return {name for s in strings for name in PLACEHOLDER.findall(s)}

    differ = []
    for message in CATALOGUES[Language.EN]:
        if message.id:
            other = CATALOGUES[Language.FR].get(message.id)
            if other is not None and params(message) != params(other):
                differ.append((message.id, sorted(params(message)), sorted(params(other))))
    assert differ == []


def test_a_text_in_each_language_with_its_parameters():
    assert t("error.refused_input", lang=Language.FR, problem="x") == "Cela n'a pas fonctionné\u00a0: x"  # a no-break space
    with speaking("fr-FR"):
        assert t("error.refused_input", problem="x").startswith("Cela")
    assert t("error.refused_input", problem="x") == "That did not work: x"
    with pytest.raises(KeyError):
        t("error.refused_input")  # a parameter the text names and the call forgot is a bug, not a blank


def test_numbers_dates_and_weekdays_the_language_s_way():
    assert i18n.value_text(1234, Language.EN) == "1,234"
    assert i18n.value_text(1234, Language.FR) == "1\u202f234"
    assert i18n.date_text(dt.date(2026, 12, 1), Language.FR, format="long") == "1 décembre 2026"
    assert i18n.weekday_name(0, Language.FR, width="wide") == "lundi"
    assert i18n.weekday_name(4, Language.EN) == "Fri"
    assert i18n.language_name("fr", Language.EN) == "French"
    assert i18n.language_name("de", Language.FR) == "Allemand"


def test_plural_rules_are_each_language_s():
    # French says "0 invitation" and "1 invitation" in the singular, English "0 invitations".
    catalogue_fr = i18n.translations(Language.FR)
    assert catalogue_fr.plural(0) == 0 and catalogue_fr.plural(2) == 1  # type: ignore[attr-defined]
    assert i18n.translations(Language.EN).plural(0) == 1  # type: ignore[attr-defined]


def test_a_member_s_language_chosen_then_chat_locale_then_workspace():
    assert language_of("fr-FR") is Language.FR and language_of("en_GB") is Language.EN
    assert language_of("Français") is Language.FR and language_of("french") is Language.FR
    assert language_of("de-DE") is None and language_of("") is None
    assert member_language(chosen="en", locale="fr-FR", workspace="fr") is Language.EN
    assert member_language(chosen=None, locale="fr-CA", workspace="en") is Language.FR
    assert member_language(chosen=None, locale="de-DE", workspace="fr") is Language.FR
    assert member_language(chosen=None, locale=None, workspace=None) is Language.EN


def test_the_command_line_speaks_the_operator_s_locale():
    from core.i18n import environment_language

    assert environment_language({"LANG": "fr_FR.UTF-8"}) is Language.FR
    assert environment_language({"LANG": "fr_FR.UTF-8", "INVITEBOT_LANGUAGE": "en"}) is Language.EN
    assert environment_language({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}) is Language.EN
    assert environment_language({}) is Language.EN
