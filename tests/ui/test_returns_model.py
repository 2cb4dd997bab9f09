"""The returns table's model, under Qt's own model tester, on real rows of the sandbox's returns in every state:
what it shows, how it sorts and filters, what may be ticked, the totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from core import overview, review, settings_save
from core.push import previews
from core.states import TICKABLE, ReturnState
from core.store import ReturnReview
from tests.support.every_state import every_state_rows
from ui import state_style
from ui.returns_model import ReturnsModel, RowSet

Fatal = QAbstractItemModelTester.FailureReportingMode.Fatal


@pytest.fixture
def rows(db) -> list[overview.Row]:
    return every_state_rows()


def _shown(model: ReturnsModel, column: int) -> list[str]:
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_each_row_shows_its_state_with_its_own_word_icon_and_colour(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    seen = {}
    for n in range(model.rowCount()):
        index = model.index(n, ReturnsModel.STATE)
        row = model.row_at(n)
        seen[row.state] = (model.data(index), model.data(index, Qt.ItemDataRole.DecorationRole).cacheKey(),
                           model.data(index, Qt.ItemDataRole.ForegroundRole).name().lower())
    words = {state: word for state, (word, _, _) in seen.items()}
    assert words == {ReturnState.READY: "待推送", ReturnState.BLOCKED: "不可推送", ReturnState.SENDING: "推送中",
                     ReturnState.POSTED: "已推送", ReturnState.FAILED: "失败", ReturnState.UNKNOWN: "结果未知",
                     ReturnState.CHANGED: "推送后有变更"}
    assert len({icon for _, icon, _ in seen.values()}) == len(ReturnState)  # an icon of its own
    assert len({colour for _, _, colour in seen.values()}) == len(ReturnState)  # and a colour of its own
    posted = state_style.colour(ReturnState.POSTED)
    assert posted.green() > posted.red()  # success is never red
    failed, unknown = state_style.colour(ReturnState.FAILED), state_style.colour(ReturnState.UNKNOWN)
    assert abs(failed.hue() - unknown.hue()) > 60  # 失败 and 结果未知 clearly apart, beside their shapes


def test_columns_show_the_sheet_totals_and_the_reason(qtbot, rows):
    model = ReturnsModel()
    model.set_rows(rows)
    by_code = {p.code: p for p in previews([row.code for row in rows])}
    for n in range(model.rowCount()):
        row = model.row_at(n)
        sheet = by_code[row.code].mapped.sheet
        if sheet is not None:
            assert model.data(model.index(n, ReturnsModel.AMOUNT)) == sheet.amo
            assert model.data(model.index(n, ReturnsModel.QUA)) == sheet.qua
            assert model.data(model.index(n, ReturnsModel.LINES)) == str(len(sheet.items))
        if row.state is ReturnState.BLOCKED:
            reason = str(by_code[row.code].mapped.blocking[0])
            assert model.data(model.index(n, ReturnsModel.NOTE)) == "✖ " + reason
        if row.state is ReturnState.POSTED:
            assert model.data(model.index(n, ReturnsModel.NOTE)) == f"精诚单号 XT-{row.code}"
    alignment = model.data(model.index(0, ReturnsModel.AMOUNT), Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight
    # The headers keep the view's centring, clear of the sort arrow at the right (金额 ran under it, right-aligned).
    assert all(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole) is None
               for column in range(model.columnCount()))


@pytest.mark.parametrize("column", range(10))
def test_every_column_sorts_both_ways_by_its_value_not_its_text(qtbot, rows, column):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    key = {
        ReturnsModel.STATE: lambda r: list(ReturnState).index(r.state),
        ReturnsModel.LINES: lambda r: -1 if r.lines is None else r.lines,
        ReturnsModel.QUA: lambda r: Decimal(r.qua) if r.qua else Decimal(-1),
        ReturnsModel.AMOUNT: lambda r: -(10 ** 18) if r.amo_cents is None else r.amo_cents,
    }.get(column, lambda r: model._text(r, column))
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(column, order)
        shown = [model.row_at(n) for n in range(model.rowCount())]
        filled = [row for row in shown if model._text(row, column) != ""]
        assert shown[:len(filled)] == filled  # blank cells last, either way, as in Excel or WPS
        keys = [key(row) for row in filled]
        assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)
        assert len({model.code_at(n) for n in range(model.rowCount())}) == 80


@pytest.mark.parametrize("column", [ReturnsModel.AMOUNT, ReturnsModel.LINES, ReturnsModel.RECEIVED])
def test_blank_cells_come_last_going_up_too(qtbot, rows, column):
    model = ReturnsModel()
    model.set_rows(rows)
    blanks = sum(model._text(row, column) == "" for row in rows)
    assert 0 < blanks < len(rows), "the rows hold blank and filled cells in this column"
    model.sort(column, Qt.SortOrder.AscendingOrder)
    texts = _shown(model, column)
    assert texts[-blanks:] == [""] * blanks and "" not in texts[:-blanks]


def test_amounts_sort_as_numbers(qtbot, rows):
    model = ReturnsModel()
    model.set_rows(rows)
    model.sort(ReturnsModel.AMOUNT, Qt.SortOrder.DescendingOrder)
    amounts = [Decimal(text) for text in _shown(model, ReturnsModel.AMOUNT) if text]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) > 10
    assert [len(text) for text in _shown(model, ReturnsModel.AMOUNT)[:len(amounts)]] != sorted(
        len(text) for text in _shown(model, ReturnsModel.AMOUNT)[:len(amounts)])  # not the text order of "9.00"


def test_the_state_filter_and_the_search_keep_the_matching_rows_and_the_selection(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    model.set_filter(ReturnState.BLOCKED)
    assert {model.row_at(n).state for n in range(model.rowCount())} == {ReturnState.BLOCKED}
    assert model.rowCount() == sum(row.state is ReturnState.BLOCKED for row in rows)
    shop = rows[7].shop
    model.set_filter(None, shop[:4].upper())
    assert model.rowCount() == sum(shop[:4].lower() in (row.shop + row.code).lower() for row in rows)
    model.set_filter(None, rows[3].code.lower())
    assert [model.code_at(n) for n in range(model.rowCount())] == [rows[3].code]
    model.set_filter(ReturnState.POSTED, rows[3].code if rows[3].state is not ReturnState.POSTED else "none-such")
    assert model.rowCount() == 0 and model.total_rows() == 80
    model.set_filter(None, "")
    assert model.rowCount() == 80


def test_new_rows_go_where_the_sort_puts_them_and_changed_rows_change_in_place(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.sort(ReturnsModel.CODE, Qt.SortOrder.AscendingOrder)
    model.set_rows(rows[::2])
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted):
        model.update_rows(rows[1::2])
    assert not resets
    assert _shown(model, ReturnsModel.CODE) == sorted(row.code for row in rows)
    renamed = rows[10]._replace(shop="改名的店")
    with qtbot.waitSignal(model.dataChanged):
        model.update_rows([renamed])
    assert model.data(model.index(model.shown_row_of(renamed.code), ReturnsModel.SHOP)) == "改名的店"
    assert model.rowCount() == 80 and not resets


def test_a_change_outside_the_sort_key_keeps_later_rows_inserted_not_reset(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.sort(ReturnsModel.CODE, Qt.SortOrder.AscendingOrder)
    model.set_rows(rows[::2])
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.update_rows([rows[0]._replace(state=ReturnState.POSTED, note="精诚单号 XT-1")])  # pushed: its code stays
    with qtbot.waitSignal(model.rowsInserted):
        model.update_rows(rows[1::2])
    assert not resets and _shown(model, ReturnsModel.CODE) == sorted(row.code for row in rows)


def test_a_code_given_twice_in_one_update_counts_once_as_its_last_row(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows[1:])
    known, new = rows[1], rows[0]
    model.update_rows([known._replace(state=ReturnState.SENDING, amo_cents=1),
                       new, known._replace(state=ReturnState.POSTED, amo_cents=2), new])
    assert model.total_rows() == model.rowCount() == 80
    assert sorted(model.code_at(n) for n in range(80)) == sorted(row.code for row in rows)
    assert model.row_at(model.shown_row_of(known.code)).state is ReturnState.POSTED
    expected = sum(row.amo_cents or 0 for row in rows) - (known.amo_cents or 0) + 2
    assert model.totals()[3] == expected


def test_rows_that_changed_state_join_or_leave_the_filter_at_the_next_sort_not_under_the_cursor(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    model.set_filter(ReturnState.READY)
    ready = [model.row_at(n) for n in range(model.rowCount())]
    blocked = next(row for row in rows if row.state is ReturnState.BLOCKED)
    model.update_rows([ready[0]._replace(state=ReturnState.POSTED), blocked._replace(state=ReturnState.READY)])
    assert model.rowCount() == len(ready)  # the posted row stays where it was until the table is sorted
    model.sort(ReturnsModel.CODE, Qt.SortOrder.AscendingOrder)
    shown = [model.code_at(n) for n in range(model.rowCount())]
    assert shown == sorted([row.code for row in ready[1:]] + [blocked.code])
    assert model.totals()[2:] == (len(shown), sum(model.row_at(n).amo_cents or 0 for n in range(len(shown))))
    assert not model.refilter()  # nothing left to change


def test_only_rows_that_may_go_can_be_ticked_and_the_totals_add_up_to_the_cent(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    tick = Qt.CheckState.Checked.value
    for n in range(model.rowCount()):
        row = model.row_at(n)
        index = model.index(n, ReturnsModel.STATE)
        may_go = row.state in (ReturnState.READY, ReturnState.FAILED)
        assert bool(model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable) == may_go
        assert model.setData(index, tick, Qt.ItemDataRole.CheckStateRole) == may_go
    ticked = [row for row in rows if row.state in (ReturnState.READY, ReturnState.FAILED)]
    assert sorted(model.checked_codes()) == sorted(row.code for row in ticked)
    count, cents, shown, shown_cents = model.totals()
    assert (count, shown) == (len(ticked), 80)
    assert cents == sum(Decimal(row.amo).scaleb(2) for row in ticked)
    assert shown_cents == sum(Decimal(row.amo).scaleb(2) for row in rows if row.amo)
    failed = next(row for row in ticked if row.state is ReturnState.FAILED)
    with qtbot.waitSignal(model.checked_changed):
        model.update_rows([failed._replace(state=ReturnState.POSTED)])  # pushed again, elsewhere
    assert failed.code not in model.checked_codes()
    model.set_filter(ReturnState.READY)
    assert model.totals()[2:] == (sum(row.state is ReturnState.READY for row in rows),
                                  sum(row.amo_cents or 0 for row in rows if row.state is ReturnState.READY))


def test_ticked_codes_come_in_the_order_shown_and_those_a_filter_hides_last(qtbot, rows):
    model = ReturnsModel()
    model.set_rows(rows)
    ready = sorted(row.code for row in rows if row.state is ReturnState.READY)
    failed = next(row.code for row in rows if row.state is ReturnState.FAILED)
    model.set_checked([*ready[:3], failed, rows[0].code if rows[0].state not in TICKABLE else failed])
    model.sort(ReturnsModel.CODE, Qt.SortOrder.DescendingOrder)
    assert model.checked_codes() == sorted([*ready[:3], failed], reverse=True)
    model.set_filter(ReturnState.READY)
    assert model.checked_codes() == [*sorted(ready[:3], reverse=True), failed]


def test_a_rules_change_updates_rows_in_place(qtbot, rows):
    """Red sheets marked differently from now on: every posted sheet no longer matches what its return maps to."""
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    model.set_rows(rows)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    posted = {row.code for row in rows if row.state is ReturnState.POSTED}
    settings_save.save({"mapping.red_value": "红"}, {})
    stamp = review.Context.current().stamp
    assert len(review.stale_codes(stamp)) == 80
    changed: list[overview.Row] = []
    review.refresh(progress=lambda codes, done, total: changed.extend(overview.load_rows(codes, stamp=stamp)))
    with qtbot.waitSignal(model.dataChanged):
        model.update_rows(changed)
    assert not resets and model.rowCount() == 80 and not review.stale_codes(stamp)
    now = {model.code_at(n): model.row_at(n) for n in range(80)}
    assert all(now[code].state is ReturnState.CHANGED for code in posted)
    assert {code for code, row in now.items() if row.state is ReturnState.READY} == {
        row.code for row in rows if row.state is ReturnState.READY}
    assert not any(row.stale for row in now.values())


def test_the_tooltip_of_state_and_note_tells_the_whole_story_read_when_pointed_at(qtbot, rows):
    model = ReturnsModel()
    model.set_rows(rows)
    blocked = next(n for n in range(model.rowCount()) if model.row_at(n).state is ReturnState.BLOCKED)
    code = model.code_at(blocked)
    for column in (ReturnsModel.STATE, ReturnsModel.NOTE):
        assert model.data(model.index(blocked, column), Qt.ItemDataRole.ToolTipRole) == overview.details(code)
    assert model.data(model.index(blocked, ReturnsModel.SHOP), Qt.ItemDataRole.ToolTipRole) is None
    told = model.data(model.index(blocked, ReturnsModel.NOTE), Qt.ItemDataRole.ToolTipRole)
    assert told.count("\n") >= 1 and told.startswith(model.row_at(blocked).note)
    # A push changes the row: its story is read again, not the one kept.
    model.update_rows([model.row_at(blocked)._replace(note="✖ 另一个原因")])
    ReturnReview.update(blocking_zh="另一个原因").where(ReturnReview.code == code).execute()
    assert "另一个原因" in model.data(model.index(model.shown_row_of(code), ReturnsModel.NOTE),
                                  Qt.ItemDataRole.ToolTipRole)


def test_control_and_bidi_characters_from_guanyi_show_as_escapes_and_still_sort_and_match(qtbot, rows):
    model = ReturnsModel()
    model.set_rows(rows)
    hostile = rows[7]._replace(shop="店\u202etxt.exe\x1b[31m", note="⚠ 备注\u2066x")
    model.update_rows([hostile])
    n = model.shown_row_of(hostile.code)
    assert model.data(model.index(n, ReturnsModel.SHOP)) == "店\\u202etxt.exe\\x1b[31m"
    assert model.data(model.index(n, ReturnsModel.NOTE)) == "⚠ 备注\\u2066x"
    assert model.row_at(n).shop == hostile.shop  # kept as sent: only what a person reads is escaped
    model.set_filter(text="txt.exe")
    assert [model.code_at(k) for k in range(model.rowCount())] == [hostile.code]


def test_a_sort_keeps_the_selected_return_in_view(qtbot, rows):
    from ui.returns_view import ReturnsTable

    table = ReturnsTable()
    qtbot.addWidget(table)
    table.resize(900, 260)  # a few rows at a time
    table.show()
    table.set_rows(rows)
    qtbot.waitUntil(lambda: table.table.currentIndex().isValid())
    code = table.model.code_at(0)  # newest receipt first: the top row
    table.table.sortByColumn(ReturnsModel.RECEIVED, Qt.SortOrder.AscendingOrder)  # now near the bottom
    assert table.current_code() == code
    row = table.model.shown_row_of(code)
    assert row > 40
    shown = table.table.viewport().rect()
    assert shown.intersects(table.table.visualRect(table.model.index(row, ReturnsModel.CODE)))


@pytest.mark.parametrize("change_during_load", [False, True])
def test_rows_prepared_for_the_view_show_as_rows_chosen_and_sorted_by_the_model(qtbot, rows, change_during_load):
    """A load chooses, sorts and sums the rows shown on its worker for the view it was started with; a view changed
    while it ran (a header clicked, a filter chosen) is applied to the rows when they arrive."""
    expected = ReturnsModel()
    model = ReturnsModel()
    QAbstractItemModelTester(model, Fatal)
    words = rows[7].shop[:4]
    for each in (expected, model):
        each.set_rows(rows)
        each.set_filter(None, words)
        each.sort(ReturnsModel.AMOUNT, Qt.SortOrder.AscendingOrder)
    prepared = RowSet(reversed(rows), model.view())  # another order of the rows, as a pull may bring them
    if change_during_load:
        for each in (expected, model):
            each.set_filter(ReturnState.READY, words)
            each.sort(ReturnsModel.CODE, Qt.SortOrder.DescendingOrder)
    expected.set_rows(list(reversed(rows)))
    model.set_rows(prepared)
    assert prepared.view is not None and (prepared.view == model.view()) is not change_during_load
    assert 0 < model.rowCount() < len(rows)
    assert [model.code_at(n) for n in range(model.rowCount())] == [
        expected.code_at(n) for n in range(expected.rowCount())]
    assert model.totals() == expected.totals()
    amounts = [model.row_at(n).amo_cents for n in range(model.rowCount())]
    assert model.totals()[3] == sum(filter(None, amounts))
