"""Help › 备份 / 恢复 in the window: a backup made on a worker and named in a message; a restore checked, confirmed,
handed to the app started again, and done by that start before it opens the data file."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core import backup, paths, settings
from core.app import open_app
from core.cli.parser import build_parser
from tests.support.pushing import load_returns
from ui import app as ui_app
from ui import backup_actions
from ui.backup_actions import RESTORE_VARIABLE


@pytest.fixture
def said(monkeypatch) -> dict[str, list[str]]:
    """The window's messages, by kind, answered at once; every question answered yes."""
    shown: dict[str, list[str]] = {"information": [], "warning": [], "question": []}
    for kind in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, kind, lambda _parent, _title, text, kind=kind: shown[kind].append(text))
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _parent, _title, text: shown["question"].append(text) or QMessageBox.StandardButton.Yes,
    )
    return shown


def _choose(monkeypatch, method: str, path: Path | str) -> None:
    monkeypatch.setattr(QFileDialog, method, lambda *_args: (str(path), ""))


def test_backup_is_made_on_a_worker_and_named(window, sandbox, said, monkeypatch, tmp_path, qtbot):
    load_returns(sandbox)
    target = tmp_path / "备份" / "ReturnSync 备份.sqlite3"
    target.parent.mkdir()
    _choose(monkeypatch, "getSaveFileName", target)
    window.backup_action.trigger()
    assert not window.backup_action.isEnabled()  # one at a time
    qtbot.waitUntil(lambda: bool(said["information"]), timeout=20_000)
    assert said["information"] and str(target) in said["information"][0], said
    # Told, then usable again: two slots of the worker's signal, each delivered as its own event on this thread.
    qtbot.waitUntil(window.backup_action.isEnabled, timeout=5_000)
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup.inspect(target).returns == len(sandbox.guanyi.records) > 0
    assert f"{len(sandbox.guanyi.records)} 张退货单" in said["information"][0]


@pytest.mark.latency_ms(150)
def test_a_backup_made_while_a_pull_runs_is_whole(window, said, monkeypatch, tmp_path, qtbot):
    target = tmp_path / "during-pull.sqlite3"
    _choose(monkeypatch, "getSaveFileName", target)
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)  # the pull is writing
    window.backup_action.trigger()
    qtbot.waitUntil(lambda: bool(said["information"]), timeout=20_000)
    assert window._task is not None, "the backup was to be made while the pull runs"
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup.inspect(target).returns > 0
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)


def test_a_backup_never_overwrites_a_file_that_is_no_backup(window, said, monkeypatch, tmp_path, qtbot):
    target = tmp_path / "report.sqlite3"
    target.write_text("the quarterly report", "utf-8")
    _choose(monkeypatch, "getSaveFileName", target)
    window.backup_action.trigger()
    qtbot.waitUntil(lambda: bool(said["warning"]), timeout=20_000)
    assert "没有覆盖" in said["warning"][0] and not said["information"]
    assert target.read_text("utf-8") == "the quarterly report"
    assert window.backup_action.isEnabled()


def test_cancelling_the_save_dialog_makes_nothing(window, said, monkeypatch):
    _choose(monkeypatch, "getSaveFileName", "")
    window.backup_action.trigger()
    assert (
        window.backup_action.isEnabled()
        and not window._background
        and said == {"information": [], "warning": [], "question": []}
    )


def test_restore_is_confirmed_then_handed_to_the_next_start(window, said, monkeypatch, tmp_path, qtbot):
    made = backup.backup(paths.database_path(tmp_path / "data"), tmp_path / "backup.sqlite3")
    _choose(monkeypatch, "getOpenFileName", made.file)
    with qtbot.waitSignal(window.restore_requested, timeout=5_000) as asked:
        window.restore_action.trigger()
    assert asked.args == [made.file]
    (question,) = said["question"]
    assert str(made.file) in question and "不会删除" in question and "before-restore" in question
    assert "重新启动" in question


def test_restore_refuses_a_file_that_is_no_backup_before_asking(window, said, monkeypatch, tmp_path, qtbot):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    _choose(monkeypatch, "getOpenFileName", other)
    with qtbot.assertNotEmitted(window.restore_requested):
        window.restore_action.trigger()
    assert not said["question"] and "不是退货单同步助手的数据文件" in said["warning"][0]


def test_restore_answered_no_changes_nothing(window, monkeypatch, tmp_path, qtbot):
    made = backup.backup(paths.database_path(tmp_path / "data"), tmp_path / "backup.sqlite3")
    _choose(monkeypatch, "getOpenFileName", made.file)
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.No)
    with qtbot.assertNotEmitted(window.restore_requested):
        window.restore_action.trigger()


# --- the restart: this window closes, the next start restores first ------------------------------------------------


def _launch(folder: Path, qtbot, monkeypatch) -> ui_app.Launch:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    launch = ui_app.Launch(build_parser().parse_args(["--data-dir", str(folder)]))
    qtbot.addWidget(launch.window)
    qtbot.waitUntil(lambda: launch.window.workspace is not None, timeout=10_000)
    workspace = launch.window.workspace
    qtbot.waitUntil(lambda: workspace._load is None and not workspace._background, timeout=10_000)
    return launch


def _close(launch: ui_app.Launch) -> None:
    guide = getattr(launch.window.workspace, "guide", None)
    if guide is not None:
        guide.reject()
    launch.window.close()
    launch.close()


def test_the_window_closes_and_starts_the_app_again_to_restore(tmp_path, qtbot, monkeypatch):
    started: list[tuple[str, list[str], str]] = []
    monkeypatch.setattr(
        QProcess,
        "startDetached",
        lambda program, arguments: (
            started.append((program, arguments, os.environ.get(RESTORE_VARIABLE))) or (True, 4242)
        ),
    )
    launch = _launch(tmp_path, qtbot, monkeypatch)
    launch.restart_to_restore(tmp_path / "backup.sqlite3")
    qtbot.waitUntil(lambda: not launch.window.isVisible(), timeout=5_000)
    _close(launch)
    launch.start_restore()
    ((program, arguments, chosen),) = started
    assert program == sys.executable and arguments[0].endswith("main.py")
    assert arguments[1:3] == ["--data-dir", str(tmp_path)] and chosen == str(tmp_path / "backup.sqlite3")
    assert RESTORE_VARIABLE not in os.environ  # only the new process is asked to restore


def _folder_with_backup(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder whose setting pull.window_days is 5, and a backup of it taken when it was 3."""
    folder = tmp_path / "data"
    with open_app(folder):
        settings.set_value("pull.window_days", "3")
        made = backup.backup(paths.database_path(folder), tmp_path / "backup.sqlite3")
        settings.set_value("pull.window_days", "5")
    return folder, made.file


def test_the_start_asked_to_restore_puts_the_backup_back_before_it_opens(tmp_path, qtbot, monkeypatch, said):
    folder, made = _folder_with_backup(tmp_path)
    monkeypatch.setenv(RESTORE_VARIABLE, str(made))
    launch = _launch(folder, qtbot, monkeypatch)
    try:
        assert settings.get("pull.window_days") == "3"  # the backup's, in the file the window opened
        assert RESTORE_VARIABLE not in os.environ  # a later restart of this app restores nothing
        (message,) = said["information"]
        kept = Path(message.splitlines()[-1])  # where the file it replaced is kept
        assert str(made) in message and kept.parent == folder and backup.KEPT_ASIDE in kept.name
        with sqlite3.connect(kept) as connection:
            assert connection.execute("SELECT value FROM setting WHERE key = 'pull.window_days'").fetchone() == ("5",)
        assert "restored at start" in (folder / "returnsync.log").read_text("utf-8")
    finally:
        _close(launch)


def test_the_start_waits_for_the_closing_window_to_let_go_of_the_data_file(tmp_path, monkeypatch):
    folder, made = _folder_with_backup(tmp_path)
    held = sqlite3.connect(paths.database_path(folder), check_same_thread=False)
    held.execute("SELECT count(*) FROM setting").fetchone()  # as a window still closing holds it
    threading.Timer(0.5, held.close).start()
    monkeypatch.setenv(RESTORE_VARIABLE, str(made))
    started = time.monotonic()
    done = backup_actions.restore_requested_at_start(folder)
    assert done is not None and done.source == made and time.monotonic() - started >= 0.4
    with sqlite3.connect(paths.database_path(folder)) as connection:
        assert connection.execute("SELECT value FROM setting WHERE key = 'pull.window_days'").fetchone() == ("3",)


def test_a_restore_refused_at_start_is_said_and_the_app_opens_on_its_file(tmp_path, qtbot, monkeypatch, said):
    folder, _made = _folder_with_backup(tmp_path)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database", "utf-8")
    monkeypatch.setenv(RESTORE_VARIABLE, str(foreign))
    launch = _launch(folder, qtbot, monkeypatch)
    try:
        assert settings.get("pull.window_days") == "5"
        assert "没有做任何改动" in said["warning"][0] and not said["information"]
    finally:
        _close(launch)
