"""Languages guessed from a headline or job title, among the languages campaigns are written in."""

from core.sources.language import detect_language, detect_languages, profile_text


def test_clear_texts_are_recognised():
    assert detect_language("Directeur commercial chez Acme") == "fr"
    assert detect_language("Head of Sales at Acme") == "en"
    assert detect_language("Leiter Vertrieb und Geschäftsführer") == "de"
    assert detect_language("Jefe de ventas en Madrid") == "es"


def test_texts_too_short_to_tell_get_no_language():
    assert detect_language("CTO") is None
    assert detect_language("") is None
    assert detect_language(None) is None


def test_many_texts_at_once_match_one_at_a_time():
    texts = ["Ingénieur logiciel senior", "Senior software engineer at a startup", "CTO", ""]
    assert detect_languages(texts) == {t: detect_language(t) for t in texts if t}


def test_profile_text_joins_headline_and_job_title_without_repeating():
    assert profile_text("Head of Sales at Acme", "Head of Sales") == "Head of Sales at Acme"
    assert profile_text("Building teams", "Directeur") == "Building teams · Directeur"
    assert profile_text(None, None) is None
