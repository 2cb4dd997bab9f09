"""Shared fixtures: offscreen Qt, a fresh SQLite file and an in-memory keyring per test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

if not os.environ.get("QT_QPA_PLATFORM"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import keyring
import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import i18n, store  # noqa: E402
from core.paths import database_path  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402

# The suite checks what is computed, not how fast (bench/ does that): no per-example deadline, which a busy CI
# machine running the tests on both cores would otherwise turn into failures.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


@pytest.fixture(autouse=True)
def _language():
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("zh_CN")


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def db(data_dir: Path):
    """A real SQLite file bound for this test."""
    database = store.open_database(store_path(data_dir))
    yield database
    store.close_database()


def store_path(directory: Path) -> Path:
    return database_path(directory)


@pytest.fixture
def child_env(tmp_path: Path, data_dir: Path, monkeypatch) -> dict[str, str]:
    """Environment for running ``main.py`` in a child process with a file-backed test keyring.

    This process's keyring becomes that same file too (instead of the in-memory one), so what a test
    stores in process through :func:`tests.support.cli.run_main` is what its child processes read."""
    from tests.support.file_keyring import TestFileKeyring

    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.TestFileKeyring"
    env["RETURNSYNC_TEST_KEYRING"] = str(tmp_path / "keyring.json")
    env["RETURNSYNC_HOME"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    monkeypatch.setenv("RETURNSYNC_TEST_KEYRING", env["RETURNSYNC_TEST_KEYRING"])
    previous = keyring.get_keyring()
    keyring.set_keyring(TestFileKeyring())
    yield env
    keyring.set_keyring(previous)


@pytest.fixture
def cli(capsys, monkeypatch, data_dir: Path):
    """``cli(*args, stdin="")``: the command line run in this process on ``data_dir``, as a
    :class:`tests.support.cli.Result` (see :func:`tests.support.cli.run_main`). A test's sandbox runs in this
    process, as with ``--demo``: its log lines reach what the command prints, and must hold no secret either."""
    from tests.support.cli import run_main

    def run(*args: str, stdin: str = ""):
        return run_main(capsys, *args, data_dir=data_dir, stdin=stdin)

    return run
