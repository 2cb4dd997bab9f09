"""The window driven as a user would: pull with progress, cancel, errors, the mapped sheet. ``window`` is the
workspace inside a main window frame, as the app shows it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from core import credentials, settings_save
from core.states import ReturnState
from core.store import ReturnRecord
from core.timeutil import format_datetime, now_china, parse_bound
from ui.returns_model import ReturnsModel


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
    window.pull_button.click()
    assert not window.pull_button.isEnabled() and window.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)
    assert _table_codes(window) == expected
    assert window.pull_button.isEnabled() and not window.progress.isVisible()
    assert str(len(expected)) in window.progress_label.text()
    assert str(len(expected)) in window.count_label.text()


def test_selecting_a_row_shows_the_mapped_sheet(qtbot, window):
    _pull(qtbot, window)
    window.table.selectRow(0)
    code = window.model.code_at(window.table.currentIndex().row())
    assert window.sheet_view.header_labels["SheetID"].text() == code
    assert window.sheet_view.lines.rowCount() >= 1
    assert window.sheet_view.problems.count() >= 1
    window.detail_tabs.setCurrentIndex(window.sheet_pane.RAW_TAB)  # filled when first looked at
    assert code in window.raw_view.toPlainText()


def test_search_filters_rows(qtbot, window):
    _pull(qtbot, window)
    code = window.model.code_at(0)
    qtbot.keyClicks(window.search, code)
    assert window.model.rowCount() == 1 and window.model.code_at(0) == code


@pytest.mark.latency_ms(150)
def test_cancel_stops_between_requests_and_keeps_what_came(qtbot, window, sandbox):
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    # 取消 ends the request on the wire at once (a window half read is read again next time): once the first
    # window's returns are in the table, they stay.
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window._task is None and window._load is None, timeout=10_000)
    assert "取消" in window.progress_label.text()
    pulled = window.model.rowCount()
    assert 0 < pulled < len(_expected_codes(sandbox, window))
    # Windows stored but not yet reported when the cancel came: the table is read again, none is missing from it.
    assert {window.model.code_at(n) for n in range(pulled)} == {r.code for r in ReturnRecord.select()}


@pytest.mark.latency_ms(150)
def test_rows_appear_window_by_window_while_the_pull_runs(qtbot, window, sandbox):
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
    ((_, title, message),) = shown
    assert "拉取失败" in title and "wrong-secret-XYZ" not in message
    assert "credentials set guanyi" in message or "密钥" in message or "secret" in message


def test_start_after_end_is_refused(qtbot, window, warned):
    window.date_from.setDate(QDate(2030, 1, 2))
    window.date_to.setDate(QDate(2030, 1, 1))
    window.pull_button.click()
    assert warned and window._task is None


def _pull(qtbot, window) -> None:
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)


def test_only_ready_rows_can_be_ticked_and_blocked_ones_say_why(qtbot, window):
    window.all_statuses.setChecked(True)  # brings cancelled and unreceived returns too
    _pull(qtbot, window)
    model = window.model
    rows = [model.index(r, ReturnsModel.STATE) for r in range(model.rowCount())]
    blocked = [i for i in rows if not (model.flags(i) & Qt.ItemFlag.ItemIsUserCheckable)]
    ready = [i for i in rows if model.flags(i) & Qt.ItemFlag.ItemIsUserCheckable]
    assert blocked and ready
    assert model.data(blocked[0], Qt.ItemDataRole.ToolTipRole).startswith("✖")
    assert not model.setData(blocked[0], Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.setData(ready[0], Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.checked_codes() == [model.code_at(ready[0].row())]
    assert window.push_button.isEnabled() and "1" in window.push_button.text()


def test_push_ticked_posts_each_once_and_marks_them_posted(qtbot, window, sandbox, warned):
    _pull(qtbot, window)
    window.tick_all_ready()
    ticked = set(window.model.checked_codes())
    assert ticked
    window.push_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    assert sorted(sandbox.jingcheng.sheet_ids()) == sorted(ticked)
    assert not warned
    assert window.model.checked_codes() == []  # posted rows are no longer ready
    texts = {window.model.data(window.model.index(r, ReturnsModel.STATE)) for r in range(window.model.rowCount())
             if window.model.code_at(r) in ticked}
    assert texts == {"已推送"}
    window.tick_all_ready()
    assert not set(window.model.checked_codes()) & ticked


def test_push_declined_sends_nothing(qtbot, window, sandbox, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.No)
    _pull(qtbot, window)
    window.tick_all_ready()
    window.push_button.click()
    assert window._task is None and sandbox.jingcheng.sheet_ids() == []


def test_push_failures_are_listed(qtbot, window, sandbox, warned):
    _pull(qtbot, window)
    window.tick_all_ready()
    first = window.model.checked_codes()[0]
    sandbox.jingcheng.faults.push("flag0")
    window.push_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    assert not warned and window.summary is not None and window.summary.isVisible()
    details = [window.summary.details.item(row).text() for row in range(window.summary.details.count())]
    assert [line for line in details if first in line] == [f"{first}  失败：" + details[0].split("：", 1)[1]]
    assert "失败 1" in window.summary.text.text() and "失败" in window.progress_label.text()


def test_the_log_button_opens_the_sync_log_and_a_row_shows_its_own(qtbot, window, warned):
    _pull(qtbot, window)
    window.log_button.click()
    view = window.log_view
    assert view.isVisible() and view.isWindow()
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    assert view.model.rowCount() >= 1  # the pull's own row
    code = window.model.code_at(0)
    window.tick_all_ready()
    window.push_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    window.show_log(code)
    assert window.log_view is view and view.code_chip.isVisible()
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    codes = {view.model.index(row, 2).data() for row in range(view.model.rowCount())}
    assert codes == {code}


@pytest.mark.latency_ms(150)
def test_closing_during_a_pull_waits_for_the_current_request_then_closes(qtbot, window):
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    qtbot.waitUntil(lambda: window.progress.value() > 0, timeout=10_000)
    window.window().close()
    assert window.window().isVisible() and window._task is not None  # still finishing the request on the wire
    qtbot.waitUntil(lambda: not window.window().isVisible(), timeout=10_000)
    assert window._task is None


def test_the_state_filter_shows_exactly_the_rows_in_the_chosen_state_and_says_how_many(qtbot, window):
    window.axis.setCurrentIndex(window.axis.findData("create"))
    window.all_statuses.setChecked(True)  # brings cancelled and unreceived returns too: some blocked
    _pull(qtbot, window)
    total = window.model.rowCount()
    states = {window.model.row_at(n).state for n in range(total)}
    assert {ReturnState.READY, ReturnState.BLOCKED} <= states
    combo = window.returns.state_filter
    for state in states:
        combo.setCurrentIndex(combo.findData(state))
        shown = [window.model.row_at(n) for n in range(window.model.rowCount())]
        assert shown and {row.state for row in shown} == {state}
        assert window.count_label.text() == f"显示 {len(shown)} / 共 {total}"
    combo.setCurrentIndex(combo.findData(ReturnState.UNKNOWN))
    assert window.model.rowCount() == 0 and "没有匹配的退货单" in window.count_label.text()
    combo.setCurrentIndex(0)
    assert window.model.rowCount() == total and window.count_label.text() == f"显示 {total} / 共 {total}"


def test_search_keeps_the_selected_return_selected_when_it_still_matches(qtbot, window):
    _pull(qtbot, window)
    row = window.model.row_at(window.model.rowCount() // 2)
    window.returns.select_code(row.code)
    window.search.setText(row.shop[:2])  # QTest types ASCII only
    assert window.returns.current_code() == row.code
    assert window.sheet_view.header_labels["SheetID"].text() == row.code
    window.search.setText("没有这样的单号")
    assert window.model.rowCount() == 0 and "没有匹配的退货单" in window.count_label.text()
    window.search.clear()
    assert window.returns.current_code() == row.code


def test_the_status_bar_totals_the_ticked_and_the_shown_rows(qtbot, window):
    _pull(qtbot, window)
    rows = [window.model.row_at(n) for n in range(window.model.rowCount())]
    ready = [row for row in rows if row.state is ReturnState.READY][:3]
    window.model.set_checked([row.code for row in ready])
    ticked = sum(Decimal(row.amo) for row in ready)
    shown = sum(Decimal(row.amo) for row in rows if row.amo)
    assert window.totals_label.text() == f"已勾选 3 张，金额 {ticked:,.2f}　｜　显示 {len(rows)} 张，金额 {shown:,.2f}"


def test_quick_dates_set_the_range_and_the_box_says_why_it_does_nothing_by_receive_time(qtbot, window):
    today = now_china().date()
    combo = window.quick_dates
    combo.setCurrentIndex(combo.findData("yesterday"))
    combo.activated.emit(combo.currentIndex())
    assert window.date_from.date().toPython() == window.date_to.date().toPython() == today - timedelta(days=1)
    combo.setCurrentIndex(combo.findData("last_month"))
    combo.activated.emit(combo.currentIndex())
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert window.date_from.date().toPython() == first and window.date_to.date().toPython().month == first.month
    assert combo.currentIndex() == 0  # back to "快捷…", ready for the next choice
    window.axis.setCurrentIndex(window.axis.findData("receive"))
    assert not window.all_statuses.isEnabled() and "不起作用" in window.all_statuses.toolTip()
    window.axis.setCurrentIndex(window.axis.findData("modify"))
    assert window.all_statuses.isEnabled()


def test_a_rules_change_rechecks_every_return_in_the_background_and_changes_rows_in_place(qtbot, window, warned):
    _pull(qtbot, window)
    window.tick_all_ready()
    posted = set(window.model.checked_codes()[:2])
    window.model.set_checked(posted)
    window.push_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    settings_save.save({"mapping.red_value": "红"}, {})  # as Settings › 映射规则 would
    window.refresh()
    qtbot.waitUntil(lambda: window._refresh is None, timeout=20_000)
    states = {window.model.code_at(n): window.model.row_at(n).state for n in range(window.model.rowCount())}
    assert {states[code] for code in posted} == {ReturnState.CHANGED}  # what was posted is no longer what they map to
    assert not resets and not any(window.model.row_at(n).stale for n in range(window.model.rowCount()))
    assert "已按当前规则检查全部退货单" in window.progress_label.text()
