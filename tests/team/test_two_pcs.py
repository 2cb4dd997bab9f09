"""Two PCs — two command-line processes, each with its own data folder, the same ``team.url`` — against the real
server and the sandbox's 精诚: pushing the same 500 returns at once posts each exactly once; one killed mid-push leaves
its sheet unknown on both PCs once its lease runs out."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

from peewee import SQL

from core import settings
from core.sandbox import Sandbox
from core.states import SheetStatus
from core.store import LedgerEntry, SyncLog
from tests.support.cli import run_cli, start_main
from tests.support.pushing import load_returns, ready_codes, use_sandbox


def _second_pc(child_env: dict[str, str], tmp_path: Path, url: str) -> Path:
    folder = tmp_path / "pc2"
    joined = run_cli(child_env, "--data-dir", str(folder), "team", "join", url)
    assert joined.code == 0, joined.stderr
    return folder


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_two_pcs_pushing_the_same_500_returns_post_each_exactly_once(team, child_env, data_dir, tmp_path):
    with Sandbox(returns=900, days=30, seed=41, latency_ms=2) as sb:
        use_sandbox(sb)  # the 精诚 profile in the team database; the token in the (shared test) keyring
        load_returns(sb)
        codes = ready_codes()[:500]
        assert len(codes) == 500
        second = _second_pc(child_env, tmp_path, team)
        children = [start_main(child_env, folder, "push", *codes, "--json") for folder in (data_dir, second)]
        outputs = [child.communicate(timeout=120) for child in children]
        results = [json.loads(out) for out, _ in outputs]
        assert all(not err.strip() or "Traceback" not in err for _, err in outputs), outputs
        posted = [result["counts"].get("posted", 0) for result in results]
        skipped = [result["counts"].get("skipped", 0) for result in results]
        assert sum(posted) == 500 and all(posted), f"the two PCs did not overlap: {posted}"
        assert [p + s for p, s in zip(posted, skipped, strict=True)] == [500, 500]
        assert sorted(sb.jingcheng.sheet_ids()) == sorted(codes) and not sb.jingcheng.duplicates()
        assert {row.status for row in LedgerEntry.select()} == {SheetStatus.POSTED}


def test_a_pc_killed_mid_push_leaves_its_sheet_unknown_on_both_pcs_after_the_lease(team, child_env, data_dir, tmp_path):
    settings.set_value("team.lease_seconds", "1")
    with Sandbox(returns=20, days=5, seed=42) as sb:
        use_sandbox(sb, read_timeout="30")
        load_returns(sb)
        ready = ready_codes()
        second = _second_pc(child_env, tmp_path, team)
        sb.jingcheng.faults.delay_seconds = 5.0  # books the first sheet, then holds the reply
        sb.jingcheng.faults.push("delay")
        child = start_main(child_env, data_dir, "push", "--all-ready")
        try:
            _wait_for(lambda: len(sb.jingcheng.sheets) == 1)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.communicate()
        victim = sb.jingcheng.sheet_ids()[0]
        assert LedgerEntry.get_by_id(victim).status == SheetStatus.SENDING  # within its lease: nobody touches it
        time.sleep(1.2)

        other = run_cli(child_env, "--data-dir", str(second), "push", "--all-ready", "--json")
        assert other.code == 0, other.stdout + other.stderr
        assert victim not in [item["code"] for item in other.json()["items"]]
        for folder in (data_dir, second):
            shown = run_cli(child_env, "--data-dir", str(folder), "preview", victim, "--json")
            assert shown.json()["ledger"]["status"] == SheetStatus.UNKNOWN, folder
        assert sorted(sb.jingcheng.sheet_ids()) == sorted(ready) and not sb.jingcheng.duplicates()
        status = run_cli(child_env, "--data-dir", str(second), "team", "status", "--json").json()
        assert [s["sheet_id"] for s in status["open"]] == [victim] and status["open"][0]["status"] == "unknown"
        # The PCs seen (here both on one machine, as one OS user), their last activity read from the log, where each
        # row names the PC that wrote it.
        assert [p["pc"] for p in status["pcs"]] == [socket.gethostname()] and status["pcs"][0]["last_seen"]
        assert {row.pc for row in SyncLog.select(SQL("pc").alias("pc"))} == {socket.gethostname()}
