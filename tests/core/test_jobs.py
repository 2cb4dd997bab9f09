"""The window's pulls and pushes in a process of their own: the same result, progress, refusals and cancels as on a
thread, with the credentials handed over in memory."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime, time, timedelta

import pytest

from core import credentials, jobs, push, settings
from core.errors import Cancelled, ReturnSyncError
from core.pull import PullProgress, PullResult
from core.sandbox import Sandbox
from core.states import SheetStatus
from core.store import LedgerEntry, ReturnRecord
from core.timeutil import now_china
from tests.support.pushing import use_sandbox


@pytest.fixture
def sb(db):
    with Sandbox(returns=40, days=5, seed=31) as sandbox:
        credentials.store("guanyi", sandbox.credentials["guanyi"])
        settings.set_value("guanyi.url", sandbox.guanyi_url)
        use_sandbox(sandbox)
        yield sandbox


def _pull_params(days: int = 5) -> dict:
    today = now_china().date()
    return {"start": datetime.combine(today - timedelta(days=days), time(0, 0)),
            "end": datetime.combine(today, time(23, 59, 59)), "axis": "create", "all_statuses": True}


def test_a_pull_in_its_own_process_stores_every_return_and_reports_each_page(sb):
    seen: list[PullProgress] = []
    result = jobs.run(jobs.Job("pull", _pull_params()), seen.append, threading.Event())
    assert isinstance(result, PullResult) and sorted(result.codes) == sorted(r["code"] for r in sb.guanyi.records)
    assert seen and all(isinstance(p, PullProgress) for p in seen)
    assert ReturnRecord.select().count() == len(sb.guanyi.records)  # stored in this test's data file


def test_a_push_in_its_own_process_posts_once_and_reports_each_sheet(sb):
    jobs.run(jobs.Job("pull", _pull_params()), lambda _p: None, threading.Event())
    ready = [p.code for p in push.previews([r.code for r in ReturnRecord.select()]) if p.ready][:3]
    steps: list[tuple] = []
    result = jobs.run(jobs.Job("push", {"codes": ready}), steps.append, threading.Event())
    assert result.counts() == {"posted": 3} and sorted(sb.jingcheng.sheet_ids()) == sorted(ready)
    assert [(code, status) for _i, _n, code, status in steps] == [
        (code, status) for code in ready for status in (SheetStatus.SENDING, SheetStatus.POSTED)]
    assert {e.status for e in LedgerEntry.select()} == {"posted"}


def test_a_refusal_comes_back_as_its_sentence(sb):
    credentials.store("guanyi", sb.credentials["guanyi"] | {"secret": "wrong-secret"})
    with pytest.raises(ReturnSyncError, match="签名") as refused:
        jobs.run(jobs.Job("pull", _pull_params()), lambda _p: None, threading.Event())
    assert "wrong-secret" not in str(refused.value)


def test_a_cancel_stops_the_child_between_requests(sb):
    stop = threading.Event()
    with pytest.raises(Cancelled):
        jobs.run(jobs.Job("pull", _pull_params()), lambda _p: stop.set(), stop)
    assert ReturnRecord.select().count() < len(sb.guanyi.records)


def test_a_job_that_breaks_in_the_child_is_said_plainly_and_logged(sb, caplog):
    with pytest.raises(ReturnSyncError, match="意外错误") as broke:
        jobs.run(jobs.Job("no such job", {}), lambda _p: None, threading.Event())
    assert "KeyError" not in str(broke.value) and "KeyError" in caplog.text  # the traceback goes to the log


def test_a_child_killed_midway_is_said_plainly(db):
    with Sandbox(returns=40, days=5, seed=31, latency_ms=300) as slow:
        credentials.store("guanyi", slow.credentials["guanyi"])
        settings.set_value("guanyi.url", slow.guanyi_url)
        started = threading.Event()

        def kill_the_child(_progress) -> None:
            if not started.is_set():
                started.set()
                for child in multiprocessing.active_children():
                    child.kill()

        with pytest.raises(ReturnSyncError, match="意外结束"):
            jobs.run(jobs.Job("pull", _pull_params()), kill_the_child, threading.Event())


def test_a_window_that_fails_on_a_report_stops_the_child_cleanly_with_each_sent_sheet_recorded(sb, capfd):
    jobs.run(jobs.Job("pull", _pull_params()), lambda _p: None, threading.Event())
    ready = [p.code for p in push.previews([r.code for r in ReturnRecord.select()]) if p.ready][:4]

    def window_breaks(_step) -> None:
        raise RuntimeError("the window could not read the rows")

    with pytest.raises(RuntimeError, match="could not read"):
        jobs.run(jobs.Job("push", {"codes": ready}), window_breaks, threading.Event())
    assert not multiprocessing.active_children()
    sent = sb.jingcheng.sheet_ids()
    assert 1 <= len(sent) < len(ready)  # the sheet on the wire went; the child stopped before the next
    assert {e.sheet_id: e.status for e in LedgerEntry.select()} == dict.fromkeys(sent, "posted")
    assert "Error" not in capfd.readouterr().err  # no broken pipe in the child, no crash report lost
