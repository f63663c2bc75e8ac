"""Names of campaigns and programs (P-4, P-5): the comparison key and the naming rules."""

from __future__ import annotations

NAME_MIN, NAME_MAX = 3, 80


def name_key(name: str) -> str:
    """The key names are compared by: case- and space-insensitive ("Q3  Paris" == "q3paris")."""
    return "".join(name.split()).casefold()


def name_problem(raw: str | None, *, what: str = "Name") -> str | None:
    """Why `raw` is not an acceptable name, or None."""
    if raw is None or not raw.strip():
        return f"{what} is required: type {NAME_MIN} to {NAME_MAX} characters."
    if "\n" in raw or "\r" in raw:
        return f"{what} must fit on one line: remove the line breaks."
    length = len(raw.strip())
    if length < NAME_MIN:
        return f"{what} is too short ({length} characters): use at least {NAME_MIN}."
    if length > NAME_MAX:
        return f"{what} is too long ({length} characters): use at most {NAME_MAX}."
    return None


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
