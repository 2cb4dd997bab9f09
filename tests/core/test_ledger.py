"""The push ledger: claims, outcomes, start-up recovery, marking by hand, the ledger's review."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from core import ledger
from core.errors import ConfigError
from core.jingcheng.outcome import Outcome
from core.jingcheng.sheet import Sheet, SheetLine
from core.states import SheetStatus
from core.store import LedgerEntry, SyncLog
from core.timeutil import now_china


def make_sheet(sheet_id: str = "RGO1", amo: str = "10.00") -> Sheet:
    line = SheetLine(qua="1", goods_id="G1", price=amo, amo=amo, remark="")
    return Sheet(sheet_id, "2024-01-02", "C1", "客户", "R", "1", amo, "备注", (line,))


def log_rows(code: str) -> list[tuple[str, str]]:
    return [(r.action, r.status) for r in SyncLog.select().where(SyncLog.code == code).order_by(SyncLog.id)]


def test_claim_commits_sending_with_body_hash_and_claimer(db):
    sheet = make_sheet()
    claim = ledger.claim(sheet, "RGO1")
    assert claim.ok and claim.previous == SheetStatus.READY and not claim.forced
    row = LedgerEntry.get_by_id("RGO1")
    assert row.status == SheetStatus.SENDING and row.attempts == 1
    assert row.request_body == sheet.body().decode("utf-8")
    assert row.sheet_hash == sheet.digest()
    assert (row.claimed_by, row.claimed_host) == (ledger.PROCESS_TOKEN, ledger.HOST)
    assert log_rows("RGO1") == [("push", "sending")]


@pytest.mark.parametrize("status", [SheetStatus.POSTED, SheetStatus.UNKNOWN, SheetStatus.SENDING])
def test_claim_refuses_posted_unknown_and_sending(db, status):
    ledger.claim(make_sheet(), "RGO1")
    LedgerEntry.update(status=status).execute()
    claim = ledger.claim(make_sheet(), "RGO1")
    assert not claim.ok and claim.previous == status
    assert LedgerEntry.get_by_id("RGO1").attempts == 1


def test_failed_is_claimed_again(db):
    first = ledger.claim(make_sheet(), "RGO1")
    ledger.record(first, Outcome("failed", "精诚拒收"))
    again = ledger.claim(make_sheet(), "RGO1")
    assert again.ok and again.previous == SheetStatus.FAILED and not again.forced
    assert LedgerEntry.get_by_id("RGO1").attempts == 2


@pytest.mark.parametrize("status", [SheetStatus.POSTED, SheetStatus.UNKNOWN])
def test_force_takes_posted_or_unknown_and_logs_it(db, status):
    ledger.claim(make_sheet(), "RGO1")
    LedgerEntry.update(status=status).execute()
    claim = ledger.claim(make_sheet(), "RGO1", force=True)
    assert claim.ok and claim.forced and claim.previous == status
    assert ("force", status) in log_rows("RGO1")


def test_force_never_takes_a_sheet_being_sent(db):
    ledger.claim(make_sheet(), "RGO1")
    assert not ledger.claim(make_sheet(), "RGO1", force=True).ok


def test_record_outcomes(db):
    claim = ledger.claim(make_sheet(), "RGO1")
    assert ledger.record(claim, Outcome("posted", "已入账", sheet_no="XT1", reply='{"Flag":"1"}'))
    row = LedgerEntry.get_by_id("RGO1")
    assert (row.status, row.sheet_no, row.message) == ("posted", "XT1", "已入账")
    assert row.posted_at is not None
    assert log_rows("RGO1")[-1] == ("push", "posted")


def test_record_is_dropped_when_the_claim_was_taken_over(db):
    claim = ledger.claim(make_sheet(), "RGO1")
    LedgerEntry.update(status=SheetStatus.UNKNOWN).execute()
    ledger.mark("RGO1", SheetStatus.FAILED)
    assert not ledger.record(claim, Outcome("posted", "late"))
    assert LedgerEntry.get_by_id("RGO1").status == SheetStatus.FAILED


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_recover_flips_only_claims_whose_sender_is_gone(db):
    for sheet_id in ("DEAD", "LIVE", "MINE", "OLD", "REUSED"):
        ledger.claim(make_sheet(sheet_id), sheet_id)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        now = now_china()
        LedgerEntry.update(claimed_by="other", claimed_pid=_dead_pid()).where(LedgerEntry.sheet_id == "DEAD").execute()
        LedgerEntry.update(claimed_by="other", claimed_pid=sleeper.pid).where(LedgerEntry.sheet_id == "LIVE").execute()
        LedgerEntry.update(claimed_by="other", claimed_pid=sleeper.pid, claimed_at=now - timedelta(hours=1)).where(
            LedgerEntry.sheet_id == "OLD").execute()
        # Our own pid under another token: an earlier process that had the same pid.
        LedgerEntry.update(claimed_by="earlier").where(LedgerEntry.sheet_id == "REUSED").execute()

        assert sorted(ledger.recover(limit_seconds=600)) == ["DEAD", "OLD", "REUSED"]
    finally:
        sleeper.kill()
        sleeper.wait()
    statuses = {r.sheet_id: r.status for r in LedgerEntry.select()}
    assert statuses == {"DEAD": "unknown", "LIVE": "sending", "MINE": "sending", "OLD": "unknown", "REUSED": "unknown"}
    assert log_rows("DEAD")[-1] == ("recover", "unknown")


def test_a_late_outcome_still_lands_after_recovery_by_age(db):
    claim = ledger.claim(make_sheet(), "RGO1")
    LedgerEntry.update(status=SheetStatus.UNKNOWN).execute()  # as recovery by age leaves it
    assert ledger.record(claim, Outcome("posted", "ok", sheet_no="XT9"))
    assert LedgerEntry.get_by_id("RGO1").status == SheetStatus.POSTED


def test_pid_alive():
    assert ledger.pid_alive(ledger.os.getpid())
    assert not ledger.pid_alive(_dead_pid())


def test_mark_unknown_posted_or_failed(db):
    for code in ("A", "B"):
        ledger.claim(make_sheet(code), code)
    LedgerEntry.update(status=SheetStatus.UNKNOWN).execute()
    posted = ledger.mark("A", SheetStatus.POSTED, sheet_no="XT7")
    assert (posted.status, posted.sheet_no) == ("posted", "XT7")
    failed = ledger.mark("B", SheetStatus.FAILED)
    assert failed.status == "failed"
    assert ledger.claim(make_sheet("B"), "B").ok  # failed may be pushed again
    assert log_rows("A")[-1] == ("mark", "posted")


def test_mark_refuses_what_is_not_unknown(db):
    with pytest.raises(ConfigError, match="从未推送"):
        ledger.mark("NOPE", SheetStatus.POSTED)
    ledger.claim(make_sheet(), "RGO1")
    with pytest.raises(ConfigError, match="状态未知"):
        ledger.mark("RGO1", SheetStatus.POSTED)


def test_claims_racing_in_threads_take_each_sheet_once(db):
    sheets = [make_sheet(f"R{i:03d}") for i in range(40)]
    won: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for sheet in sheets:
            if ledger.claim(sheet, sheet.sheet_id).ok:
                with lock:
                    won.append(sheet.sheet_id)
        db.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [s.sheet_id for s in sheets]


# A sender in another process: claims one sheet in the given data file, then waits for its "reply".
_SENDER = """
import sys, time
from pathlib import Path
from core import ledger, store
from core.jingcheng.sheet import Sheet, SheetLine

store.open_database(Path(sys.argv[1]))
line = SheetLine(qua="1", goods_id="G1", price="1.00", amo="1.00", remark="")
assert ledger.claim(Sheet("SLOW", "2024-01-02", "C1", "客户", "R", "1", "1.00", "", (line,)), "SLOW").ok
print("claimed", flush=True)
time.sleep(60)
"""


def test_recovery_never_flips_a_live_senders_claim_however_old(db, data_dir):
    from tests.conftest import ROOT, store_path

    sender = subprocess.Popen([sys.executable, "-c", _SENDER, str(store_path(data_dir))], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert sender.stdout.readline().strip() == "claimed"
        # Older than any timeout (a machine that slept, a server trickling its reply): still its own.
        LedgerEntry.update(claimed_at=now_china() - timedelta(hours=2)).execute()
        assert ledger.recover(limit_seconds=60) == []
        assert LedgerEntry.get_by_id("SLOW").status == SheetStatus.SENDING
    finally:
        sender.kill()
        sender.wait()
        sender.stdout.close()
    assert ledger.recover(limit_seconds=60) == ["SLOW"]


def test_a_claim_whose_pid_now_belongs_to_another_process_is_recovered_at_once(db):
    ledger.claim(make_sheet(), "RGO1")
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        # The claimer died and its pid went to a process that started later: not a sender.
        token = f"gone:{ledger.process_started(stranger.pid)}0"
        LedgerEntry.update(claimed_by=token, claimed_pid=stranger.pid).execute()
        assert ledger.recover(limit_seconds=600) == ["RGO1"]
    finally:
        stranger.kill()
        stranger.wait()
