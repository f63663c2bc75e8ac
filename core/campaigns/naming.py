"""Names of campaigns and programs (P-4, P-5): the comparison key and the naming rules."""

from __future__ import annotations

from core.i18n import t

NAME_MIN, NAME_MAX = 3, 80


def name_key(name: str) -> str:
    """The key names are compared by: case- and space-insensitive ("Q3  Paris" == "q3paris")."""
    return "".join(name.split()).casefold()


def name_problem(raw: str | None, *, what: str | None = None) -> str | None:
    """Why `raw` is not an acceptable name, or None; `what` names the field (default: Name)."""
    what = what or t("form.name")
    if raw is None or not raw.strip():
        return t("name.required", what=what, min=NAME_MIN, max=NAME_MAX)
    if "\n" in raw or "\r" in raw:
        return t("name.one_line", what=what)
    length = len(raw.strip())
    if length < NAME_MIN:
        return t("name.too_short", what=what, length=length, min=NAME_MIN)
    if length > NAME_MAX:
        return t("name.too_long", what=what, length=length, max=NAME_MAX)
    return None


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
