"""One window per data folder, with real processes: a second start brings the first to the front and ends with 0; the
command line runs beside the window; a window killed with SIGKILL does not keep the next one from starting."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.app import LOG_FILENAME
from tests.conftest import ROOT
from tests.support.cli import run_cli
from ui import single_instance
from ui.single_instance import SingleInstance, server_name

RAISED = "this window brought to the front"


def _start_window(env: dict, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _start_again(env: dict, folder: Path) -> subprocess.CompletedProcess:
    """A second start of the window on ``folder``, run to its end."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _wait_for_log(folder: Path, text: str, count: int = 1, seconds: float = 30) -> None:
    log = folder / LOG_FILENAME
    deadline = time.monotonic() + seconds
    while not (log.exists() and log.read_text("utf-8").count(text) >= count):
        assert time.monotonic() < deadline, f"{text!r} ×{count} never logged"
        time.sleep(0.05)


def _stop(window: subprocess.Popen) -> None:
    window.kill()  # SIGKILL here, TerminateProcess on Windows: no handler runs, nothing is cleaned up
    window.communicate(timeout=10)


@pytest.fixture
def window_env(child_env) -> dict[str, str]:
    return {**child_env, "QT_QPA_PLATFORM": "offscreen"}


def test_a_second_start_raises_the_first_and_a_killed_window_does_not_block_the_next(window_env, data_dir):
    first = _start_window(window_env, data_dir)
    try:
        _wait_for_log(data_dir, "starting; data folder")
        started = time.monotonic()
        second = _start_again(window_env, data_dir)
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - started < 15
        _wait_for_log(data_dir, RAISED)
        assert first.poll() is None  # still the window

        listed = run_cli(window_env, "--data-dir", str(data_dir), "list", "--json")
        assert listed.code == 0, listed.stderr  # the command line runs beside the window
    finally:
        _stop(first)  # SIGKILL: its server is left behind

    after = _start_window(window_env, data_dir)
    try:
        _wait_for_log(data_dir, "starting; data folder", count=2)
        with pytest.raises(subprocess.TimeoutExpired):
            after.wait(timeout=3)  # it is the window now: it stays up
        again = _start_again(window_env, data_dir)
        assert again.returncode == 0, again.stderr
        _wait_for_log(data_dir, RAISED, count=2)  # and it answers the next start
    finally:
        _stop(after)


def test_the_server_name_is_one_per_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    assert server_name(Path("a")) == server_name(tmp_path / "a") == server_name(tmp_path / "b" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")


def test_in_one_process_the_second_claim_asks_the_first_to_come_forward(tmp_path, qtbot):
    first, second = SingleInstance(tmp_path), SingleInstance(tmp_path)
    try:
        assert first.claim()
        first.listen()
        with qtbot.waitSignal(first.raise_requested, timeout=5_000):
            assert not second.claim()
        first.close()
        assert second.claim()  # the folder is free again
    finally:
        first.close()
        second.close()


def test_a_window_that_holds_the_folder_but_never_answers_does_not_keep_a_start_out(tmp_path, qtbot, monkeypatch,
                                                                                    caplog):
    monkeypatch.setattr(single_instance, "_FIND_S", 0.5)
    silent, second = SingleInstance(tmp_path), SingleInstance(tmp_path)
    try:
        assert silent.claim()  # and never listens
        started = time.monotonic()
        assert second.claim()  # better two windows than none
        assert 0.5 <= time.monotonic() - started < 5
        assert "does not answer" in caplog.text
    finally:
        silent.close()
        second.close()


def test_two_starts_at_the_same_moment_make_one_window(window_env, data_dir):
    """A window takes the folder's lock before its frame shows and listens once it is painted: a start in between
    waits for it rather than opening a second window. Started together, either may be the window."""
    starts = [_start_window(window_env, data_dir) for _ in range(2)]
    try:
        deadline = time.monotonic() + 30
        while all(start.poll() is None for start in starts):
            assert time.monotonic() < deadline, "both still running: two windows"
            time.sleep(0.05)
        ended = next(start for start in starts if start.poll() is not None)
        assert ended.returncode == 0, ended.communicate()[1]  # it reached the window (or it would be one itself)
        window = next(start for start in starts if start is not ended)
        with pytest.raises(subprocess.TimeoutExpired):
            window.wait(timeout=3)  # the window stays
        _wait_for_log(data_dir, "starting; data folder")
        again = _start_again(window_env, data_dir)
        assert again.returncode == 0, again.stderr
        _wait_for_log(data_dir, RAISED)
    finally:
        for start in starts:
            _stop(start)


def test_the_folder_lock_is_held_once_and_free_again_when_let_go(tmp_path):
    """The OS lock itself (flock here, msvcrt.locking on Windows: the Windows pipeline runs this too)."""
    import os

    path = tmp_path / single_instance.LOCK_FILENAME
    first = single_instance._take_lock(path)
    assert first is not None
    try:
        assert single_instance._take_lock(path) is None  # another descriptor, even in this process
    finally:
        os.close(first)
    again = single_instance._take_lock(path)
    assert again is not None
    os.close(again)
