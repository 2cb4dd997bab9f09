"""Scheduled runs through the real command line, in process through ``main.main`` against the sandbox on loopback:
``pull --since-last`` (its first start, then the watermark less the overlap), ``push --all-ready``, and ``--quiet``
(nothing on success; only problems, on stderr, with the exit codes of SPEC §7)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from core.sandbox import Sandbox
from core.timeutil import format_datetime, now_china
from tests.support.cli import ok


@pytest.fixture
def sb():  # one per test: each test posts to its 精诚
    with Sandbox(returns=30, days=2, seed=31, latency_ms=0) as sandbox:
        yield sandbox


def _silent(result, code: int = 0):
    assert result.code == code and result.stdout == "", result
    return result


def _configure(cli, sb, *, guanyi: dict | None = None) -> None:
    ok(cli("credentials", "set", "guanyi", stdin=json.dumps(guanyi or sb.credentials["guanyi"])))
    ok(cli("credentials", "set", "jingcheng", stdin=json.dumps(sb.credentials["jingcheng"])))
    for key, value in (
        ("guanyi.url", sb.guanyi_url),
        ("jingcheng.url", sb.jingcheng_url),
        ("jingcheng.auth", sb.jingcheng_auth),
    ):
        ok(cli("config", "set", key, value))


def _first_day() -> str:
    return (now_china() - timedelta(days=2)).strftime("%Y-%m-%d")


def test_since_last_starts_where_told_then_from_the_watermark_less_the_overlap(cli, sb):
    _configure(cli, sb)
    none_yet = cli("--lang", "en", "pull", "--since-last", "--json")
    assert none_yet.code == 2 and none_yet.json()["ok"] is False
    assert "No --since-last pull" in none_yet.stderr and "pull --since-last --from D" in none_yet.stderr

    first = ok(cli("pull", "--since-last", "--from", _first_day(), "--json")).json()
    assert first["from"] == f"{_first_day()} 00:00:00" and first["complete"] and first["watermark"] == first["to"]
    wanted = {"in_begin_time": first["from"], "in_end_time": first["to"], "receive": 1, "cancel": 0}
    assert set(first["codes"]) == {r["code"] for r in sb.guanyi.matching(wanted)} != set()

    again_from = cli("--lang", "en", "pull", "--since-last", "--from", _first_day())
    assert again_from.code == 2 and f"the last pull ended at {first['watermark']}" in again_from.stderr
    assert cli("pull", "--since-last", "--to", _first_day()).code == 2

    ok(cli("config", "set", "pull.overlap_minutes", "7"))
    second = ok(cli("pull", "--since-last", "--json")).json()
    mark = datetime.strptime(first["watermark"], "%Y-%m-%d %H:%M:%S")
    assert second["from"] == format_datetime(mark - timedelta(minutes=7)) and second["watermark"] == second["to"]


def test_quiet_says_nothing_when_all_is_done(cli, sb):
    _configure(cli, sb)
    _silent(cli("--quiet", "pull", "--since-last", "--from", _first_day()))
    posted_before = len(sb.jingcheng.sheets)
    _silent(cli("push", "--all-ready", "--quiet"))
    assert len(sb.jingcheng.sheets) > posted_before and not sb.jingcheng.duplicates()
    assert not _silent(cli("-q", "push", "--all-ready")).stderr  # nothing left: nothing sent, nothing said
    assert not _silent(cli("pull", "--since-last", "-q")).stderr
    listed = ok(cli("list", "--quiet", "--json"))  # --json asked for is printed
    assert listed.json()["count"] > 0


def test_quiet_prints_problems_on_stderr_with_their_exit_codes(cli, sb):
    _configure(cli, sb)
    ok(cli("pull", "--since-last", "--from", _first_day()))
    ready = [r["code"] for r in ok(cli("list", "--status", "ready", "--json")).json()["returns"]]
    sb.jingcheng.faults.push("flag0")  # 精诚 refuses the first sheet
    refused = _silent(cli("--lang", "en", "--quiet", "push", "--all-ready"), code=1)
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 2 and "1 failed" in lines[-1] and f"{len(ready) - 1} posted" in lines[-1]
    code, status, why = lines[0].split("\t")
    assert code in ready and status == "failed" and "refused" in why

    not_ready = _silent(cli("--quiet", "preview", "NO-SUCH-CODE"), code=2)
    assert not_ready.stderr

    _configure(cli, sb, guanyi=dict(sb.credentials["guanyi"], secret="0123456789abcdef0123456789abcdef"))
    refused_key = _silent(cli("--lang", "en", "pull", "--since-last", "--quiet"), code=3)
    assert "credentials set guanyi" in refused_key.stderr


def test_quiet_pull_with_warnings_exits_1_and_says_them(cli, sb):
    _configure(cli, sb)
    for key, value in (("guanyi.page_size", "5"), ("pull.max_rereads", "1")):
        ok(cli("config", "set", key, value))
    sb.guanyi.faults.push("drift", count=1000)  # the index moves under every page: no window settles
    try:
        warned = _silent(cli("--lang", "en", "pull", "--since-last", "--from", _first_day(), "--quiet"), code=1)
    finally:
        sb.guanyi.faults.clear()
    assert "did not move on" in warned.stderr and warned.stderr.count("\n! ") >= 1
    assert cli("pull", "--since-last", "--json").code == 2  # no watermark was set
