"""Run ``main.py`` in a child process, as a user would from a shell."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60) -> Result:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", env=env, timeout=timeout, cwd=ROOT,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
