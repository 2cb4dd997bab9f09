"""House rules that a machine can check: ruff clean, and the layering — core without Qt, ui without the database,
the command line without the window."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (folder, imports it must not make, why)
LAYERS = [
    ("core", ("PySide6", "shiboken6", "ui"), "core is the whole job without a window"),
    ("ui", ("peewee", "playhouse", "sqlite3", "core.store"), "the window asks core for its rows, never the database"),
    ("core/cli", ("ui",), "the command line runs where there is no window"),
]


def imported_names(source: str) -> set[str]:
    """Every module a source imports, anywhere in it (a function-level import counts): ``from core import store``
    gives ``core`` and ``core.store``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden_in(source: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported_names(source)
                  if any(name == bad or name.startswith(bad + ".") for bad in forbidden))


def _layer_cases():
    for folder, forbidden, why in LAYERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield pytest.param(path, forbidden, why, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize(("path", "forbidden", "why"), list(_layer_cases()))
def test_layering(path: Path, forbidden: tuple[str, ...], why: str):
    found = forbidden_in(path.read_text("utf-8"), forbidden)
    assert not found, f"{path.relative_to(ROOT)} imports {', '.join(found)}: {why}"


@pytest.mark.parametrize(
    ("source", "found"),
    [("from core import i18n, store\n", ["core.store"]),
     ("def f():\n    import peewee as pw\n", ["peewee"]),
     ("from core.store import ReturnRecord\n", ["core.store", "core.store.ReturnRecord"]),
     ("from core import overview\nimport core.i18n\n", [])],
)
def test_the_layering_check_sees_every_form_of_import(source: str, found: list[str]):
    assert forbidden_in(source, ("peewee", "core.store")) == found


def test_ruff_clean():
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_runs_without_qt_loaded():
    # A fresh interpreter: in this one the window's tests have loaded Qt already.
    code = ("import sys, main, core.cli.parser; core.cli.parser.build_parser(); import core.app, core.push; "
            "assert 'PySide6' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_window_starts_without_what_only_work_needs():
    """requests, the keyring and the simulators load when a pull, a push, a secret or --demo first needs them:
    the window shows before any of them is read (issue 8, start-up)."""
    code = ("import sys, main, ui.app\n"
            "late = [m for m in ('requests', 'urllib3', 'keyring', 'core.sandbox.sandbox', 'core.guanyi.client',"
            " 'core.jingcheng.client') if m in sys.modules]\n"
            "assert not late, late\n"
            # Nor the Qt namespace, whose hundred enums PySide makes when the name is first imported (10 ms).
            "import PySide6.QtCore\n"
            "assert 'Qt' not in vars(PySide6.QtCore), 'the Qt namespace is loaded before the frame shows'")
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=environment)
