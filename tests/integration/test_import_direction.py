"""core/ must not load Slack, Teams, aiohttp or Dramatiq (DESIGN §2): checked in a clean interpreter."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "dramatiq")


def test_core_loads_no_framework():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "core").rglob("*.py")
    )
    assert len(modules) > 10
    script = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core loaded: {out.stdout.strip()}"


# The layers, bottom up: a package imports only from its own layer's package and those below it.
# bot/ (the chat surfaces) and worker/ (the Dramatiq side) sit side by side on core/ and never
# import each other; entrypoints/ (bootstrap, processes, CLI) sits on top and nothing imports it.
ALLOWED = {
    "core": {"core"},
    "bot": {"core", "bot"},
    "worker": {"core", "worker"},
    "entrypoints": {"core", "bot", "worker", "entrypoints"},
}


def _imports(path: Path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_package_imports_a_layer_above_it_or_beside_it():
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path) & set(ALLOWED) - allowed:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []
    assert _imports(ROOT / "entrypoints" / "bootstrap.py") >= {"core", "bot", "worker"}  # the check reads imports
