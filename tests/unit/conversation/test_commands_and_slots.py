"""Parsing what people type: commands (any platform) and schedule slots."""

import pytest

from bot.conversation.catalogue import SlotSyntaxError, format_slots, parse_slots
from bot.conversation.commands import COMMANDS, help_text, is_all, parse_command
from core.i18n import speaking


@pytest.mark.parametrize("text,name,argument", [
    ("", "help", ""),
    ("   ", "help", ""),
    ("create", "create", ""),
    ("CREATE", "create", ""),
    ("/invite-campaign list all", "list", "all"),
    ("invite-campaign show  Spring   outreach", "show", "Spring outreach"),
    ("<@U123ABC> activate “Q4 Paris”", "activate", "Q4 Paris"),
    ("<at>invitebot</at> stop 'Old one'", "stop", "Old one"),
    ("digest", "digest", ""),
    # French words, with or without their accents, as people type them
    ("aide", "help", ""),
    ("créer", "create", ""),
    ("Creer", "create", ""),
    ("liste tout", "list", "tout"),
    ("voir Prospection printemps", "show", "Prospection printemps"),
    ("activer « Q4 Paris »", "activate", "Q4 Paris"),
    ("arrêter Vieille", "stop", "Vieille"),
    ("arreter Vieille", "stop", "Vieille"),
    ("aperçu X", "preview", "X"),
    ("modération", "digest", ""),
    ("connecter", "connect", ""),
    ("modifier X", "edit", "X"),
    ("langue fr", "language", "fr"),
    ("language en", "language", "en"),
])
def test_commands_are_parsed(text, name, argument):
    command = parse_command(text)
    assert (command.name, command.argument) == (name, argument)


def test_unknown_word_gives_help_naming_it():
    command = parse_command("frobnicate now")
    assert command.name == "help" and command.unknown == "frobnicate"


def test_help_lists_every_command_in_the_language_spoken():
    assert set(COMMANDS) == {"help", "create", "edit", "list", "show", "activate", "stop", "preview", "digest",
                             "connect", "language", "export", "summary", "finders", "finder", "segments", "segment"}
    with speaking("fr"):
        french = help_text("frobnicate")
    english = help_text()
    assert french.startswith("Je ne connais pas «\u00a0frobnicate\u00a0»") and "voir NOM" in french
    assert "show NAME" in english and "voir" not in english
    assert len(english.splitlines()) == len(COMMANDS)


def test_all_in_either_language():
    assert is_all("all") and is_all("tout") and is_all("Toutes") and not is_all("Spring")


def test_slots_round_trip():
    slots = parse_slots("Mon-Fri 9:00-11:30; sat 10:00 - 12:00\nSun,Tue 14:00-15:00")
    assert len(slots) == 5 + 1 + 2
    assert format_slots(slots) == "Mon-Fri 09:00-11:30; Sat 10:00-12:00; Tue,Sun 14:00-15:00"
    assert {(s.weekday, s.start, s.end) for s in parse_slots(format_slots(slots))} == {(s.weekday, s.start, s.end) for s in slots}


def test_weekday_range_wraps_over_the_weekend():
    assert [s.weekday for s in parse_slots("Sat-Mon 09:00-10:00")] == [5, 6, 0]


@pytest.mark.parametrize("text,quoted", [("Mon 25:00-26:00", "25:00"), ("Funday 09:00-10:00", "funday"),
                                         ("whenever", "whenever")])
def test_unreadable_slots_say_what_was_wrong(text, quoted):
    with pytest.raises(SlotSyntaxError) as exc:
        parse_slots(text)
    assert quoted in str(exc.value).lower()


@pytest.mark.parametrize("text", ["Lun-Ven 09:00-11:00", "lundi-vendredi 09:00-11:00", "Mon-Fri 09:00-11:00",
                                  "lun.-ven. 9:00-11:00", "Monday-Friday 09:00-11:00"])
def test_slots_read_in_either_language(text):
    assert [(s.weekday, s.start, s.end) for s in parse_slots(text)] == [(d, "09:00", "11:00") for d in range(5)]


def test_slots_written_in_the_language_spoken():
    slots = parse_slots("Mon-Fri 09:00-11:00; Sun 10:00-12:00")
    with speaking("fr"):
        assert format_slots(slots) == "Lun-Ven 09:00-11:00; Dim 10:00-12:00"
        with pytest.raises(SlotSyntaxError, match="n'est pas un jour"):
            parse_slots("Lundo 09:00-10:00")
    assert format_slots(slots) == "Mon-Fri 09:00-11:00; Sun 10:00-12:00"
