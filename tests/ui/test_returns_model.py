"""The returns table's model, under Qt's own model tester, filled with real rows of the sandbox's returns."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from core import overview
from core.sandbox import Sandbox
from tests.support.pushing import load_returns
from ui.returns_model import ReturnsModel


@pytest.fixture
def rows(db) -> list[overview.Row]:
    with Sandbox(returns=80, days=10, seed=5) as sb:
        load_returns(sb)
    found = overview.load_rows()
    assert len(found) == 80 and any(r.ready for r in found) and not all(r.ready for r in found)
    return found


def test_the_model_passes_qts_model_tester_through_a_reset_appends_and_changes(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows(rows[:50])
    assert model.rowCount() == 50 and model.columnCount() == 7
    changed = [r if i != 3 else replace(r, shop="改名的店") for i, r in enumerate(rows)]
    with qtbot.waitSignal(model.rowsInserted):
        model.merge(changed[45:])  # five known rows (one of them changed) and thirty new ones
    assert model.rowCount() == 80
    assert model.data(model.index(3, ReturnsModel.SHOP)) == rows[3].shop  # row 3 was not in the merge
    model.merge(changed[:5])
    assert model.data(model.index(3, ReturnsModel.SHOP)) == "改名的店"
    assert [model.code_at(i) for i in range(80)] == [r.code for r in rows]
    assert model.headerData(0, Qt.Orientation.Horizontal) == "单据编号"


def test_only_ready_rows_can_be_ticked_and_ticks_leave_rows_that_stop_being_ready(qtbot, rows):
    model = ReturnsModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows(rows)
    ready = [i for i, r in enumerate(rows) if r.ready]
    blocked = next(i for i, r in enumerate(rows) if not r.ready)
    tick = Qt.CheckState.Checked.value
    assert not model.setData(model.index(blocked, ReturnsModel.CODE), tick, Qt.ItemDataRole.CheckStateRole)
    assert model.data(model.index(blocked, ReturnsModel.CODE), Qt.ItemDataRole.CheckStateRole) is None
    assert rows[blocked].reasons == model.data(model.index(blocked, ReturnsModel.CODE), Qt.ItemDataRole.ToolTipRole)
    with qtbot.waitSignal(model.checked_changed):
        assert model.setData(model.index(ready[0], ReturnsModel.CODE), tick, Qt.ItemDataRole.CheckStateRole)
    model.set_checked({rows[i].code for i in ready[1:3]} | {rows[blocked].code})
    assert model.checked_codes() == [rows[i].code for i in ready[1:3]]
    gone = rows[ready[1]]
    with qtbot.waitSignal(model.checked_changed):
        model.merge([replace(gone, ready=False)])
    assert model.checked_codes() == [rows[ready[2]].code]
