"""The log view driven as a user would, on real widgets over a real SQLite file: the filters change the rows shown,
查看日志 of one return, pages read as the table scrolls, 导出 CSV writes exactly what is shown, and the model passes
Qt's own model tester."""

from __future__ import annotations

import csv
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core import i18n, synclog
from core.export import LOG_HEADER
from core.states import ReturnState
from core.store import SyncLog
from core.timeutil import now_china
from ui import log_view, state_style
from ui.log_view import LogModel, LogView

# (minutes before now, action, code, status, message)
ROWS = [
    (600, "pull", None, "ok", "入库时间 2026-11-29：126 张退货单"),
    (590, "push", "R1", "posted", "推送成功，精诚单号 JC1"),
    (580, "push", "R2", "failed", "精诚返回 Flag 0：客户不存在"),
    (570, "push", "R3", "unknown", "读取超时（30 秒）\n请在精诚中核对"),
    (560, "mark", "R3", "posted", "经核对精诚已有此单"),
    (550, "export", None, "cancelled", "同步日志 → log.csv"),
    (540, "push", "R4", "failed", "完成 100%：FLAG 0"),
    (530, "recover", "R5", "unknown", "启动时发现推送中的单据"),
    (60 * 24 * 3, "config", None, "ok", "=mapping.remark_length: 200 -> 100"),  # three days ago
]


def _add(rows, base: datetime | None = None) -> None:
    base = base or now_china()
    SyncLog.insert_many([
        {"time": base - timedelta(minutes=minutes), "action": action, "code": code, "status": status,
         "message": message, "duration_ms": 12, "os_user": "会计小王"}
        for minutes, action, code, status, message in rows
    ]).execute()


def _wait(qtbot, view: LogView) -> None:
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)


@pytest.fixture
def make_view(qtbot, db):
    def make() -> LogView:
        view = LogView()
        qtbot.addWidget(view)
        view.show()
        _wait(qtbot, view)
        return view

    return make


@pytest.fixture
def view(make_view):
    _add(ROWS)
    return make_view()


def _shown(view: LogView) -> list[tuple[str, ...]]:
    """Every row the table holds now, as its texts: time, action, code, state, message."""
    model = view.model
    return [tuple(model.text_at(row, column) for column in range(5)) for row in range(model.rowCount())]


def _messages(view: LogView) -> list[str]:
    return [view.model.row_at(row).message for row in range(view.model.rowCount())]


def _choose(view: LogView, combo, value: str) -> None:
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not among the choices"
    combo.setCurrentIndex(index)


def test_opens_as_a_window_with_every_row_newest_first_in_words(view):
    assert view.isWindow() and view.windowTitle().startswith("同步日志")
    rows = _shown(view)
    assert [row[0] for row in rows] == sorted((row[0] for row in rows), reverse=True)
    assert _messages(view) == [r[4] for r in sorted(ROWS, key=lambda r: r[0])]
    assert rows[0][1:4] == ("启动恢复", "R5", "结果未知")
    assert rows[0][0] == str(SyncLog.get(SyncLog.code == "R5").time) and len(rows[0][0]) == 19
    assert ("导出", "", "已中止") in {row[1:4] for row in rows}
    assert view.count_label.text() == "显示 9 条"


def test_a_message_shows_on_one_line_and_whole_in_its_tooltip(view):
    row = _messages(view).index("读取超时（30 秒）\n请在精诚中核对")
    index = view.model.index(row, LogModel.MESSAGE)
    assert "\n" not in index.data() and index.data().startswith("读取超时（30 秒）")
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "读取超时（30 秒）\n请在精诚中核对"
    assert view.table.textElideMode() == Qt.TextElideMode.ElideRight and not view.table.wordWrap()


def test_a_sheet_state_has_its_icon_and_colour_other_statuses_none(view):
    statuses = [view.model.row_at(row).status for row in range(view.model.rowCount())]
    failed = view.model.index(statuses.index("failed"), LogModel.STATE)
    assert failed.data() == "失败"
    assert failed.data(Qt.ItemDataRole.DecorationRole).cacheKey() == state_style.icon(ReturnState.FAILED).cacheKey()
    assert failed.data(Qt.ItemDataRole.ForegroundRole) == state_style.colour(ReturnState.FAILED)
    ok = view.model.index(statuses.index("ok"), LogModel.STATE)
    assert ok.data() == "成功" and ok.data(Qt.ItemDataRole.ForegroundRole) is None
    assert ok.data(Qt.ItemDataRole.DecorationRole).cacheKey() not in {
        state_style.icon(state).cacheKey() for state in ReturnState}


def test_the_filter_choices_are_the_words_of_what_the_log_holds(view):
    actions = [view.action_filter.itemText(i) for i in range(view.action_filter.count())]
    states = [view.state_filter.itemText(i) for i in range(view.state_filter.count())]
    assert actions[0] == "全部操作"
    assert sorted(actions[1:]) == sorted(["拉取", "推送", "手工标记", "导出", "启动恢复", "设置"])
    # The sheet states first, in the order of the vocabulary, each with its icon.
    assert states == ["全部状态", "已推送", "失败", "结果未知", "已中止", "成功"]
    assert not view.state_filter.itemIcon(2).isNull()


def test_the_action_filter_shows_only_that_action(qtbot, view):
    _choose(view, view.action_filter, "push")
    _wait(qtbot, view)
    assert {row[1] for row in _shown(view)} == {"推送"}
    assert _messages(view) == ["完成 100%：FLAG 0", "读取超时（30 秒）\n请在精诚中核对", "精诚返回 Flag 0：客户不存在",
                               "推送成功，精诚单号 JC1"]
    assert view.count_label.text() == "显示 4 条 / 共 9 条"


def test_the_state_filter_and_the_action_together(qtbot, view):
    _choose(view, view.state_filter, "unknown")
    _wait(qtbot, view)
    assert [row[1:4] for row in _shown(view)] == [("启动恢复", "R5", "结果未知"), ("推送", "R3", "结果未知")]
    _choose(view, view.action_filter, "push")
    _wait(qtbot, view)
    assert [row[2] for row in _shown(view)] == ["R3"]
    _choose(view, view.action_filter, "export")
    _wait(qtbot, view)
    assert _shown(view) == [] and "没有匹配的日志（共 9 条）" in view.count_label.text()
    _choose(view, view.state_filter, "")
    _choose(view, view.action_filter, "")
    _wait(qtbot, view)
    assert len(_shown(view)) == 9 and view.count_label.text() == "显示 9 条"


def test_the_text_is_searched_once_typing_pauses_in_code_or_message_any_case(qtbot, view, monkeypatch):
    loads = []
    real_load = log_view.load
    monkeypatch.setattr(log_view, "load", lambda *args: loads.append(args) or real_load(*args))
    qtbot.keyClicks(view.search, "flag 0")
    assert view.loading and loads == []  # not at each key: once the typing pauses
    _wait(qtbot, view)
    assert len(loads) == 1
    assert _messages(view) == ["完成 100%：FLAG 0", "精诚返回 Flag 0：客户不存在"]
    view.search.setText("r3")
    _wait(qtbot, view)
    assert [row[2] for row in _shown(view)] == ["R3", "R3"]
    view.search.setText("100%")  # % is no wildcard: "完成 100%" only
    _wait(qtbot, view)
    assert _messages(view) == ["完成 100%：FLAG 0"]
    view.search.setText("%")
    _wait(qtbot, view)
    assert _messages(view) == ["完成 100%：FLAG 0"]


def test_enter_searches_at_once(qtbot, view):
    view.search.setText("核对")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert not view._typing.isActive()
    _wait(qtbot, view)
    assert _messages(view) == ["经核对精诚已有此单", "读取超时（30 秒）\n请在精诚中核对"]


def test_dates_whole_days_in_china_time(qtbot, view):
    today = now_china().date()
    if now_china().hour < 10:
        pytest.skip("the sample's rows of today begin ten hours before now")
    _choose(view, view.date_range, "today")
    _wait(qtbot, view)
    assert view.date_from.isEnabled() and view.date_from.date() == QDate(today) == view.date_to.date()
    assert len(_shown(view)) == 8 and "=mapping" not in " ".join(_messages(view))
    three_days_ago = QDate(today).addDays(-3)
    view.date_from.setDate(three_days_ago)  # typed: the choice becomes 自定义
    view.date_to.setDate(three_days_ago)
    assert view.date_range.currentData() == "custom"
    _wait(qtbot, view)
    assert _messages(view) == ["=mapping.remark_length: 200 -> 100"]
    view.date_to.setDate(three_days_ago.addDays(-1))  # before the start: the start follows
    assert view.date_from.date() == three_days_ago.addDays(-1)
    _wait(qtbot, view)
    assert _shown(view) == []
    _choose(view, view.date_range, "all")
    _wait(qtbot, view)
    assert len(_shown(view)) == 9 and not view.date_from.isEnabled()


def test_show_code_shows_one_return_whatever_was_chosen_and_the_chip_clears_it(qtbot, view):
    _choose(view, view.action_filter, "recover")
    view.search.setText("超时")
    _wait(qtbot, view)
    view.show_code("R3")
    _wait(qtbot, view)
    assert [row[1:4] for row in _shown(view)] == [("手工标记", "R3", "已推送"), ("推送", "R3", "结果未知")]
    assert view.code_chip.isVisible() and "R3" in view.code_chip.text()
    assert view.action_filter.currentIndex() == 0 and view.search.text() == ""
    assert view.count_label.text() == "显示 2 条 / 共 9 条"
    _choose(view, view.state_filter, "posted")  # the other filters still narrow the return's rows
    _wait(qtbot, view)
    assert [row[1] for row in _shown(view)] == ["手工标记"]
    qtbot.mouseClick(view.code_chip, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    assert not view.code_chip.isVisible()
    assert [row[2] for row in _shown(view)] == ["R3", "R1"]  # every return's posted rows


def test_rows_logged_after_a_load_wait_for_refresh(qtbot, view):
    _add([(1, "push", "R9", "failed", "后来的")])
    assert "后来的" not in _messages(view)
    view.refresh_button.click()
    _wait(qtbot, view)
    assert _messages(view)[0] == "后来的" and view.count_label.text() == "显示 10 条"


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(log_view, "PAGE_ROWS", 40)


def test_pages_are_read_as_the_table_scrolls_each_row_once(qtbot, make_view, small_pages):
    _add([(i, "push", f"R{i:03d}", "ok" if i % 3 else "failed", f"第 {i} 条") for i in range(130)])
    view = make_view()
    assert view.model.rowCount() == 40 and view.count_label.text() == "显示 130 条"
    assert view.model.canFetchMore(view.model.index(-1, -1))
    for expected in (80, 120, 130):
        view.table.scrollToBottom()
        qtbot.waitUntil(lambda expected=expected: view.model.rowCount() == expected, timeout=10_000)
    assert not view.model.canFetchMore(view.model.index(-1, -1))
    assert _messages(view) == [f"第 {i} 条" for i in range(130)]  # newest first, each once


def test_a_filter_s_full_first_page_shows_before_its_count(qtbot, make_view, small_pages, monkeypatch):
    _add([(i, "push", f"R{i:03d}", "ok" if i % 2 else "failed", f"第 {i} 条") for i in range(130)])
    view = make_view()
    counting, counted = threading.Event(), threading.Event()
    real_count = log_view.synclog.count

    def slow_count(log_filter):
        if log_filter.narrows():
            counting.set()
            counted.wait(5)
        return real_count(log_filter)

    monkeypatch.setattr(log_view.synclog, "count", slow_count)
    _choose(view, view.state_filter, "ok")
    qtbot.waitUntil(counting.is_set, timeout=5000)  # the rows come first, then their count is started
    assert view.model.rowCount() == 40
    assert view.loading and view.count_label.text() == "显示 40+ 条（正在计数…）/ 共 130 条"
    counted.set()
    _wait(qtbot, view)
    assert view.count_label.text() == "显示 65 条 / 共 130 条"
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() == 65, timeout=10_000)
    assert _messages(view) == [f"第 {i} 条" for i in range(1, 130, 2)]


def test_a_new_filter_drops_a_page_still_being_read(qtbot, make_view, small_pages, monkeypatch):
    _add([(i, "push", f"R{i:03d}", "ok", f"第 {i} 条") for i in range(100)])
    view = make_view()
    read_more, pages = log_view._more, []

    def slow_more(*args):
        threading.Event().wait(0.3)  # comes after the load of the new filter
        pages.append(read_more(*args))
        return pages[-1]

    monkeypatch.setattr(log_view, "_more", slow_more)
    view.model.fetchMore(view.model.index(-1, -1))  # the next page is asked for…
    view.search.setText("第 7")  # …and the filter changes before it comes
    view.refresh()
    _wait(qtbot, view)
    qtbot.waitUntil(lambda: bool(pages), timeout=5000)
    qtbot.wait(50)
    assert sorted(_messages(view)) == sorted(["第 7 条"] + [f"第 {i} 条" for i in range(70, 80)])


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def save_as(monkeypatch, tmp_path):
    target = tmp_path / "日志.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV (*.csv)"))
    return target


def _export(qtbot, view: LogView) -> None:
    view.export_button.click()
    assert view.exporting and not view.export_button.isEnabled()
    qtbot.waitUntil(lambda: not view.exporting, timeout=10_000)


def test_export_writes_exactly_the_rows_shown_in_their_order_in_words(qtbot, view, save_as):
    _choose(view, view.state_filter, "failed")
    _wait(qtbot, view)
    view.search.setText("flag")
    _wait(qtbot, view)
    _add([(0, "push", "R8", "failed", "FLAG 后来的")])  # logged after the load: not shown, so not written
    shown = _shown(view)
    assert len(shown) == 2
    _export(qtbot, view)
    data = save_as.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _read(save_as)
    assert rows[0] == [zh for zh, _ in LOG_HEADER]
    assert [tuple(row[:5]) for row in rows[1:]] == shown
    assert {row[3] for row in rows[1:]} == {"失败"} and {row[1] for row in rows[1:]} == {"推送"}
    assert f"已导出 2 行日志到 {save_as}" == view.status_label.text() and not view.progress.isVisible()


def test_export_writes_every_row_shown_not_only_those_read_yet(qtbot, make_view, save_as, small_pages):
    _add([(i, "push", f"R{i:03d}", "ok", f"=第 {i} 条") for i in range(100)])
    view = make_view()
    assert view.model.rowCount() == 40
    _export(qtbot, view)
    rows = _read(save_as)[1:]
    assert len(rows) == 100 and rows[0][4] == "'=第 0 条" and rows[-1][4] == "'=第 99 条"  # inert, newest first


def test_export_in_english(qtbot, make_view, save_as):
    i18n.set_language("en")
    _add(ROWS)
    view = make_view()
    _choose(view, view.action_filter, "mark")
    _wait(qtbot, view)
    _export(qtbot, view)
    time = _shown(view)[0][0]
    assert _read(save_as) == [[en for _, en in LOG_HEADER],
                              [time, "marked by hand", "R3", "posted", "经核对精诚已有此单", "12", "会计小王"]]


def test_export_can_be_cancelled(qtbot, view, save_as, monkeypatch):
    started = threading.Event()

    def slow_export(path, log_filter, *, newest_first, progress):
        started.set()
        while True:
            progress(0, 9)  # raises Cancelled once 取消 is clicked
            threading.Event().wait(0.01)

    monkeypatch.setattr(log_view.export, "export_log", slow_export)
    view.export_button.click()
    assert started.wait(5) and view.cancel_button.isVisible()
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not view.exporting, timeout=10_000)
    assert "已取消导出" in view.status_label.text() and not save_as.exists()
    assert view.export_button.isEnabled() and not view.cancel_button.isVisible()


def test_a_failed_export_says_why(qtbot, view, tmp_path, monkeypatch):
    target = tmp_path / "no such folder" / "log.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    shown: list[tuple] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args))
    _export(qtbot, view)
    ((_, title, message),) = shown
    assert title == "导出失败" and "无法写入文件" in message and not target.exists()


def test_closing_during_an_export_stops_it_first(qtbot, view, save_as, monkeypatch):
    started = threading.Event()

    def slow_export(path, log_filter, *, newest_first, progress):
        started.set()
        while True:
            progress(0, 9)
            threading.Event().wait(0.01)

    monkeypatch.setattr(log_view.export, "export_log", slow_export)
    view.export_button.click()
    assert started.wait(5)
    view.close()
    assert view.isVisible()  # waits for the export to stop
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=10_000)
    assert not view.exporting


def test_the_model_passes_qts_model_tester(qtbot, qtlog, db, small_pages):
    _add([(i, "push" if i % 2 else "pull", f"R{i}" if i % 2 else None, "failed" if i % 5 == 0 else "ok",
           f"第 {i} 条\n第二行") for i in range(90)])
    view = LogView()
    qtbot.addWidget(view)
    tester = QAbstractItemModelTester(view.model, QAbstractItemModelTester.FailureReportingMode.Warning)
    view.show()
    _wait(qtbot, view)
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() == 80, timeout=10_000)
    _choose(view, view.state_filter, "failed")
    _wait(qtbot, view)
    view.model.append_rows([], more=False)  # the end reached: no more asked for
    assert not view.model.canFetchMore(view.model.index(-1, -1))
    view.show_code("R5")
    _wait(qtbot, view)
    failures = [record.message for record in qtlog.records if "FAIL" in record.message]
    assert failures == []
    assert view.model.rowCount() == 1
    del tester  # it watched every change until here


def test_the_model_row_texts_for_a_page_read_directly(db):
    _add(ROWS)
    model = LogModel()
    model.set_rows(synclog.page(synclog.LogFilter(action="push")), more=False)
    assert [model.text_at(row, LogModel.STATE) for row in range(4)] == ["失败", "结果未知", "失败", "已推送"]
    assert model.index(0, LogModel.DURATION).data() == "12"
    assert model.index(0, LogModel.DURATION).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.headerData(LogModel.ACTION, Qt.Orientation.Horizontal) == "操作"
