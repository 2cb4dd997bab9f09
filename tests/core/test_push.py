"""Pushing in-process against the sandbox: exactly once, every outcome of SPEC §5, force, dry run, cancel."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from core import credentials, ledger, push, settings
from core.advice import Advice
from core.cli.advice import cli_message, item_line
from core.errors import ConfigError, CredentialsError
from core.jingcheng.client import Client
from core.jingcheng.profile import Profile
from core.paths import database_path
from core.sandbox import Sandbox
from core.states import ReturnState, SheetStatus, status_text
from core.store import LedgerEntry, ReturnRecord, SyncLog
from tests.support.pushing import load_returns, ready_codes, use_sandbox


@pytest.fixture
def sb(db):
    with Sandbox(returns=40, days=10, seed=11) as sandbox:
        sandbox.jingcheng.faults.timeout_seconds = 1.0
        use_sandbox(sandbox, read_timeout="0.5")
        load_returns(sandbox)
        yield sandbox


def statuses() -> dict[str, str]:
    return {row.sheet_id: row.status for row in LedgerEntry.select()}


def logged(code: str) -> list[tuple[str, str]]:
    return [(r.action, r.status) for r in SyncLog.select().where(SyncLog.code == code).order_by(SyncLog.id)]


def test_all_ready_posts_each_ready_return_once_with_its_mapped_sheet(sb):
    ready = ready_codes()
    assert len(ready) > 10
    result = push.push(all_ready=True)
    assert result.all_done and result.counts() == {"posted": len(ready)}
    assert result.not_ready == len(sb.guanyi.records) - len(ready)
    assert sorted(sb.jingcheng.sheet_ids()) == ready and not sb.jingcheng.duplicates()
    by_id = {s["SheetID"]: s for s in sb.jingcheng.sheets}
    for shown in push.previews(ready):
        assert by_id[shown.code]["body"] == shown.mapped.sheet.as_dict()
        assert shown.entry.sheet_no == by_id[shown.code]["SheetNo"]
        assert shown.state is ReturnState.POSTED and shown.entry.sheet_no in shown.note and not shown.ready
    assert set(statuses().values()) == {"posted"}

    again = push.push(all_ready=True)
    assert again.items == [] and again.all_done
    assert len(sb.jingcheng.sheets) == len(ready)


def test_explicit_codes_report_blocked_and_unknown_codes(sb):
    cancelled = next(r["code"] for r in sb.guanyi.records if r["cancel"] in (True, 1, "1", "true"))
    ready = ready_codes()[0]
    result = push.push([cancelled, "NO-SUCH", ready])
    assert [(i.code, i.status) for i in result.items] == [
        (cancelled, "blocked"), ("NO-SUCH", "blocked"), (ready, "posted")]
    assert "作废" in result.items[0].message and "请先拉取" in result.items[1].message
    assert not result.all_done
    assert logged(cancelled) == [("push", "blocked")]
    assert sb.jingcheng.sheet_ids() == [ready]


def test_posted_is_not_sent_again_without_force_and_force_is_logged(sb):
    code = ready_codes()[0]
    assert push.push([code]).items[0].status == "posted"
    skipped = push.push([code]).items[0]
    assert skipped.status == "skipped" and "已推送过" in skipped.message
    assert sb.jingcheng.sheet_ids() == [code]

    forced = push.push([code], force=True).items[0]
    assert forced.status == "posted"
    assert sb.jingcheng.sheet_ids() == [code, code]  # the user asked for it, and the log says so
    assert logged(code) == [("push", "sending"), ("push", "posted"), ("push", "skipped"),
                            ("force", "posted"), ("push", "sending"), ("push", "posted")]
    assert LedgerEntry.get_by_id(code).attempts == 2


@pytest.mark.parametrize(("first_fault", "before"), [(None, "posted"), ("http500", "unknown")])
def test_a_forced_re_push_that_jingcheng_refuses_keeps_the_status_so_all_ready_does_not_send_it(
    sb, first_fault, before
):
    code = ready_codes()[0]
    if first_fault:
        sb.jingcheng.faults.push(first_fault)
    push.push([code])
    row = LedgerEntry.get_by_id(code)
    assert row.status == before
    sheet_no, sent, body, digest = row.sheet_no, len(sb.jingcheng.sheets), row.request_body, row.sheet_hash

    settings.set_value("mapping.remark_template", "改过的备注 {code}")  # the re-push sends another body
    sb.jingcheng.faults.push("flag0")
    refused = push.push([code], force=True).items[0]
    assert refused.status == "failed"  # what this attempt came to
    row = LedgerEntry.get_by_id(code)
    assert (row.status, row.sheet_no, row.attempts) == (before, sheet_no, 2)
    assert (row.request_body, row.sheet_hash) == (body, digest)  # what 精诚 holds (or may hold), not the refused
    assert "强制重推被精诚拒绝" in row.message and refused.message in row.message
    assert logged(code)[-1] == ("push", "failed")

    again = push.push(all_ready=True)
    assert code not in [i.code for i in again.items if i.status in ("posted", "failed", "unknown")]
    assert code not in [s["SheetID"] for s in sb.jingcheng.sheets[sent:]]  # nothing accepted since the first


def test_all_ready_refuses_force(sb):
    with pytest.raises(ConfigError, match="强制重推只能用于指定的单号"):
        push.push(all_ready=True, force=True)


@pytest.mark.parametrize(
    ("fault", "status", "sent"),
    [("flag0", "failed", 0), ("http500", "unknown", 0), ("reset", "unknown", 0), ("timeout", "unknown", 1)],
)
def test_each_outcome_lands_in_the_ledger(sb, fault, status, sent):
    code = ready_codes()[0]
    sb.jingcheng.faults.push(fault)
    item = push.push([code]).items[0]
    assert item.status == status
    row = LedgerEntry.get_by_id(code)
    assert (row.status, row.attempts, row.message) == (status, 1, item.message)
    assert logged(code)[-1] == ("push", status)
    assert len(sb.jingcheng.sheets) == sent

    again = push.push([code]).items[0]
    if status == "failed":
        assert again.status == "posted"  # a refusal is safe to push again
    else:
        assert again.status == "skipped" and "状态未知" in again.message
        assert len(sb.jingcheng.sheets) == sent


def test_unknown_then_marked_failed_is_pushed_again(sb):
    code = ready_codes()[0]
    sb.jingcheng.faults.push("http500")
    assert push.push([code]).items[0].status == "unknown"
    ledger.mark(code, SheetStatus.FAILED)
    assert push.push([code]).items[0].status == "posted"
    assert sb.jingcheng.sheet_ids() == [code]


def test_bad_token_fails_stops_the_run_and_leaves_no_secret(sb, data_dir):
    codes = ready_codes()[:5]
    credentials.store("jingcheng", {"token": "WRONG-token-5f1e9c"})
    result = push.push(codes)
    assert [i.status for i in result.items] == ["failed", "not_sent", "not_sent", "not_sent", "not_sent"]
    assert result.items[0].message.startswith("精诚拒绝了令牌")
    assert result.items[0].advice is Advice.CREDENTIALS and result.stopped_advice is Advice.CREDENTIALS
    assert "credentials set jingcheng" in item_line(result.items[0]) and result.stopped
    assert sb.jingcheng.request_count == 1 and statuses() == {codes[0]: "failed"}

    settings.set_value("ui.lang", "en")  # one more write through the file, then look at its bytes
    files = [p for p in data_dir.iterdir() if p.name.startswith(database_path(data_dir).name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"WRONG-token-5f1e9c" not in raw
    assert sb.credentials["jingcheng"]["token"].encode() not in raw
    assert b"Bearer" not in raw


def test_connection_refused_fails_the_sheet_and_stops(sb):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.set_value("jingcheng.url", f"http://127.0.0.1:{port}")
    codes = ready_codes()[:3]
    result = push.push(codes)
    assert [i.status for i in result.items] == ["failed", "not_sent", "not_sent"]
    assert "无法连接精诚" in result.stopped
    assert statuses() == {codes[0]: "failed"}


def test_several_unknowns_in_a_row_stop_the_run(sb):
    sb.jingcheng.faults.set_rate("http500", 1.0)
    result = push.push(ready_codes()[:6])
    assert [i.status for i in result.items] == ["unknown"] * 3 + ["not_sent"] * 3
    assert "连续 3 次" in result.stopped


def test_dry_run_claims_and_sends_nothing(sb):
    ready = ready_codes()
    posted = ready[0]
    push.push([posted])
    result = push.push(ready, dry_run=True)
    assert [i.status for i in result.items] == ["skipped"] + ["would_send"] * (len(ready) - 1)
    assert sb.jingcheng.request_count == 1
    assert statuses() == {posted: "posted"}
    assert push.push(all_ready=True, dry_run=True).counts() == {"would_send": len(ready) - 1}


def test_dry_run_needs_no_credentials(sb, memory_keyring):
    credentials.delete("jingcheng")
    assert push.push(all_ready=True, dry_run=True).all_done
    with pytest.raises(CredentialsError, match="精诚凭据") as caught:
        push.push(all_ready=True)
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "jingcheng")
    assert statuses() == {}


def test_progress_and_cancel_between_sheets(sb):
    seen: list[tuple[int, int, str, str]] = []

    def progress(index: int, count: int, code: str, status: str) -> None:
        seen.append((index, count, code, status))

    codes = ready_codes()[:6]
    result = push.push(codes, progress=progress, cancel=lambda: sum(s[3] == "posted" for s in seen) >= 2)
    assert result.cancelled and not result.all_done
    assert [i.status for i in result.items] == ["posted", "posted"] + ["not_sent"] * 4
    assert seen[:4] == [(1, 6, codes[0], "sending"), (1, 6, codes[0], "posted"),
                        (2, 6, codes[1], "sending"), (2, 6, codes[1], "posted")]
    assert [s[3] for s in seen[4:]] == ["not_sent"] * 4
    assert statuses() == {codes[0]: "posted", codes[1]: "posted"}  # nothing left "sending"
    assert sb.jingcheng.sheet_ids() == codes[:2]


def test_interrupted_send_is_recorded_unknown(sb):
    class Interrupted(Client):
        def send(self, body: bytes):
            raise KeyboardInterrupt

    code = ready_codes()[0]
    with pytest.raises(KeyboardInterrupt):
        push.push([code], client=Interrupted(Profile(base_url=sb.jingcheng_url), {"token": "t"}))
    assert statuses() == {code: "unknown"}


def test_changed_after_posting(sb):
    code = ready_codes()[0]
    push.push([code])
    record = ReturnRecord.get_by_id(code)
    raw = json.loads(record.raw_json)
    raw["reason"] = "退货原因已修改"
    ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()
    shown = push.preview(code)
    assert shown.state is ReturnState.CHANGED and not shown.ready and shown.mapped.ready
    assert push.push(all_ready=True, dry_run=True).counts().get("would_send", 0) == len(ready_codes())


def _edit_return(code: str, edit) -> None:
    raw = json.loads(ReturnRecord.get_by_id(code).raw_json)
    edit(raw)
    ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()


@pytest.mark.parametrize("change", ["cancelled", "nothing_received"])
def test_a_posted_return_that_could_no_longer_be_posted_is_changed_after_posting(sb, change):
    # 精诚 holds a sheet that 管易云 no longer backs: the accountant must hear of it.
    code = ready_codes()[0]
    push.push([code])

    def edit(raw: dict) -> None:
        if change == "cancelled":
            raw["cancel"] = True
        else:
            for line in raw["details"]:
                line["real_in"] = "0"

    _edit_return(code, edit)
    shown = push.preview(code)
    assert shown.state is ReturnState.CHANGED and not shown.ready and not shown.mapped.ready


def test_every_run_writes_a_summary_row(sb):
    push.push(ready_codes()[:2])
    row = SyncLog.select().order_by(SyncLog.id.desc()).get()
    assert (row.action, row.status, row.code) == ("push", "ok", None)
    assert "已推送 2" in row.message


_HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


class _Locker:
    """Another process holding the data file's write lock (as another program might) for ``seconds``."""

    def __init__(self, data_dir, seconds: float) -> None:
        self.args = [sys.executable, "-c", _HOLD_LOCK, str(database_path(data_dir)), str(seconds)]
        self.child: subprocess.Popen | None = None

    def take(self) -> None:
        self.child = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self.child.stdout.readline().strip() == "held"

    def wait(self) -> None:
        self.child.wait(timeout=10)

    def kill(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child.wait()
            self.child.stdout.close()


@pytest.fixture
def short_busy_wait(db):
    # The file waits 10 s for a lock; a test cannot. Only the wait changes, not what follows it.
    db.execute_sql("PRAGMA busy_timeout = 200")


def test_a_locked_data_file_at_the_claim_sends_nothing_and_says_so(sb, data_dir, short_busy_wait):
    code = ready_codes()[0]
    locker = _Locker(data_dir, 30)
    locker.take()
    try:
        with pytest.raises(ConfigError, match="数据文件") as caught:
            push.push([code])
    finally:
        locker.kill()
    assert code in str(caught.value) and "没有发出" in str(caught.value)
    assert sb.jingcheng.request_count == 0 and statuses() == {}
    assert push.push([code]).items[0].status == "posted"


def _lock_while_sending(locker: _Locker):
    """A progress callback that takes the lock once a sheet is claimed, before it is sent."""

    def progress(index: int, count: int, code: str, status: str) -> None:
        if status == "sending" and locker.child is None:
            locker.take()

    return progress


def test_an_outcome_that_meets_a_locked_file_is_stored_once_the_lock_goes(sb, data_dir, short_busy_wait):
    code = ready_codes()[0]
    locker = _Locker(data_dir, 0.5)
    try:
        result = push.push([code], progress=_lock_while_sending(locker))
        locker.wait()
    finally:
        locker.kill()
    assert result.items[0].status == "posted"
    assert statuses() == {code: "posted"} and LedgerEntry.get_by_id(code).sheet_no == sb.jingcheng.sheets[0]["SheetNo"]


def test_an_outcome_that_cannot_be_stored_is_named_and_the_sheet_becomes_unknown(sb, data_dir, short_busy_wait):
    first, second = ready_codes()[:2]
    locker = _Locker(data_dir, 30)
    try:
        with pytest.raises(ConfigError) as caught:
            push.push([first], progress=_lock_while_sending(locker))
    finally:
        locker.kill()
    sheet_no = sb.jingcheng.sheets[0]["SheetNo"]
    # What 精诚 said is not lost: the error names it, and its advice the mark that records it.
    exc = caught.value
    assert first in str(exc) and sheet_no in str(exc) and "mark" not in str(exc)
    assert (exc.advice, exc.code, exc.sheet_no) == (Advice.RECORD_POSTED, first, sheet_no)
    assert f"mark {first} --posted --sheet-no {sheet_no}" in cli_message(exc)
    assert statuses() == {first: "sending"}

    # The same process (the window) pushes on: the orphaned claim is not left "being sent" forever.
    assert push.push([second]).items[0].status == "posted"
    assert statuses() == {first: "unknown", second: "posted"}
    assert push.push([first]).items[0].status == "skipped"
    assert sb.jingcheng.sheet_ids() == [first, second]


def test_a_locked_data_file_while_logging_is_an_error_not_a_traceback(sb, data_dir, short_busy_wait):
    locker = _Locker(data_dir, 30)
    locker.take()
    try:
        with pytest.raises(ConfigError, match="数据文件"):
            push.push(["NO-SUCH"])  # blocked: only its sync-log row is written
    finally:
        locker.kill()
    assert sb.jingcheng.request_count == 0


def test_every_state_the_progress_reports_has_a_text_in_the_users_language(sb):
    # The window and the terminal show status_text(status) for each progress report.
    seen: list[str] = []
    cancelled = next(r["code"] for r in sb.guanyi.records if r["cancel"] in (True, 1, "1", "true"))
    first, second, third = ready_codes()[:3]
    push.push([first])
    push.push([cancelled, first, second, "NO-SUCH"], progress=lambda *report: seen.append(report[3]),
              cancel=lambda: "posted" in seen)
    push.push([third], dry_run=True, progress=lambda *report: seen.append(report[3]))
    assert set(seen) == {"blocked", "skipped", "sending", "posted", "not_sent", "would_send"}
    for status in seen:
        assert status_text(status) != status
    assert status_text("blocked") == "不可推送"
