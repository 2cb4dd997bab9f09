"""House rules that a machine can check: ruff clean, and core/ free of Qt."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean():
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_has_no_qt(path: Path):
    source = path.read_text("utf-8")
    assert not re.search(r"^\s*(from|import)\s+PySide6", source, re.MULTILINE), f"{path} imports Qt"


def test_core_runs_without_qt_loaded():
    code = "import sys, core.cli; core.cli.build_parser(); assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
