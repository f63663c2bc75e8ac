"""The test levels mean what they say (STYLE "Tests"): tests/unit does no I/O, and the levels above
share their stand-ins and builders through tests/fakes.py, tests/factories.py and tests/cards.py,
never by importing from tests/unit. Read from the files' syntax: nothing is imported or run.

What fails:
- a file under tests/unit importing a module of `levels.IO_MODULES` (sqlalchemy, sqlmodel, the
  unit of work, bootstrap, redis, aiohttp, httpx, sockets, subprocesses, the simulators, the
  factories and the tests of the other levels);
- a test or fixture under tests/unit taking a parameter named as a fixture of `levels.IO_FIXTURES`
  (db, engine, session, settings, redis_url, aiohttp_client, …), or naming one in `usefixtures`;
- a file outside tests/unit importing from tests.unit;
- a file importing from a test module (`test_*.py`): what tests share lives in a module of its
  own (fakes, factories, cards, a folder's steps or forms), so running or moving one test file
  never depends on another.
The unit conftest refuses the same fixtures when a test runs, reached through other fixtures too."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.levels import IO_FIXTURES, IO_MODULES

TESTS = Path(__file__).resolve().parents[1]
UNIT = TESTS / "unit"


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, packages) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _test_or_fixture(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A test, or a fixture (whose parameters are fixtures too); a helper's parameters are its own."""
    return function.name.startswith("test") or any("fixture" in ast.unparse(d) for d in function.decorator_list)


def _fixtures_asked(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _test_or_fixture(node):
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            found += [(node.lineno, a.arg) for a in args if a.arg in IO_FIXTURES]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "usefixtures"):
            found += [(node.lineno, a.value) for a in node.args
                      if isinstance(a, ast.Constant) and a.value in IO_FIXTURES]
    return found


def _files(root: Path):
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(TESTS.parent).as_posix(), ast.parse(path.read_text(), filename=str(path))


def test_unit_tests_import_nothing_that_does_io():
    found = [f"{path}:{line} imports {module}" for path, tree in _files(UNIT) for line, module in _imports(tree)
             if _within(module, IO_MODULES)]
    assert found == []


def test_unit_tests_ask_for_no_fixture_that_does_io():
    found = [f"{path}:{line} asks for {name}" for path, tree in _files(UNIT) for line, name in _fixtures_asked(tree)]
    assert found == []


def test_no_other_level_imports_from_unit():
    found = [f"{path}:{line} imports {module}" for path, tree in _files(TESTS)
             if not path.startswith("tests/unit/")
             for line, module in _imports(tree) if _within(module, ("tests.unit",))]
    assert found == []


def _test_module(module: str) -> bool:
    return module.startswith("tests.") and any(part.startswith("test_") for part in module.split("."))


def test_no_test_module_is_imported_for_its_helpers():
    found = [f"{path}:{line} imports {module}" for path, tree in _files(TESTS)
             for line, module in _imports(tree) if _test_module(module)]
    assert found == []


def test_the_checks_see_what_they_look_for():
    """The scan finds each kind of offence in a sample, so an empty result above means something."""
    sample = ast.parse("import redis\nfrom sqlmodel import Session\nfrom tests.unit.levels import IO_FIXTURES\n"
                       "import pytest\n@pytest.mark.usefixtures('redis_url')\ndef test_x(db, tmp_path): pass\n"
                       "@pytest.fixture\ndef world(session): pass\ndef helper(settings): pass\n")
    modules = [m for _, m in _imports(sample)]
    assert [m for m in modules if _within(m, IO_MODULES)] == ["redis", "sqlmodel", "sqlmodel.Session"]
    assert [m for m in modules if _within(m, ("tests.unit",))] == ["tests.unit.levels", "tests.unit.levels.IO_FIXTURES"]
    assert sorted(name for _, name in _fixtures_asked(sample)) == ["db", "redis_url", "session"]
    borrowed = ast.parse("from tests.e2e.slack.test_digest import active_campaign\nfrom tests.e2e.slack import steps\n")
    assert [m for _, m in _imports(borrowed) if _test_module(m)] == ["tests.e2e.slack.test_digest",
                                                                    "tests.e2e.slack.test_digest.active_campaign"]
