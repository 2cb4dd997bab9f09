"""The ledger on the shared database, in this process: a claim with its holder and a lease from the database's clock,
a run-out lease becoming unknown (never ready), pulls upserting and the watermark shared, and a connection the server
drops mid-push: the sheet in flight ends unknown, never doubled, the run stops saying why, the next run carries on."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from core import ledger, push, settings
from core.errors import ReturnSyncError
from core.pull import _move_watermark, store_window
from core.sandbox import Sandbox
from core.states import SheetStatus
from core.store import LedgerEntry, ReturnRecord, db
from core.timeutil import now_china
from tests.support.pushing import load_returns, ready_codes, use_sandbox


def _lease(sheet_id: str) -> tuple:
    return db.execute_sql(
        "SELECT status, claimed_host, claimed_user, claimed_pid, lease_until > now() FROM ledger_entry "
        "WHERE sheet_id = %s",
        (sheet_id,),
    ).fetchone()


def test_a_claim_names_its_holder_and_a_lapsed_lease_is_unknown_for_everyone(team):
    with Sandbox(returns=12, days=5, seed=31) as sb:
        use_sandbox(sb)
        load_returns(sb)
        ready = ready_codes()
        mapped = push.preview(ready[0]).mapped.sheet
        won = ledger.claim(mapped, ready[0])
        assert won.ok and not ledger.claim(mapped, ready[0]).ok  # the second claim finds it being sent
        status, host, user, pid, leased = _lease(won.sheet_id)
        assert (status, host, pid, leased) == ("sending", ledger.HOST, __import__("os").getpid(), True) and user
        assert ledger.recover() == []  # still ours and in flight
        # Another PC's claim whose lease ran out, and one still within its lease.
        other = push.preview(ready[1]).mapped.sheet
        ledger.release(won)
        for sheet, lapsed in ((mapped, True), (other, False)):
            db.execute_sql(
                "INSERT INTO ledger_entry (sheet_id, code, status, attempts, message, updated_at, claimed_by, "
                "claimed_host, lease_until) VALUES (%s, %s, 'sending', 1, '', now(), 'elsewhere', 'pc-2', "
                "now() + make_interval(secs => %s)) ON CONFLICT (sheet_id) DO UPDATE SET claimed_by = 'elsewhere', "
                "status = 'sending', "
                "claimed_host = 'pc-2', lease_until = EXCLUDED.lease_until",
                (sheet.sheet_id, sheet.sheet_id, -1 if lapsed else 60),
            )
        assert ledger.recover() == [mapped.sheet_id]
        assert LedgerEntry.get_by_id(mapped.sheet_id).status == SheetStatus.UNKNOWN
        assert "pc-2" in LedgerEntry.get_by_id(mapped.sheet_id).message
        assert LedgerEntry.get_by_id(other.sheet_id).status == SheetStatus.SENDING
        assert not ledger.claim(mapped, ready[0]).ok  # unknown is never pushed again unasked


def test_pulls_upsert_and_the_watermark_only_moves_forward(team):
    with Sandbox(returns=6, days=3, seed=32) as sb:
        records = {r["code"]: r for r in sb.guanyi.records}
        assert set(store_window(records, now_china()).values()) == {"new"}
        assert set(store_window(records, now_china()).values()) == {"unchanged"}
        assert ReturnRecord.select().count() == len(records)
    later, earlier = datetime(2026, 5, 2, 10), datetime(2026, 5, 1, 10)
    assert _move_watermark("receive", later) == later
    assert _move_watermark("receive", earlier) == later  # another PC's older pull does not move it back


def test_a_connection_dropped_mid_push_leaves_the_sheet_unknown_and_the_next_run_carries_on(team, terminate):
    settings.set_value("team.lease_seconds", "1")
    with Sandbox(returns=12, days=5, seed=33) as sb:
        use_sandbox(sb, read_timeout="10")
        load_returns(sb)
        ready = ready_codes()
        sb.jingcheng.faults.delay_seconds = 1.0  # the first sheet is booked, its reply held a second
        sb.jingcheng.faults.push("delay")

        def drop_once_sent() -> None:  # while 精诚 holds its reply: the sheet has left, its outcome is not stored
            while not sb.jingcheng.sheets:
                threading.Event().wait(0.01)
            terminate()

        dropper = threading.Thread(target=drop_once_sent)
        dropper.start()
        with pytest.raises(ReturnSyncError) as stopped:
            push.push(ready)
        dropper.join()
        assert "共享数据库" in str(stopped.value) and "XT" in str(stopped.value)  # what 精诚 answered, said
        victim = sb.jingcheng.sheet_ids()[0]
        assert LedgerEntry.get_by_id(victim).status == SheetStatus.SENDING  # a new connection reads it
        threading.Event().wait(1.2)  # the lease runs out
        again = push.push(ready)
        assert LedgerEntry.get_by_id(victim).status == SheetStatus.UNKNOWN
        assert again.counts().get("posted") == len(ready) - 1
        assert sorted(sb.jingcheng.sheet_ids()) == sorted(ready) and not sb.jingcheng.duplicates()
