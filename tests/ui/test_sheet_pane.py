"""The sheet pane on real data: its labels, the lines beside their 管易云 line numbers and codes, checks that find
their lines, the exact body, the actions each state allows and their signals, and what changed after posting."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QGuiApplication

from core import i18n, overview, push, review
from core.pull import store_window
from core.sandbox import Sandbox
from core.states import ReturnState
from core.store import GoodsMap, LedgerEntry, ReturnRecord
from core.timeutil import now_china
from tests.support.pushing import loaded_sandbox, ready_codes
from ui.sheet_view import LinesModel, SheetPane

SHOWN = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def sb(db):
    with loaded_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def pane(qtbot, sb):
    widget = SheetPane()
    qtbot.addWidget(widget)
    widget.resize(520, 680)
    widget.show()
    return widget


def _line(**fields) -> dict:
    base = {"sku_code": "", "item_code": "ITEM", "item_name": "商品", "qty": 1, "real_in": 1, "price": "10.0000",
            "amount": "10.0000", "amount_after": "10.0000", "note": "", "is_gift": 0}
    base.update(fields)
    return base


def _store(code: str, *details: dict) -> str:
    raw = {"id": 315677282722, "code": code, "reason": "7天无理由退换货", "create_date": "2024-05-01 09:00:00",
           "receive_date": "2024-05-06 10:11:12", "modify_date": "2024-05-06 10:11:12", "cancel": False,
           "receive": 1, "shop_code": "S01", "shop_name": "天猫旗舰店", "platform_code": "P123",
           "details": list(details)}
    store_window({code: raw}, now_china(), context=review.Context.current())
    return code


def _mixed() -> str:
    """A return of five lines: one in the goods table, one not received, a gift, one whose amount differs, a plain
    one."""
    GoodsMap.create(code="SP1001-RED", goods_id="JC-1")
    return _store(
        "RGO-MIXED",
        _line(item_code="SP1001", sku_code="SP1001-RED"),
        _line(item_code="SP2002", real_in=0),
        _line(item_code="SP3003", is_gift=1, price="0", amount="0"),
        _line(item_code="SP3004", sku_code="SP3004-XL", amount="99.0000", note="包装破损"),
        _line(item_code="SP5005", qty=2, real_in=2, amount="20.0000"),
    )


def _edit_return(code: str, edit) -> None:
    raw = json.loads(ReturnRecord.get_by_id(code).raw_json)
    edit(raw)
    ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()


def _cells(model: LinesModel, column: int) -> list[str]:
    return [model.data(model.index(row, column), SHOWN) for row in range(model.rowCount())]


def _buttons(pane: SheetPane) -> list[str]:
    shown = (pane.mark_button, pane.repush_button, pane.changes_button, pane.log_button)
    return [button.text() for button in shown if button.isVisible()]


def test_the_header_has_chinese_labels_first_and_field_names_second(pane):
    code = ready_codes()[0]
    pane.show_code(code)
    sheet = push.preview(code).mapped.sheet
    names = {key: label.text() for key, label in pane.sheet.header_names.items()}
    for key, word in (("SheetID", "单据编号"), ("SheetDate", "单据日期"), ("CustomerCode", "客户编码"),
                      ("CustomerName", "客户名称"), ("RedBlue", "红蓝字"), ("Qua", "数量合计"), ("Amo", "金额合计"),
                      ("Remark", "备注")):
        assert word in names[key] and key in names[key] and names[key].index(word) < names[key].index(key)
    values = {key: label.text() for key, label in pane.sheet.header_labels.items()}
    assert values == {key: value for key, value in sheet.as_dict().items() if key != "Items"}


def test_in_english_a_field_whose_word_is_its_name_is_named_once(qtbot, sb):
    i18n.set_language("en")
    pane = SheetPane()
    qtbot.addWidget(pane)
    pane.show_code(ready_codes()[0])
    assert "Sheet number" in pane.sheet.header_names["SheetID"].text()
    assert pane.sheet.header_names["Remark"].text().count("Remark") == 1
    assert pane.tabs.tabText(pane.BODY_TAB) == "Body to send"


def test_the_lines_table_gives_each_line_its_guanyi_number_and_codes(pane):
    pane.show_code(_mixed())
    lines = pane.sheet.lines
    assert [h for h in (lines.headerData(c, Qt.Orientation.Horizontal) for c in range(lines.columnCount()))] == [
        "行号", "商品编码 / 规格编码", "GoodsID", "数量", "单价", "金额", "备注"]
    assert _cells(lines, LinesModel.NUMBER) == ["1", "2", "⚠ 3", "⚠ 4", "⚠ 5"]
    assert _cells(lines, LinesModel.CODES) == ["SP1001 / SP1001-RED", "SP2002", "SP3003", "SP3004 / SP3004-XL",
                                               "SP5005"]
    # The line left out says why across the cells the sheet would have had.
    assert _cells(lines, LinesModel.GOODS_ID) == ["JC-1", "数量为 0，不推送", "SP3003", "SP3004-XL", "SP5005"]
    assert pane.sheet.lines_view.columnSpan(1, LinesModel.GOODS_ID) == 5
    assert pane.sheet.lines_view.columnSpan(0, LinesModel.GOODS_ID) == 1
    assert _cells(lines, LinesModel.AMO) == ["10.00", "", "0.00", "10.00", "20.00"]
    assert _cells(lines, LinesModel.REMARK)[3] == "包装破损"
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    for column in (LinesModel.NUMBER, LinesModel.QUA, LinesModel.PRICE, LinesModel.AMO):
        assert lines.data(lines.index(0, column), Qt.ItemDataRole.TextAlignmentRole) == right
    assert lines.data(lines.index(0, LinesModel.CODES), Qt.ItemDataRole.TextAlignmentRole) is None
    assert lines.data(lines.index(1, 0), Qt.ItemDataRole.ForegroundRole) is not None  # left out: greyed
    assert lines.data(lines.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert "第 4 行（商品 SP3004-XL）" in lines.data(lines.index(3, 0), Qt.ItemDataRole.ToolTipRole)


def test_clicking_a_check_selects_the_line_it_names(qtbot, pane):
    pane.show_code(_mixed())
    problems = pane.sheet.problems
    texts = [problems.item(row).text() for row in range(problems.count())]
    row = next(n for n, text in enumerate(texts) if "第 4 行（商品 SP3004-XL）" in text)
    item = problems.item(row)
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=problems.visualItemRect(item).center())
    assert pane.sheet.selected_lines() == [4]
    selected = pane.sheet.lines_view.selectionModel().selectedRows()
    assert [pane.sheet.lines.data(index, SHOWN) for index in selected] == ["⚠ 4"]
    gifts = next(n for n, text in enumerate(texts) if "第 3 行是赠品" in text)
    problems.setCurrentRow(gifts)
    assert pane.sheet.selected_lines() == [3]
    unknown_goods = next(n for n, text in enumerate(texts) if "不在商品对照表中" in text)
    problems.setCurrentRow(unknown_goods)
    assert pane.sheet.selected_lines() == [3, 4, 5]


def test_the_body_tab_shows_the_exact_body_and_copies_it(qtbot, pane):
    code = ready_codes()[0]
    pane.show_code(code)
    pane.tabs.setCurrentIndex(pane.BODY_TAB)
    body = push.preview(code).mapped.sheet.body().decode("utf-8")
    view = pane.body_view
    assert view.text.toPlainText() == body and view.text.isReadOnly()
    assert "将发送到精诚的内容" in view.title.text() and pane.tabs.tabText(pane.BODY_TAB) == "发送内容"
    assert QFontInfo(view.text.font()).fixedPitch()
    view.indented.setChecked(True)
    assert view.text.toPlainText() != body and json.loads(view.text.toPlainText()) == json.loads(body)
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == body

    push.push([code])
    pane.show_code(code)
    assert "已发送到精诚的内容" in view.title.text() and pane.tabs.tabText(pane.BODY_TAB) == "已发送内容"
    view.indented.setChecked(False)
    assert view.text.toPlainText() == LedgerEntry.get_by_id(code).request_body


def test_the_raw_tab_is_the_record_as_pulled(pane):
    code = ready_codes()[0]
    pane.show_code(code)
    assert pane.raw_view.toPlainText() == ""  # filled when looked at
    pane.tabs.setCurrentIndex(pane.RAW_TAB)
    assert pane.raw_view.toPlainText() == overview.raw_text(code)


def _make(state: str, sb: Sandbox) -> str:
    code = ready_codes()[0]
    if state == "blocked":
        _edit_return(code, lambda raw: raw.update(cancel=True))
    elif state in ("posted", "changed"):
        push.push([code])
        if state == "changed":
            _edit_return(code, lambda raw: raw.update(reason="质量问题（已核实）"))
    elif state in ("unknown", "failed"):
        sb.jingcheng.faults.push("http500" if state == "unknown" else "flag0")
        push.push([code])
    return code


@pytest.mark.parametrize(("state", "buttons"), [
    ("ready", ["查看日志"]),
    ("blocked", ["查看日志"]),
    ("failed", ["查看日志"]),
    ("posted", ["查看日志"]),
    ("unknown", ["标记为已推送…", "重新推送…", "查看日志"]),
    ("changed", ["重新推送…", "查看变更", "查看日志"]),
])
def test_the_actions_offered_are_those_of_the_state(pane, sb, state, buttons):
    code = _make(state, sb)
    pane.show_code(code)
    assert pane.detail.state is ReturnState(state)
    assert _buttons(pane) == buttons
    assert pane.tabs.isTabVisible(pane.CHANGES_TAB) == (state == "changed")
    assert pane.sheet.basis.isVisible() == (state == "changed")  # the sheet tab says it shows the data of now


def test_each_action_asks_through_its_signal_with_the_code(qtbot, pane, sb):
    code = _make("unknown", sb)
    pane.show_code(code)
    for signal, button in ((pane.mark_requested, pane.mark_button), (pane.repush_requested, pane.repush_button),
                           (pane.log_requested, pane.log_button)):
        with qtbot.waitSignal(signal, timeout=1000) as caught:
            button.click()
        assert caught.args == [code]
    assert LedgerEntry.get_by_id(code).status == "unknown"  # the pane changes nothing itself


def test_a_changed_sheet_shows_what_changed(qtbot, pane, sb):
    code = _make("changed", sb)
    sent = json.loads(LedgerEntry.get_by_id(code).request_body)
    pane.show_code(code)
    pane.changes_button.click()
    assert pane.tabs.currentIndex() == pane.CHANGES_TAB
    text = pane.changes_view.toPlainText()
    assert "备注 Remark" in text and sent["Remark"] in text and "质量问题（已核实）" in text and "→" in text
    assert "数量合计" not in text  # only what differs
    pane.tabs.setCurrentIndex(pane.BODY_TAB)
    assert pane.body_view.text.toPlainText() == LedgerEntry.get_by_id(code).request_body
    assert pane.body_view.which.isVisible()
    pane.body_view.which.setCurrentIndex(1)  # what a re-push would send
    assert "质量问题（已核实）" in pane.body_view.text.toPlainText()
    assert "将发送到精诚的内容" in pane.body_view.title.text()

    other = ready_codes()[0]
    pane.show_code(other)  # a ready return: the changes tab goes, and the pane leaves it
    assert not pane.tabs.isTabVisible(pane.CHANGES_TAB) and pane.tabs.currentIndex() != pane.CHANGES_TAB


def test_clear_and_an_empty_code_leave_nothing(pane):
    code = ready_codes()[0]
    pane.show_code(code)
    assert pane.code == code and pane.sheet.lines.rowCount() >= 1
    pane.show_code("")
    assert pane.code == "" and pane.detail is None and pane.sheet.lines.rowCount() == 0
    assert _buttons(pane) == [] and pane.sheet.header_labels["SheetID"].text() == ""
    pane.show_code("NO-SUCH")
    assert "NO-SUCH" in pane.sheet.status.text() and _buttons(pane) == []


def test_names_with_control_and_bidi_characters_show_escaped(pane):
    code = _store("RGO-BIDI", _line(item_code="SP\u202e1001", sku_code="SP1\x1b[31m", note="备\u2066注\x00"))
    _edit_return(code, lambda raw: raw.update(shop_name="天猫\u202egpj.exe"))
    pane.show_code(code)
    shown = [label.text() for label in pane.sheet.header_labels.values()]
    shown += [pane.sheet.problems.item(i).text() for i in range(pane.sheet.problems.count())]
    lines = pane.sheet.lines
    shown += [str(lines.data(lines.index(row, column), SHOWN)) for row in range(lines.rowCount())
              for column in range(lines.columnCount())]
    text = "\n".join(shown)
    assert not any(ch in text for ch in "\u202e\u2066\x1b\x00"), text
    assert "天猫\\u202egpj.exe" in text and "SP1\\x1b[31m" in text


def test_a_long_check_that_mixes_latin_and_chinese_wraps_whole_and_again_when_the_pane_narrows(qtbot):
    """Each check is as tall as its text laid out line by line as the list paints it, and the margin around it, at
    every width the pane takes (Qt's own measure left no margin, and cut a mixed line's end off with "…")."""
    from PySide6.QtWidgets import QListWidget

    from ui.wrapping_delegate import WrappingDelegate, item_height

    checks = QListWidget()
    qtbot.addWidget(checks)
    checks.setWordWrap(True)
    checks.setResizeMode(QListWidget.ResizeMode.Adjust)
    checks.setItemDelegate(WrappingDelegate(checks))
    texts = ["⚠ Warning: Shop 店铺A (淘宝-小林家居百货) is not in the shop table; the shop code 店铺A is used as "
             "CustomerCode.", "⚠ short"]
    checks.addItems(texts)
    checks.show()
    heights = []
    for width in (530, 300):
        checks.resize(width, 300)
        qtbot.waitUntil(lambda width=width: checks.width() == width)
        qtbot.wait(150)  # the list lays its items out again on a timer
        for row, text in enumerate(texts):
            needed = item_height(checks, text, checks.font())
            assert checks.visualItemRect(checks.item(row)).height() >= needed, (width, text)
        heights.append(checks.visualItemRect(checks.item(0)).height())
    assert heights[1] > heights[0] > checks.visualItemRect(checks.item(1)).height()
