"""A data file whose returns are in every state of the one vocabulary (:class:`core.states.ReturnState`), put there
as pushes, recoveries and 管易云's changes would: for the table's tests and the rows' own."""

from __future__ import annotations

import json

from core import ledger, overview, review
from core.jingcheng.outcome import Outcome
from core.push import previews
from core.sandbox import Sandbox
from core.states import ReturnState, SheetStatus
from core.store import ReturnRecord
from tests.support.pushing import load_returns


def put_in_state(code: str, state: ReturnState) -> None:
    """Put a return's ledger row where ``state`` needs it, as pushes and recoveries would."""
    sheet = next(p for p in previews([code])).mapped.sheet
    claim = ledger.claim(sheet, code)
    if state is ReturnState.SENDING:
        return
    outcome = {ReturnState.FAILED: Outcome(SheetStatus.FAILED, "精诚拒收：客户不存在"),
               ReturnState.UNKNOWN: Outcome(SheetStatus.UNKNOWN, "精诚在 30 秒内没有回复。")}.get(
        state, Outcome(SheetStatus.POSTED, "ok", sheet_no=f"XT-{code}"))
    ledger.record(claim, outcome)
    ledger.release(claim)
    if state is ReturnState.CHANGED:  # 管易云 changed the return after it was posted
        raw = json.loads(ReturnRecord.get_by_id(code).raw_json)
        raw["reason"] = "退货原因改过"
        ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()
        review.refresh([code])


def every_state_rows(returns: int = 80) -> list[overview.Row]:
    """The table's rows of ``returns`` sandbox returns, some in each state, in the bound (empty) data file."""
    with Sandbox(returns=returns, days=10, seed=5) as sb:
        load_returns(sb)
    ready = [p.code for p in previews([r.code for r in ReturnRecord.select(ReturnRecord.code)]) if p.ready]
    for code, state in zip(ready, (ReturnState.POSTED, ReturnState.POSTED, ReturnState.FAILED, ReturnState.UNKNOWN,
                                   ReturnState.SENDING, ReturnState.CHANGED), strict=False):
        put_in_state(code, state)
    found = overview.load_rows(stamp=review.Context.current().stamp)
    assert len(found) == returns and {row.state for row in found} == set(ReturnState)
    return found
