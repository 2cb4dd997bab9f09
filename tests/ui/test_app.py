"""Starting the window: the start-up path it shares with the command line, and what it does when that fails."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from core import paths, store
from core.cli.parser import build_parser
from ui import app as ui_app
from ui.main_window import MainWindow


@pytest.fixture
def shown(monkeypatch, qapp) -> list[MainWindow]:
    """The windows run_window showed; its event loop returns at once, and its error hook is put back afterwards."""
    windows: list[MainWindow] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(QApplication, "exec", lambda *_args: windows.extend(
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()) or 0)
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
    assert code == 2 and not shown
    assert len(said) == 1 and "Cannot open the data file" in said[0] and str(tmp_path) in said[0]
    assert logging.getLogger().handlers == handlers  # what start-up added went with it
    assert store.db.obj is None or store.db.is_closed()


def test_the_window_opens_on_the_shared_start_up_path_and_honours_verbose(tmp_path, shown, capsys):
    code = ui_app.run_window(build_parser().parse_args(["--data-dir", str(tmp_path), "--verbose"]))
    assert code == 0 and len(shown) == 1
    assert (tmp_path / paths.DB_FILENAME).exists() and store.db.is_closed()
    assert "DEBUG:peewee" in capsys.readouterr().err  # --verbose: details on stderr, as on the command line
    assert f"data folder {tmp_path}" in (tmp_path / "returnsync.log").read_text("utf-8")  # the window's own log
