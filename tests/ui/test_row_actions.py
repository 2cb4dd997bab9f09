"""Unknown and changed rows resolved in the window: the context menu per state, 标记为已推送 with 精诚's number,
标记为未入账, and 重新推送 only on an explicit confirmation — logged as forced. Dialogs are the real ones, answered
by clicking their buttons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core import ledger
from core.states import ReturnState, SheetStatus
from core.store import SyncLog
from ui import row_actions
from ui.row_actions import MarkPostedDialog


def _pull(qtbot, window) -> None:
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)


def _push(qtbot, window, codes: list[str]) -> None:
    window.model.set_checked(codes)
    window.push_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)


def _unknown_row(qtbot, window, sandbox, warned) -> str:
    """A ready return pushed while 精诚 answers HTTP 500: its outcome is unknown."""
    _pull(qtbot, window)
    code = window.model.shown_tickable_codes()[0]
    sandbox.jingcheng.faults.push("http500")
    _push(qtbot, window, [code])
    assert window._state_of(code) == ReturnState.UNKNOWN
    return code


def _answer(qtbot, act) -> list[str]:
    """Run ``act`` on the next modal dialog once it shows; what it was asked, for the test to look at."""
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        asked.append(dialog.text() if isinstance(dialog, QMessageBox) else dialog.windowTitle())
        act(dialog)

    QTimer.singleShot(0, answer)
    return asked


def _click(label: str):
    def act(box: QMessageBox) -> None:
        (button,) = [b for b in box.buttons() if b.text() == label]
        button.click()
    return act


def _menu_texts(window, code: str, state: ReturnState) -> list[str]:
    menu = row_actions.menu(window, code, state, window.row_handlers)
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def test_the_menu_offers_what_each_state_allows(window):
    assert _menu_texts(window, "R1", ReturnState.UNKNOWN) == [
        "标记为已推送…", "标记为未入账（可再推送）", "重新推送…", "查看日志", "复制单据编号"]
    assert _menu_texts(window, "R1", ReturnState.CHANGED) == ["查看变更", "重新推送…", "查看日志", "复制单据编号"]
    assert _menu_texts(window, "R1", ReturnState.POSTED) == ["重新推送…", "查看日志", "复制单据编号"]
    for state in (ReturnState.READY, ReturnState.FAILED, ReturnState.BLOCKED, ReturnState.SENDING):
        assert _menu_texts(window, "R1", state) == ["查看日志", "复制单据编号"]


def test_right_click_on_a_row_opens_its_menu(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    row = window.model.shown_row_of(code)
    position = window.table.visualRect(window.model.index(row, 1)).center()
    window._row_menu(position)
    shown = [action.text() for action in window.row_menu.actions()]
    assert shown[:3] == ["标记为已推送…", "标记为未入账（可再推送）", "重新推送…"]
    window.row_menu.close()
    window._row_menu(QPoint(-5, -5))  # not on a row: the menu of before stays the last one made
    assert window.row_menu.actions()[0].text() == "标记为已推送…"


def test_unknown_marked_posted_with_the_jingcheng_number(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)

    def fill(dialog: MarkPostedDialog) -> None:
        dialog.sheet_no.setText("  XT2026120100042 ")
        dialog.accept()

    asked = _answer(qtbot, fill)
    window.mark_posted(code)
    assert asked == ["标记为已推送"]
    entry = ledger.find(code)
    assert entry.status == SheetStatus.POSTED and entry.sheet_no == "XT2026120100042"
    assert window._state_of(code) == ReturnState.POSTED
    assert window.model.row_at(window.model.shown_row_of(code)).sheet_no == "XT2026120100042"
    assert SyncLog.select().where((SyncLog.action == "mark") & (SyncLog.code == code)).count() == 1
    assert sandbox.jingcheng.sheet_ids() == []  # marking sends nothing


def test_cancelling_the_mark_changes_nothing(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    _answer(qtbot, lambda dialog: dialog.reject())
    window.mark_posted(code)
    assert ledger.find(code).status == SheetStatus.UNKNOWN and window._state_of(code) == ReturnState.UNKNOWN


def test_unknown_marked_not_booked_becomes_pushable(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    _answer(qtbot, _click("标记为未入账"))
    window.mark_failed(code)
    assert ledger.find(code).status == SheetStatus.FAILED
    assert code in window.model.shown_tickable_codes()


def test_unknown_pushed_again_after_confirming_a_double_is_possible(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    asked = _answer(qtbot, _click("仍然重新推送"))
    window.repush(code)
    assert "重复入账" in asked[0] and code in asked[0]
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    entry = ledger.find(code)
    assert entry.status == SheetStatus.POSTED and sandbox.jingcheng.sheet_ids() == [entry.sheet_id]
    assert window._state_of(code) == ReturnState.POSTED
    forced = SyncLog.select().where((SyncLog.action == "force") & (SyncLog.code == code))
    assert [row.status for row in forced] == [SheetStatus.UNKNOWN]  # logged as forced, naming what it overrode


def test_declining_the_re_push_sends_nothing(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    _answer(qtbot, _click("取消"))
    window.repush(code)
    assert window._task is None and sandbox.jingcheng.sheet_ids() == []
    assert ledger.find(code).status == SheetStatus.UNKNOWN


def test_a_posted_row_goes_again_only_once_confirmed(qtbot, window, sandbox, warned):
    _pull(qtbot, window)
    code = window.model.shown_tickable_codes()[0]
    _push(qtbot, window, [code])
    assert window._state_of(code) == ReturnState.POSTED
    sheet_id = ledger.find(code).sheet_id
    asked = _answer(qtbot, _click("取消"))
    window.repush(code)
    assert "已入账" in asked[0] and window._task is None and sandbox.jingcheng.sheet_ids() == [sheet_id]
    _answer(qtbot, _click("仍然重新推送"))
    window.repush(code)
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    assert sandbox.jingcheng.sheet_ids() == [sheet_id, sheet_id]  # the double the question warned of


def test_a_row_being_sent_is_never_pushed_again(window):
    window.repush("R-NOT-SHOWN")  # no row, no state: nothing asked, nothing started
    assert window._task is None


def test_the_sheet_pane_buttons_of_an_unknown_row_lead_to_the_same_actions(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    window.returns.select_code(code)
    pane = window.sheet_pane
    assert pane.code == code and pane.mark_button.isVisibleTo(pane) and pane.repush_button.isVisibleTo(pane)
    _answer(qtbot, _click("取消"))
    pane.repush_button.click()
    assert window._task is None and ledger.find(code).status == SheetStatus.UNKNOWN

    def fill(dialog: MarkPostedDialog) -> None:
        dialog.accept()

    _answer(qtbot, fill)
    pane.mark_button.click()
    assert ledger.find(code).status == SheetStatus.POSTED
    assert pane.code == code and not pane.mark_button.isVisibleTo(pane)  # the pane shows the row as it is now


@pytest.mark.latency_ms(150)
def test_a_re_push_asked_for_while_work_runs_says_to_wait(qtbot, window, sandbox, warned, monkeypatch):
    code = _unknown_row(qtbot, window, sandbox, warned)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    window.repush(code)
    assert told and "结束" in told[0] and sandbox.jingcheng.sheet_ids() == []
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)


def test_the_pane_of_an_unknown_row_says_to_check_jingcheng_first(qtbot, window, sandbox, warned):
    code = _unknown_row(qtbot, window, sandbox, warned)
    window.returns.select_code(code)
    status = window.sheet_view.status.text()
    assert "结果未知" in status and "请先在精诚中核对此单" in status
    window.returns.select_code(window.model.shown_tickable_codes()[0])
    assert "请先在精诚中核对此单" not in window.sheet_view.status.text()
