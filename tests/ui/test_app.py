"""Starting the window: the start-up path it shares with the command line, and what it does when that fails."""

from __future__ import annotations

import logging
import sys
import time

import pytest
from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication, QMessageBox

from core import i18n, paths, settings, store
from core.app import open_app
from core.cli.parser import build_parser
from ui import app as ui_app
from ui.main_window import MainWindow


@pytest.fixture
def shown(monkeypatch, qapp) -> list[MainWindow]:
    """The windows run_window showed, with the app opened in them; its event loop ends once the window is open, and
    its error hook is put back afterwards."""
    windows: list[MainWindow] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def loop(*_args) -> int:
        deadline = time.monotonic() + 10  # the frame paints, then the app opens on a thread and fills it
        frames = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        while time.monotonic() < deadline and any(w.isVisible() and w.workspace is None for w in frames):
            QApplication.processEvents()
            time.sleep(0.01)
        windows.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        return 0

    monkeypatch.setattr(QApplication, "exec", loop)
    yield windows
    for window in windows:
        window.close()
        window.deleteLater()


def test_a_data_file_that_cannot_be_opened_is_said_in_a_box_and_no_window_opens(tmp_path, monkeypatch, shown):
    (tmp_path / paths.DB_FILENAME).write_bytes(b"this is not a database, it is a text file " * 100)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: said.append(text))
    handlers = list(logging.getLogger().handlers)
    code = ui_app.run_window(build_parser().parse_args(["--data-dir", str(tmp_path), "--lang", "en"]))
    assert code == 2 and not shown  # the frame showed, said why, and closed
    assert len(said) == 1 and "Cannot open the data file" in said[0] and str(tmp_path) in said[0]
    assert logging.getLogger().handlers == handlers  # what start-up added went with it
    assert store.db.obj is None or store.db.is_closed()


def test_the_window_opens_on_the_shared_start_up_path_and_honours_verbose(tmp_path, shown, capsys):
    code = ui_app.run_window(build_parser().parse_args(["--data-dir", str(tmp_path), "--verbose"]))
    assert code == 0 and len(shown) == 1 and shown[0].workspace is not None
    assert (tmp_path / paths.DB_FILENAME).exists() and store.db.is_closed()
    assert "DEBUG:peewee" in capsys.readouterr().err  # --verbose: details on stderr, as on the command line
    assert f"data folder {tmp_path}" in (tmp_path / "returnsync.log").read_text("utf-8")  # the window's own log


def test_the_frame_shows_first_in_the_chosen_language_and_the_app_opens_once_painted(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    with open_app(tmp_path):
        settings.set_value("ui.lang", "en")
    i18n.set_language("zh_CN")
    launch = ui_app.Launch(build_parser().parse_args(["--data-dir", str(tmp_path)]))
    try:
        window = launch.window
        qtbot.addWidget(window)
        assert window.isVisible() and window.workspace is None and launch.opened is None
        assert window.windowTitle() == "ReturnSync"  # read from the data file before the core was loaded
        qtbot.waitUntil(lambda: window.workspace is not None, timeout=5_000)
        assert launch.opened is not None and launch.opened.data_dir == tmp_path
        assert window.workspace.pull_button.text() == "Pull"
    finally:
        launch.close()


def _launched(tmp_path, qtbot, monkeypatch, *args: str) -> ui_app.Launch:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    launch = ui_app.Launch(build_parser().parse_args(["--data-dir", str(tmp_path), *args]))
    qtbot.addWidget(launch.window)
    qtbot.waitUntil(lambda: launch.window.workspace is not None, timeout=5_000)
    workspace = launch.window.workspace
    qtbot.waitUntil(lambda: workspace._load is None and not workspace._background, timeout=5_000)  # the guide check
    return launch


def test_an_empty_data_folder_opens_the_first_run_guide(tmp_path, qtbot, monkeypatch):
    launch = _launched(tmp_path, qtbot, monkeypatch)
    try:
        guide = launch.window.workspace.guide
        assert guide.isVisible() and guide.currentPage() is guide.welcome_page
    finally:
        launch.window.workspace.guide.reject()
        launch.close()


def test_stored_credentials_open_the_table_without_the_guide(tmp_path, qtbot, monkeypatch):
    with open_app(tmp_path):
        from core import credentials

        credentials.store("guanyi", {"appkey": "a", "sessionkey": "s", "secret": "x"})
        credentials.store("jingcheng", {"token": "t"})
    launch = _launched(tmp_path, qtbot, monkeypatch)
    try:
        assert not hasattr(launch.window.workspace, "guide")
    finally:
        launch.close()


def test_try_the_demo_starts_the_app_again_on_the_sandbox_and_closes_this_window(tmp_path, qtbot, monkeypatch):
    started: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(QProcess, "startDetached", lambda program, args: started.append((program, args)) or
                        (True, 4242))
    launch = _launched(tmp_path, qtbot, monkeypatch, "--lang", "en")
    try:
        launch.window.workspace.guide.request_demo()
        ((program, args),) = started
        assert program == sys.executable and args[0].endswith("main.py") and args[1:] == ["--demo", "--lang", "en"]
        qtbot.waitUntil(lambda: not launch.window.isVisible(), timeout=5_000)
    finally:
        launch.close()
