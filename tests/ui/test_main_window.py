"""The window driven as a user would: pull with progress, cancel, errors, the mapped sheet."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox

from core import credentials
from core.demo import describe_demo, start_demo
from core.timeutil import format_datetime, parse_bound
from ui.main_window import MainWindow
from ui.returns_model import ReturnsModel


@pytest.fixture
def sandbox(db, request):
    latency = request.node.get_closest_marker("latency_ms")
    sb = start_demo(returns=120, days=10, seed=3, latency_ms=latency.args[0] if latency else 0)
    yield sb
    sb.stop()


@pytest.fixture
def window(qtbot, sandbox):
    win = MainWindow(banner=describe_demo(sandbox))
    qtbot.addWidget(win)
    win.show()
    yield win
    if win._task is not None:
        win.cancel()
        qtbot.waitUntil(lambda: win._task is None, timeout=10_000)


def _expected_codes(sandbox, window) -> set[str]:
    start = parse_bound(window.date_from.date().toString("yyyy-MM-dd"), end=False)
    end = parse_bound(window.date_to.date().toString("yyyy-MM-dd"), end=True)
    params = {"in_begin_time": format_datetime(start), "in_end_time": format_datetime(end), "receive": 1, "cancel": 0}
    return {r["code"] for r in sandbox.guanyi.matching(params)}


def _table_codes(window) -> set[str]:
    return {window.model.code_at(row) for row in range(window.model.rowCount())}


def test_banner_says_what_the_sandbox_holds(window, sandbox):
    assert "120" in window.banner.text() and sandbox.guanyi_url in window.banner.text()


def test_pull_fills_the_table_with_exactly_the_range(qtbot, window, sandbox):
    expected = _expected_codes(sandbox, window)
    assert expected, "the sandbox should hold returns received in the last week"
    progress = []
    window._on_progress = _spy(window._on_progress, progress)
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        window.pull_button.click()
        assert not window.pull_button.isEnabled() and window.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window._task is None, timeout=5_000)
    assert _table_codes(window) == expected
    assert window.pull_button.isEnabled() and not window.progress.isVisible()
    assert str(len(expected)) in window.progress_label.text()
    assert str(len(expected)) in window.count_label.text()


def _spy(method, calls):
    def wrapper(*args):
        calls.append(args)
        return method(*args)

    return wrapper


def test_selecting_a_row_shows_the_mapped_sheet(qtbot, window):
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=5_000)
    window.table.selectRow(0)
    code = window.model.code_at(window.proxy.mapToSource(window.table.currentIndex()).row())
    assert window.sheet_view.header_labels["SheetID"].text() == code
    assert window.sheet_view.lines.rowCount() >= 1
    assert window.sheet_view.problems.count() >= 1
    assert code in window.raw_view.toPlainText()


def test_search_filters_rows(qtbot, window):
    with qtbot.waitSignal(window.model.modelReset, timeout=20_000):
        window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=5_000)
    code = window.model.code_at(0)
    qtbot.keyClicks(window.search, code)
    assert window.proxy.rowCount() == 1


@pytest.mark.latency_ms(150)
def test_cancel_stops_between_requests_and_keeps_what_came(qtbot, window, sandbox):
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    qtbot.waitUntil(lambda: window.progress.maximum() > 0 and window.progress.value() > 0, timeout=10_000)
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=10_000)
    assert "取消" in window.progress_label.text()
    pulled = window.model.rowCount()
    assert 0 < pulled < len(_expected_codes(sandbox, window))


@pytest.mark.latency_ms(150)
def test_rows_appear_page_by_page_while_the_pull_runs(qtbot, window, sandbox):
    window.date_from.setDate(window.date_to.date().addDays(-9))
    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    window.pull_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    assert window._task is not None, "rows must show before the pull ends"
    assert not resets, "rows are appended, not reset"
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)
    assert _table_codes(window) == _expected_codes(sandbox, window)


def test_wrong_secret_shows_a_plain_error(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args))
    stored = credentials.load("guanyi")
    credentials.store("guanyi", stored | {"secret": "wrong-secret-XYZ"})
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=10_000)
    (_, title, message), = shown
    assert "拉取失败" in title and "wrong-secret-XYZ" not in message
    assert "credentials set guanyi" in message or "密钥" in message or "secret" in message


def test_start_after_end_is_refused(qtbot, window, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args))
    window.date_from.setDate(QDate(2030, 1, 2))
    window.date_to.setDate(QDate(2030, 1, 1))
    window.pull_button.click()
    assert warned and window._task is None


def test_returns_model_passes_qt_model_tester(qtbot, db, sandbox):
    model = ReturnsModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.reload()
    assert model.rowCount() == 0
    assert model.headerData(0, Qt.Orientation.Horizontal) == "单据编号"
