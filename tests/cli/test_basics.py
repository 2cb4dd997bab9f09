"""``config`` and ``credentials`` from a shell: exit codes, --json, no secret on stdout or disk.

In this process through ``main.main``, but for one new process reading what an earlier one stored and
Ctrl+C sent to a running pull."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import keyring
import pytest

from core.paths import database_path
from core.sandbox import Sandbox
from tests.support.cli import ROOT, run_cli

GUANYI = {"appkey": "100001", "sessionkey": "sess-TOPSECRET", "secret": "sec-TOPSECRET"}


def test_config_set_then_show_in_new_process(child_env):
    assert run_cli(child_env, "config", "set", "guanyi.transport", "qimen").code == 0
    shown = run_cli(child_env, "config", "show", "--json")
    assert shown.code == 0
    assert shown.json()["settings"]["guanyi.transport"] == "qimen"


def test_config_set_bad_value_exits_2_with_a_sentence(cli):
    result = cli("--lang", "en", "config", "set", "guanyi.page_size", "500")
    assert result.code == 2
    assert "guanyi.page_size" in result.stderr and "cannot be '500'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_usage_error(cli):
    assert cli("frobnicate").code == 2


def test_credentials_set_and_check_never_print_values(cli, data_dir):
    result = cli("credentials", "set", "guanyi", stdin=json.dumps(GUANYI))
    assert result.code == 0, result.stderr
    check = cli("credentials", "check", "--json")
    report = check.json()
    assert report["credentials"]["guanyi"]["complete"] is True
    assert check.code == 2  # jingcheng is still missing
    for secret in ("sess-TOPSECRET", "sec-TOPSECRET"):
        assert secret not in check.stdout + check.stderr + result.stdout + result.stderr
        assert secret.encode() not in database_path(data_dir).read_bytes()


def test_credentials_set_refuses_bad_json(cli):
    result = cli("--lang", "en", "credentials", "set", "guanyi", stdin='{"appkey": 1}')
    assert result.code == 2
    assert "missing" in result.stderr and "sessionkey" in result.stderr


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_no_keyring_backend_is_a_plain_message(cli, backend):
    keyring.set_keyring(keyring.core.load_keyring(backend))  # as PYTHON_KEYRING_BACKEND=backend would
    result = cli("credentials", "set", "guanyi", stdin=json.dumps(GUANYI))
    assert result.code == 2
    assert "钥匙串" in result.stderr and "Traceback" not in result.stderr and "已将" not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_ctrl_c_still_prints_one_json_object(child_env, cli):
    with Sandbox(returns=200, days=20, seed=5, latency_ms=300) as sb:
        # Set up in this process, on the child's data folder and keyring file; the pull is the child's.
        assert cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])).code == 0
        assert cli("config", "set", "guanyi.url", sb.guanyi_url).code == 0
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "pull", "--from", "2000-01-01", "--to", "2000-01-30", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=child_env, cwd=ROOT,
        )
        deadline = time.monotonic() + 20
        while sb.guanyi.request_count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, err
    payload = json.loads(out)
    assert payload["ok"] is False and payload["error_type"] in ("Interrupted", "Cancelled")


def test_every_command_of_the_spec_is_registered_statically():
    import ast

    from core.cli.parser import build_parser

    parser = build_parser()
    commands = set(next(a for a in parser._actions if a.dest == "command").choices)
    assert {"sandbox", "config", "credentials", "pull", "list", "preview", "push", "mark", "maps", "log"} <= commands
    # The frozen build bundles only what is imported by name, so no command may be found dynamically.
    source = (ROOT / "core" / "cli" / "__init__.py").read_text("utf-8")
    calls = {n.func.attr for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute)}
    assert "import_module" not in calls
