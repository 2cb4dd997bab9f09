"""The box after a pull or a push: counts first, a details list that scrolls, and for a stopped push how many sheets
were sent and how many not — a box that fits the screen however many sheets there were."""

from __future__ import annotations

import re

import pytest

from core.push import PushItem, PushResult
from core.states import ItemStatus, SheetStatus
from ui import summaries
from ui.summary_dialog import SummaryDialog


def test_a_stopped_push_counts_what_was_not_sent_without_a_line_each():
    items = [PushItem(f"R{n}", SheetStatus.POSTED, "", f"S{n}", f"XT{n}") for n in range(10)]
    items.append(PushItem("R10", SheetStatus.UNKNOWN, "精诚服务器出错（HTTP 500）。", "S10"))
    items += [PushItem(f"R{n}", ItemStatus.NOT_SENT, "推送已中止，未发送。", f"S{n}") for n in range(11, 241)]
    found = summaries.of_push(PushResult(items=items, cancelled=True))
    assert found.text.splitlines()[0] == "已发送 11 张，未发送 230 张。（已推送 10，结果未知 1）"
    assert found.details == ["R10  结果未知：精诚服务器出错（HTTP 500）。"] and found.problem
    assert "已取消" not in found.text


def test_a_push_that_went_through_says_so_in_one_line():
    items = [PushItem(f"R{n}", SheetStatus.POSTED, "", f"S{n}", f"XT{n}") for n in range(3)]
    found = summaries.of_push(PushResult(items=items))
    assert (found.title, found.text, found.details, found.problem) == ("推送完成", "共 3 张：已推送 3。", [], False)


def test_the_box_stays_short_with_hundreds_of_details(qtbot):
    details = [f"R{n}  失败：精诚拒绝了这张单据。" for n in range(500)]
    dialog = SummaryDialog("推送完成", "共 500 张：失败 500。", details, problem=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.details.count() == 500
    assert dialog.height() <= 480 and dialog.details.verticalScrollBar().maximum() > 0


@pytest.mark.latency_ms(150)
def test_cancelling_a_push_shows_sent_and_not_sent(qtbot, window, sandbox, warned):
    window.date_from.setDate(window.date_to.date().addDays(-9))
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=30_000)
    window.summary.close()
    window.tick_all_ready()
    ticked = window.model.checked_count()
    assert ticked >= 10
    window.push_button.click()
    qtbot.waitUntil(lambda: window.progress.value() >= 2, timeout=20_000)
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)
    summary = window.summary
    assert summary is not None and summary.windowTitle() == "推送已停止"
    sent, not_sent = map(int, re.match(r"已发送 (\d+) 张，未发送 (\d+) 张", summary.text.text()).groups())
    assert sent == len(sandbox.jingcheng.sheet_ids()) and sent + not_sent == ticked and not_sent > 0
    assert summary.details.count() == 0 and summary.height() <= 480
    assert "已发送" in window.progress_label.text()


def test_a_pull_ends_with_its_counts(qtbot, window, sandbox):
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)
    summary = window.summary
    assert summary.windowTitle() == "拉取完成" and f"新 {window.model.total_rows()}，更新 0" in summary.text.text()
