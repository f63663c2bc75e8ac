"""No user-facing text is written in code: it is a catalogue id (`t("…")`, core/i18n.py).

Read from the files' syntax (nothing imported). A text is user-facing when it is
- an argument that holds words of a builder of what users see: the neutral views (`Notice`,
  `Card`, `Button`, `FormField`, …, `Reply.say`), a field error (`FieldError`), a refusal shown as
  it is (`NotAllowed`, `NotFound`, `ValueError` and the errors read as input problems), the CLI's
  output (`console.print`, `typer.echo`, `fail`, `typer.BadParameter`);
  (one word is a text there: `Button("Edit", …)`);
- or any string with words (two words and a letter, outside docstrings, log calls and `t`/`N_`)
  in a module that builds what users see (`TEXT_MODULES`).

A string is a text when it has, outside its `{placeholders}`, two words of letters apart by a space;
an f-string counts its literal parts. `literals_left.txt` lists the ones not moved yet, as
`path<TAB>text`: a literal not listed fails (write it in the catalogues), and a listed one no
longer found fails too (remove its line), so the list only shrinks."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEFT = Path(__file__).with_name("literals_left.txt")
SCANNED = ("bot", "core", "worker", "entrypoints/cli")

# builder → (positions of its text arguments, keywords of its text arguments)
BUILDERS: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {
    "Notice": ((0,), frozenset({"text", "title"})),
    "say": ((0,), frozenset({"text", "title"})),
    "Card": ((0,), frozenset({"title", "subtitle", "status", "text"})),
    "Button": ((0,), frozenset({"label", "confirm"})),
    "Option": ((1,), frozenset({"label", "description"})),
    "OptionGroup": ((0,), frozenset({"label"})),
    "Fact": ((0, 1), frozenset({"label", "value"})),
    "CampaignList": ((0,), frozenset({"title", "empty_text"})),
    "FormField": ((2,), frozenset({"label", "hint", "placeholder"})),
    "FormSection": ((0,), frozenset({"title", "text"})),
    "Form": ((1, 2), frozenset({"title", "submit_label"})),
    "FormErrors": ((), frozenset({"summary"})),
    "Home": ((0, 1), frozenset({"title", "intro"})),
    "PreviewView": ((0,), frozenset({"title", "note"})),
    "FieldError": ((1,), frozenset({"message"})),
    "Alert": ((), frozenset({"title", "text", "action_hint"})),
    "NotAllowed": ((0,), frozenset()),
    "NotFound": ((0,), frozenset()),
    "ValueError": ((0,), frozenset()),
    "SlotSyntaxError": ((0,), frozenset()),
    "TemplateProblem": ((0,), frozenset()),
    "ProfileUnavailable": ((), frozenset()),
    "print": ((0,), frozenset()),  # rich's console.print in the CLI
    "echo": ((0,), frozenset()),
    "fail": ((0,), frozenset()),
    "BadParameter": ((0,), frozenset()),
}
# Modules that build what users see: every string with words in them is a text.
TEXT_MODULES = (
    "bot/conversation/", "bot/slack/render.py", "bot/slack/modals.py", "bot/slack/surface.py",
    "bot/slack/notifier.py", "bot/teams/cards/", "bot/teams/replies.py", "bot/teams/notifier.py",
    "bot/teams/bot.py", "core/campaigns/health.py", "core/campaigns/validation.py",
)
TRANSLATED = frozenset({"t", "tn", "N_"})
LOGGING = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}[,;:.!?'’”»)]*\s+[“«(`']*[A-Za-zÀ-ÿ]{2,}")
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
PLACEHOLDERS = re.compile(r"\{[^{}]*\}")


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _builder(func: ast.expr) -> tuple[tuple[int, ...], frozenset[str]] | None:
    """The text arguments of the builder called, None when it builds no view: `typer.Option` is a
    command-line option (its names, `--days`, are syntax), not the view's `Option`."""
    name = _name(func)
    if name == "Option" and isinstance(func, ast.Attribute) and _name(func.value) == "typer":
        return None
    return BUILDERS.get(name or "")


def _wordy(text: str) -> bool:
    return bool(WORDS.search(PLACEHOLDERS.sub(" ", text)))


def _literal_text(node: ast.AST, wordy=_wordy) -> str | None:
    """The words of a str constant or of an f-string's literal parts, when there are words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if wordy(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return text if wordy(text) else None
    return None


def _a_word(text: str) -> bool:
    """What a builder's text argument may not hold: one word is a label (`Edit`, `Skip`)."""
    return bool(WORD.search(PLACEHOLDERS.sub(" ", text)))


def _strings(node: ast.AST) -> Iterator[str]:
    """The literal texts in an expression, not looking inside `t(…)`, `N_(…)` and log calls."""
    if isinstance(node, ast.Call) and _name(node.func) in TRANSLATED:
        return
    text = _literal_text(node, _a_word)
    if text is not None:
        yield text
        return
    if isinstance(node, ast.JoinedStr):
        return
    for child in ast.iter_child_nodes(node):
        yield from _strings(child)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _skipped(tree: ast.AST) -> set[int]:
    """Nodes whose strings are not texts: docstrings, log calls, translated ids, type annotations."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (_name(node.func) in TRANSLATED or (
                _name(node.func) in LOGGING and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) in {"log", "logger", "logging", "_log"})):
            skip.update(id(n) for n in ast.walk(node))
        elif isinstance(node, ast.AnnAssign | ast.arg) and node.annotation is not None:
            skip.update(id(n) for n in ast.walk(node.annotation))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            skip.update(id(n) for n in ast.walk(node.returns))
    return skip


def literals(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _skipped(tree)
    rel = path.relative_to(ROOT).as_posix()
    whole_module = rel.startswith(TEXT_MODULES)
    for node in ast.walk(tree):
        if whole_module and id(node) not in skip:
            text = _literal_text(node)
            if text is not None:
                yield text
        if not isinstance(node, ast.Call):
            continue
        spec = _builder(node.func)
        if spec is None or id(node) in skip:
            continue
        positions, keywords = spec
        args = [a for i, a in enumerate(node.args) if i in positions]
        args += [k.value for k in node.keywords if k.arg in keywords]
        for arg in args:
            yield from (s for s in _strings(arg) if id(arg) not in skip)


def found() -> set[tuple[str, str]]:
    result = set()
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            result.update((rel, " ".join(text.split())) for text in literals(path))
    return result


def left() -> set[tuple[str, str]]:
    lines = [line for line in LEFT.read_text().splitlines() if line and not line.startswith("#")]
    return {tuple(line.split("\t", 1)) for line in lines}  # type: ignore[misc]


def test_the_scan_sees_literals_where_they_are_written(tmp_path):
    code = tmp_path / "sample.py"
    code.write_text(
        '"""A docstring is not a text."""\n'
        'import logging\nlog = logging.getLogger("x")\n'
        'def f(name):\n'
        '    log.info("this is logged, not shown %s", name)\n'
        '    a = Notice(t("notice.id"), title="Shown to users")\n'
        '    b = Button(label=f"Open {name} now", action="campaign.open")\n'
        '    d = Button("Edit", "campaign.edit", style="primary")\n'
        '    c = Notice(t("x", name=name), title=N_("some.id"))\n'
        '    raise ValueError(f"{name} is not a weekday")\n'
        '    e = Option("fr", "French")\n'
        '    days = typer.Option(14, "--days", "-d", help="Days to fast-forward.")\n'
    )
    assert sorted(literals_of(code)) == ["Edit", "French", "Open {} now", "Shown to users", "{} is not a weekday"]


def literals_of(path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return list(literals(path))
    finally:
        ROOT = saved


def test_no_new_user_facing_literal():
    new = sorted(found() - left())
    assert new == [], ("user-facing texts written in code: give each an id in the catalogues (core/i18n.py) "
                       "and call t(id):\n" + "\n".join(f"{p}: {s!r}" for p, s in new))


def test_the_list_of_literals_left_only_shrinks():
    gone = sorted(left() - found())
    assert gone == [], "moved to the catalogues: remove from tests/unit/literals_left.txt:\n" + \
        "\n".join(f"{p}\t{s}" for p, s in gone)
