"""One vocabulary of states: a return's state follows its ledger row, then its mapping, the same for every view."""

from __future__ import annotations

import pytest

from core import i18n, ledger
from core.guanyi.returns import parse_return
from core.jingcheng.outcome import Outcome
from core.jingcheng.sheet import Sheet, SheetLine
from core.mapping.mapper import MappedReturn, Problem
from core.push import Preview
from core.states import TICKABLE, ReturnState, SheetStatus, return_state, state_text, status_text
from core.store import LedgerEntry


def _sheet(amo: str = "10.00") -> Sheet:
    line = SheetLine(qua="1", goods_id="G1", price=amo, amo=amo, remark="")
    return Sheet("RGO1", "2024-01-02", "C1", "客户", "R", "1", amo, "备注", (line,))


def _preview(sheet: Sheet | None, blocking: tuple[Problem, ...] = ()) -> Preview:
    mapped = MappedReturn(parse_return({"code": "RGO1"}), sheet, blocking, ())
    return Preview("RGO1", mapped, LedgerEntry.get_or_none(LedgerEntry.sheet_id == "RGO1"))


CANCELLED = (Problem("cancelled", "已取消。", "Cancelled."),)


def test_a_returns_state_follows_its_ledger_row_then_its_mapping(db):
    assert _preview(_sheet()).state is ReturnState.READY and _preview(_sheet()).ready
    assert _preview(_sheet(), CANCELLED).state is ReturnState.BLOCKED
    claim = ledger.claim(_sheet(), "RGO1")
    assert _preview(_sheet()).state is ReturnState.SENDING and _preview(_sheet()).note == "正在推送…"
    ledger.record(claim, Outcome(SheetStatus.FAILED, "客户编码不存在"))
    assert _preview(_sheet()).state is ReturnState.FAILED and _preview(_sheet()).ready
    assert "客户编码不存在" in _preview(_sheet()).note
    assert _preview(_sheet(), CANCELLED).state is ReturnState.BLOCKED  # blocked now, whatever failed before
    claim = ledger.claim(_sheet(), "RGO1")
    ledger.record(claim, Outcome(SheetStatus.POSTED, "ok", sheet_no="XT1"))
    posted = _preview(_sheet())
    assert posted.state is ReturnState.POSTED and not posted.ready and "XT1" in posted.note
    # The return changed in 管易云 after it was posted: another sheet, no sheet, or a sheet that may not go.
    for changed in (_preview(_sheet(amo="11.00")), _preview(None), _preview(_sheet(), CANCELLED)):
        assert changed.state is ReturnState.CHANGED and not changed.ready and "XT1" in changed.note
    LedgerEntry.update(status=SheetStatus.UNKNOWN, message="精诚在 30 秒内没有回复。").execute()
    unknown = _preview(_sheet())
    assert unknown.state is ReturnState.UNKNOWN and not unknown.ready and "30 秒" in unknown.note


@pytest.mark.parametrize(
    ("ledger_status", "ready", "now", "posted", "state"),
    [(None, True, "h", None, ReturnState.READY), (None, False, None, None, ReturnState.BLOCKED),
     ("failed", True, "h", None, ReturnState.FAILED), ("failed", False, "h", None, ReturnState.BLOCKED),
     ("sending", False, None, None, ReturnState.SENDING), ("unknown", True, "h", None, ReturnState.UNKNOWN),
     ("posted", True, "h", "h", ReturnState.POSTED), ("posted", True, "h", None, ReturnState.POSTED),
     ("posted", True, "h2", "h", ReturnState.CHANGED), ("posted", False, "h", "h", ReturnState.CHANGED),
     ("posted", True, None, "h", ReturnState.CHANGED)],
)
def test_return_state(ledger_status, ready, now, posted, state):
    assert return_state(ledger_status, ready, now, posted) is state


def test_every_state_has_its_word_in_both_languages_and_posted_is_never_called_booked():
    zh = {state: state_text(state) for state in ReturnState}
    assert list(zh.values()) == ["待推送", "不可推送", "推送中", "已推送", "失败", "结果未知", "推送后有变更"]
    i18n.set_language("en")
    assert len({state_text(state) for state in ReturnState}) == len(ReturnState)
    assert status_text(SheetStatus.POSTED) == "posted" and status_text("blocked") == "blocked"
    i18n.set_language("zh_CN")
    assert status_text(SheetStatus.POSTED) == "已推送" and status_text(SheetStatus.UNKNOWN) == "结果未知"
    assert set(TICKABLE) == {ReturnState.READY, ReturnState.FAILED}
