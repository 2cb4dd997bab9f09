"""``preview``, ``push`` and ``mark`` from a shell: exit codes and no secret anywhere, in process through
``main.main``; a push killed mid-request or at a chosen point, and two pushes at once, in child processes."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time

import keyring
import pytest

from core.paths import database_path
from core.sandbox import Sandbox
from core.sandbox.memory_keyring import MemoryKeyring
from core.store import LedgerEntry, SyncLog
from tests.support.cli import ROOT
from tests.support.pushing import load_returns, ready_codes, use_sandbox


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT, text=True,
                            encoding="utf-8", stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _prepare(cli, sb: Sandbox, **timeouts: str) -> list[str]:
    """The data folder (bound here by the ``db`` fixture) and keyring set up for ``sb``: with ``child_env``
    the keyring is the children's file, else this process's in-memory one."""
    use_sandbox(sb, keyring=False, **timeouts)
    load_returns(sb)
    stored = cli("credentials", "set", "jingcheng", stdin=json.dumps(sb.credentials["jingcheng"]))
    assert stored.code == 0, stored.stderr
    return ready_codes()


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_push_killed_mid_request_leaves_unknown_and_nothing_is_sent_twice(child_env, cli, db):
    with Sandbox(returns=20, days=5, seed=21) as sb:
        ready = _prepare(cli, sb, read_timeout="30")
        sb.jingcheng.faults.delay_seconds = 30.0  # records the first sheet, then holds the reply
        sb.jingcheng.faults.push("delay")
        child = _start(child_env, "push", "--all-ready")
        try:
            _wait_for(lambda: len(sb.jingcheng.sheets) == 1)
        finally:
            child.kill()  # SIGKILL: no handler runs, the claim stays "sending"
            child.communicate()
        victim = sb.jingcheng.sheet_ids()[0]
        assert victim == ready[0]
        assert LedgerEntry.get_by_id(victim).status == "sending"

        again = cli("push", "--all-ready", "--json")
        assert again.code == 0, again.stdout + again.stderr
        assert victim not in [item["code"] for item in again.json()["items"]]
        assert LedgerEntry.get_by_id(victim).status == "unknown"
        assert sorted(sb.jingcheng.sheet_ids()) == ready and not sb.jingcheng.duplicates()
        assert ("recover", "unknown") in [(r.action, r.status) for r in SyncLog.select().where(SyncLog.code == victim)]

        shown = cli("preview", victim, "--json")
        assert shown.code == 1 and shown.json()["ledger"]["status"] == "unknown"
        assert shown.json()["state"] == "unknown" and shown.json()["blocking"] == []

        assert cli("push", "--all-ready").code == 0
        assert len(sb.jingcheng.sheets) == len(ready)
        marked = cli("mark", victim, "--posted", "--sheet-no", sb.jingcheng.sheets[0]["SheetNo"])
        assert marked.code == 0, marked.stderr
        assert LedgerEntry.get_by_id(victim).sheet_no == sb.jingcheng.sheets[0]["SheetNo"]


def test_two_processes_pushing_the_same_codes_post_each_once(child_env, cli, db):
    with Sandbox(returns=70, days=10, seed=22, latency_ms=10) as sb:
        ready = _prepare(cli, sb)
        assert len(ready) >= 40
        children = [_start(child_env, "push", "--all-ready", "--json") for _ in range(2)]
        outputs = [child.communicate(timeout=60) for child in children]
        results = [json.loads(out) for out, _ in outputs]
        assert [child.returncode for child in children] == [0, 0], outputs
        posted = [result["counts"].get("posted", 0) for result in results]
        assert sum(posted) == len(ready)
        assert all(posted), f"the two runs did not overlap: {posted}"
        assert sorted(sb.jingcheng.sheet_ids()) == ready and not sb.jingcheng.duplicates()
        assert {row.status for row in LedgerEntry.select()} == {"posted"}


@pytest.fixture
def sb_cli(cli, db):
    with Sandbox(returns=20, days=5, seed=23) as sb:
        sb.jingcheng.faults.timeout_seconds = 1.0
        yield sb, _prepare(cli, sb, read_timeout="0.5")


def test_preview_push_mark_and_exit_codes(cli, sb_cli):
    sb, ready = sb_cli
    first, second = ready[:2]
    shown = cli("preview", first, "--json")
    assert shown.code == 0
    payload = shown.json()
    assert payload["ready"] and payload["sheet"]["SheetID"] == first and payload["ledger"]["status"] == "ready"
    text = cli("preview", first)
    assert f"精诚单据 {first}" in text.stdout and "状态：待推送" in text.stdout

    dry = cli("push", first, "--dry-run")
    assert dry.code == 0 and f"{first}\t将推送\t" in dry.stdout  # the words of the UI, as everywhere
    pushed = cli("push", first, "--json")
    assert pushed.code == 0 and pushed.json()["items"][0]["status"] == "posted"
    assert cli("push", first).code == 1  # already posted: skipped
    assert "状态：已推送：精诚单号 " in cli("preview", first).stdout
    posted = cli("preview", first, "--json").json()
    assert posted["ledger"]["sheet_no"] == sb.jingcheng.sheets[0]["SheetNo"] and posted["ledger"]["posted_at"]
    assert posted["state"] == "posted" and not posted["ready"] and posted["blocking"] == []

    sb.jingcheng.faults.push("http500")
    unknown = cli("push", second, "--json")
    assert unknown.code == 1 and unknown.json()["items"][0]["status"] == "unknown"
    assert cli("mark", second, "--failed").code == 0
    assert cli("mark", second, "--failed").code == 2  # no longer unknown
    assert cli("push", second).code == 0
    assert cli("mark", "NO-SUCH", "--posted").code == 2
    assert cli("preview", "NO-SUCH").code == 2
    assert sorted(sb.jingcheng.sheet_ids()) == sorted([first, second])


def test_a_refused_token_exits_3_and_leaves_no_secret(cli, data_dir, sb_cli):
    sb, ready = sb_cli
    wrong = "WRONG-token-77aa"
    assert cli("credentials", "set", "jingcheng", stdin=json.dumps({"token": wrong})).code == 0
    result = cli("push", "--all-ready")
    assert result.code == 3
    assert "精诚拒绝了令牌" in result.stdout and "credentials set jingcheng" in result.stdout
    assert sb.jingcheng.request_count == 1
    files = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith(database_path(data_dir).name))
    for secret in (wrong, sb.credentials["jingcheng"]["token"]):
        assert secret not in result.stdout + result.stderr
        assert secret.encode() not in files


def test_missing_credentials_exit_2_before_anything_is_claimed(cli, sb_cli):
    sb, ready = sb_cli
    keyring.set_keyring(MemoryKeyring())  # an empty keyring; the test's own comes back after it
    result = cli("--lang", "en", "push", ready[0])
    assert result.code == 2
    assert "credentials set jingcheng" in result.stderr and "Traceback" not in result.stderr
    assert LedgerEntry.select().count() == 0 and sb.jingcheng.request_count == 0


# A push that dies at one exact point: the process ends there (os._exit: no handler, no finally runs).
_DIE_AT = """
import os
import sys

point = sys.argv[1]
from core import ledger
from core.jingcheng.client import Client

if point == "inside-claim":  # the claim's last statement ran; its commit did not
    log = ledger.write_log

    def write_log(action, status, *args, **kwargs):
        log(action, status, *args, **kwargs)
        if status == "sending":
            os._exit(9)

    ledger.write_log = write_log
elif point == "before-send":  # claimed and committed; not one byte sent
    Client.send = lambda self, body: os._exit(9)
elif point == "after-reply":  # 精诚 booked it and answered; the outcome was not committed
    send = Client.send
    Client.send = lambda self, body: (send(self, body), os._exit(9))

import main

sys.exit(main.main(sys.argv[2:]))
"""


@pytest.mark.parametrize(("point", "victim_state", "victim_sent"),
                         [("inside-claim", "posted", 1), ("before-send", "unknown", 0), ("after-reply", "unknown", 1)])
def test_a_push_that_dies_at_any_point_never_posts_twice(child_env, cli, db, point, victim_state, victim_sent):
    with Sandbox(returns=12, days=5, seed=24) as sb:
        ready = _prepare(cli, sb)
        died = subprocess.run([sys.executable, "-c", _DIE_AT, point, "push", "--all-ready"], env=child_env, cwd=ROOT,
                              capture_output=True, text=True, encoding="utf-8", timeout=60)
        assert died.returncode == 9, died.stderr
        victim = ready[0]

        again = cli("push", "--all-ready", "--json")
        assert again.code == 0, again.stdout + again.stderr
        assert LedgerEntry.get_by_id(victim).status == victim_state
        assert sb.jingcheng.sheet_ids().count(victim) == victim_sent
        assert sorted(set(sb.jingcheng.sheet_ids())) == sorted(ready[1:] + [victim] * victim_sent)
        assert not sb.jingcheng.duplicates()
        if victim_state == "unknown":
            # Said to the user: the sheet's message and its log row tell what happened; the command line adds
            # what to check and how to mark it.
            recovered = SyncLog.get((SyncLog.code == victim) & (SyncLog.action == "recover"))
            assert "状态未知" in recovered.message and "mark" not in recovered.message
            assert LedgerEntry.get_by_id(victim).message == recovered.message
            refused = cli("push", victim)
            assert refused.code == 1 and f"mark {victim} --posted" in refused.stdout
            assert f"mark {victim} --failed" in cli("preview", victim).stdout
            assert sb.jingcheng.sheet_ids().count(victim) == victim_sent


@pytest.mark.parametrize("auth", ["token", "basic", "md5-sign"])
def test_verbose_logging_and_the_data_file_hold_no_secret(cli, data_dir, db, auth):
    with Sandbox(returns=8, days=5, seed=25, jingcheng_auth=auth) as sb:
        ready = _prepare(cli, sb)
        result = cli("-v", "push", ready[0], "--json")
        assert result.code == 0 and "DEBUG:urllib3" in result.stderr, result.stderr
        shown = result.stdout + result.stderr
        files = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith(database_path(data_dir).name))
        secrets = [v for k, v in sb.credentials["jingcheng"].items() if k != "appkey"]
        if auth == "basic":
            pair = f"{sb.credentials['jingcheng']['user']}:{sb.credentials['jingcheng']['password']}"
            secrets.append(base64.b64encode(pair.encode()).decode())
        for secret in secrets:
            assert secret not in shown and secret.encode() not in files
        assert "Authorization" not in shown and "Bearer" not in shown
        # Both ends log the request line at DEBUG (urllib3, and the sandbox sharing this process as with --demo).
        assert set(re.findall(r"sign=[^&\s\"]*", shown)) == ({"sign=***"} if auth == "md5-sign" else set())
