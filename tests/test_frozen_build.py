"""The frozen app, as users get it: ``build.spec`` built with PyInstaller here (once per test session), then its two
executables run as real processes — the command line against its own sandbox, and the window offscreen.

Slow (the build takes a minute or two): marked ``frozen``, so ``-m "not frozen"`` leaves it out locally; CI runs it.
Run with ``-s`` to see the figures (build time, folder size, start-up times)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from core import __version__
from core.app import LOG_FILENAME
from core.paths import CLI_EXECUTABLE, WINDOW_EXECUTABLE
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.timeout(900),
]
_SUFFIX = ".exe" if sys.platform == "win32" else ""


@dataclass
class Frozen:
    folder: Path  # dist/ReturnSync
    figures: dict[str, str] = field(default_factory=dict)

    def executable(self, name: str) -> Path:
        return self.folder / (name + _SUFFIX)


def _folder_size(folder: Path) -> int:
    # Qt's libraries are linked to, not copied twice: a link's size is the link's own
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir() or path.is_symlink())


@pytest.fixture(scope="module")
def frozen(tmp_path_factory) -> Frozen:
    """build.spec built into a temporary folder; its figures printed once the module's tests are done."""
    base = tmp_path_factory.mktemp("frozen")
    started = time.monotonic()
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(base / "dist"),
            "--workpath",
            str(base / "work"),
            str(ROOT / "build.spec"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=800,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    result = Frozen(base / "dist" / "ReturnSync")
    result.figures["build time"] = f"{time.monotonic() - started:.0f} s"
    result.figures["folder size"] = f"{_folder_size(result.folder) / 2**20:.0f} MB"
    yield result
    print("\nfrozen app:", "; ".join(f"{name} {value}" for name, value in result.figures.items()))


@pytest.fixture
def frozen_env(tmp_path: Path) -> dict[str, str]:
    """The frozen app's environment: its keyring the tests' JSON file. A frozen app ignores PYTHONPATH, so keyring's
    own configuration file names the backend and the folder it is imported from."""
    config = tmp_path / "config"
    for folder in ("python_keyring", "Python Keyring"):  # where keyring looks: XDG_CONFIG_HOME, else LOCALAPPDATA
        (config / folder).mkdir(parents=True)
        (config / folder / "keyringrc.cfg").write_text(
            f"[backend]\ndefault-keyring = tests.support.file_keyring.TestFileKeyring\nkeyring-path = {ROOT}\n", "utf-8"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "RETURNSYNC"))}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        LOCALAPPDATA=str(tmp_path / "config"),
        RETURNSYNC_TEST_KEYRING=str(tmp_path / "keyring.json"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _run(frozen: Frozen, env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(frozen.executable(CLI_EXECUTABLE)), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def test_the_console_executable_says_the_source_version(frozen):
    started = time.monotonic()
    shown = _run(frozen, {**os.environ, "PYTHONIOENCODING": "utf-8"}, "--version")
    frozen.figures["CLI --version start-up"] = f"{time.monotonic() - started:.2f} s"
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"ReturnSync {__version__}"
    alone = _run(frozen, dict(os.environ))  # no command: its usage, never the window
    assert alone.returncode == 2 and "COMMAND" in alone.stderr


def test_the_frozen_command_line_pulls_and_pushes_against_its_sandbox(frozen, frozen_env, tmp_path):
    sandbox = subprocess.Popen(
        [str(frozen.executable(CLI_EXECUTABLE)), "sandbox", "--returns", "20", "--days", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=frozen_env,
    )
    try:
        line = sandbox.stdout.readline()
        assert line, sandbox.stderr.read()
        info = json.loads(line)
        data = ["--data-dir", str(tmp_path / "data")]
        for key, value in (
            ("guanyi.url", info["guanyi_url"]),
            ("jingcheng.url", info["jingcheng_url"]),
            ("jingcheng.auth", info["jingcheng_auth"]),
        ):
            assert _run(frozen, frozen_env, *data, "config", "set", key, value).returncode == 0
        for kind in ("guanyi", "jingcheng"):
            stored = _run(
                frozen, frozen_env, *data, "credentials", "set", kind, stdin=json.dumps(info["credentials"][kind])
            )
            assert stored.returncode == 0, stored.stderr
        end = datetime.date.fromisoformat(info["end"][:10])
        window = ["--from", (end - datetime.timedelta(days=info["days"] + 1)).isoformat(), "--to", end.isoformat()]

        pulled = _run(frozen, frozen_env, *data, "pull", *window, "--json")
        assert pulled.returncode == 0, pulled.stderr
        assert json.loads(pulled.stdout)["ok"] is True
        pushed = _run(frozen, frozen_env, *data, "push", "--all-ready", "--json")
        assert pushed.returncode == 0, pushed.stderr
        posted = json.loads(pushed.stdout)["counts"]["posted"]
        assert posted > 0 and posted == len(requests.get(info["jingcheng_url"] + "/_sandbox/sheets", timeout=5).json())

        wrong = {**info["credentials"]["guanyi"], "secret": "not-the-secret-0000"}
        assert _run(frozen, frozen_env, *data, "credentials", "set", "guanyi", stdin=json.dumps(wrong)).returncode == 0
        refused = _run(frozen, frozen_env, *data, "pull", *window)
        assert refused.returncode == 3, refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        sandbox.kill()
        sandbox.communicate(timeout=10)


def test_the_frozen_window_starts_offscreen_and_stays_up(frozen, frozen_env, tmp_path):
    data = tmp_path / "data"
    log = data / LOG_FILENAME
    started = time.monotonic()
    window = subprocess.Popen(
        [str(frozen.executable(WINDOW_EXECUTABLE)), "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=frozen_env,
    )
    try:
        _wait_for_log(log, "keyring backend", window)
        frozen.figures["window shown and app open"] = f"{time.monotonic() - started:.2f} s"
        with pytest.raises(subprocess.TimeoutExpired):
            window.wait(timeout=5)
        assert "keyring backend: tests.support.file_keyring.TestFileKeyring" in log.read_text("utf-8")
        again = subprocess.run(
            [str(frozen.executable(WINDOW_EXECUTABLE)), "--data-dir", str(data)],
            capture_output=True,
            env=frozen_env,
            timeout=60,
        )
        assert again.returncode == 0  # one window per data folder: the first is raised instead
        _wait_for_log(log, "this window brought to the front", window)
    finally:
        window.kill()
        window.communicate(timeout=10)


def _wait_for_log(log: Path, text: str, window: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not (log.exists() and text in log.read_text("utf-8")):
        assert window.poll() is None, window.communicate()
        assert time.monotonic() < deadline, f"the window never logged {text!r}"
        time.sleep(0.02)
