"""The window's tests: no background task outlives its test; the sandbox, the window on it, and dialogs answered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox

from core.sandbox.demo import describe_demo, start_demo
from ui.main_window import MainWindow
from ui.workspace import Workspace


@pytest.fixture(autouse=True)
def _pool_drained(qapp):
    """After each test, wait for every task on the global pool: a late task would touch the next test's database,
    or a window already deleted."""
    yield
    assert QThreadPool.globalInstance().waitForDone(30_000), "a background task was still running after 30 s"


@pytest.fixture
def sandbox(db, request):
    latency = request.node.get_closest_marker("latency_ms")
    sb = start_demo(returns=120, days=10, seed=3, latency_ms=latency.args[0] if latency else 0)
    yield sb
    sb.stop()


@pytest.fixture
def window(qtbot, sandbox):
    frame = MainWindow()
    win = Workspace(banner=describe_demo(sandbox))
    frame.set_workspace(win)
    qtbot.addWidget(frame)
    frame.show()
    qtbot.waitUntil(lambda: win._load is None, timeout=10_000)  # the first load of the (empty) table
    yield win
    if win._task is not None:
        win.cancel()
        qtbot.waitUntil(lambda: win._task is None, timeout=10_000)


@pytest.fixture
def warned(monkeypatch) -> list[tuple]:
    """Every question the window asks answered yes; the warnings it shows, kept to look at."""
    shown: list[tuple] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args))
    return shown
