"""Run the command line as a user would: in this process through ``main.main`` (:func:`run_main`, the
fast default), or in a child process through ``main.py`` (:func:`run_cli`) for what needs a process of
its own — killing it, racing two of them, or a new process reading what an earlier one stored."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_main(capsys, *args: str, data_dir: Path | None, stdin: str = "") -> Result:
    """``main.main(["--data-dir", data_dir, *args])`` in this process: its exit code and what it printed.

    ``capsys`` captures stdout and stderr (what was printed before the call is dropped); ``stdin`` is
    what the command reads from standard input, empty by default as with :func:`run_cli`. ``data_dir``
    is required (``None`` only for a command that opens no data, such as ``sandbox``), so that no test
    falls back to the per-user data folder."""
    argv = ([] if data_dir is None else ["--data-dir", str(data_dir)]) + list(args)
    capsys.readouterr()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main.main(argv)
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return Result(code, out, err)


def run_cli(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60) -> Result:
    """``python main.py *args`` in a child process with ``env``: its exit code and what it printed."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", env=env, timeout=timeout, cwd=ROOT,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def start_main(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen:
    """``main.py --data-dir folder ARGS`` started as a process of its own (a PC, a scheduled run), its output piped."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder), *args],
        env=env,
        cwd=ROOT,
        text=True,
        encoding="utf-8",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def ok(result: Result) -> Result:
    """``result`` of a command that must have succeeded (exit 0), or a failure showing what it printed."""
    assert result.code == 0, result.stdout + result.stderr
    return result
