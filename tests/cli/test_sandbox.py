"""``python main.py sandbox`` as a real child process: one JSON line, serving, a clean exit (it serves in the
foreground until a signal, so only its usage errors run in this process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from core.cli.parser import build_parser
from tests.conftest import ROOT
from tests.support.cli import run_main
from tests.support.wire import direct, direct_params


class _Running:
    """Enough of a Sandbox (URLs and credentials) for the request helpers."""

    def __init__(self, info: dict) -> None:
        self.guanyi_url = info["guanyi_url"]
        self.qimen_url = info["qimen_url"]
        self.jingcheng_url = info["jingcheng_url"]
        self.credentials = info["credentials"]


def _start(env: dict, *args: str) -> tuple[subprocess.Popen, dict]:
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "sandbox", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8",
    )
    line = child.stdout.readline()
    assert line, child.stderr.read()
    return child, json.loads(line)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT/SIGTERM to a child differ on Windows")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_line_serves_and_exits_0(child_env, data_dir, stop):
    child, info = _start(child_env, "--returns", "30", "--seed", "5", "--days", "7",
                         "--jingcheng-auth", "none", "--fault", "jingcheng.flag0:0")
    try:
        assert info["returns"] == 30 and info["seed"] == 5 and info["jingcheng_auth"] == "none"
        running = _Running(info)
        reply = direct(running, direct_params(running, page_size=100)).json()
        assert reply["success"] is True and reply["total"] == 30
        assert requests.get(info["jingcheng_url"] + "/_sandbox/sheets", timeout=5).json() == []
    finally:
        child.send_signal(stop)
        out, err = child.communicate(timeout=10)
    assert child.returncode == 0, err
    assert out == ""  # nothing after the one line
    assert os.listdir(data_dir) == []  # the sandbox opens no database


def test_faults_from_the_command_line(child_env):
    child, info = _start(child_env, "--returns", "5", "--fault", "http500:1")
    try:
        running = _Running(info)
        assert direct(running, direct_params(running)).status_code == 500
        assert requests.post(info["jingcheng_url"] + "/ExtApi_RecvExSheet", json={}, timeout=5).status_code == 500
    finally:
        child.kill()
        child.communicate(timeout=10)


@pytest.mark.parametrize("args", [["--fault", "bogus:1"], ["--fault", "drift:2"], ["--fault", "guanyi.flag0:1"],
                                  ["--fault", "nowhere.http500:1"], ["--fault", "http500"], ["--returns", "-1"],
                                  ["--days", "0"], ["--guanyi-port", "70000"], ["--jingcheng-auth", "x"]])
def test_bad_options_are_usage_errors(args, capsys):
    result = run_main(capsys, "sandbox", *args, data_dir=None)
    assert result.code == 2
    assert result.stdout == ""


def test_fault_option_applies_to_each_simulator_that_knows_the_kind():
    args = build_parser().parse_args(["sandbox", "--fault", "http500:0.5", "--fault", "jingcheng.delay:1",
                                      "--fault", "drift:0.1"])
    assert [chosen for option in args.fault for chosen in option] == [
        ("guanyi", "http500", 0.5), ("jingcheng", "http500", 0.5), ("jingcheng", "delay", 1.0),
        ("guanyi", "drift", 0.1)]
    assert args.needs_store is False
