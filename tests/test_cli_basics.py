"""``config`` and ``credentials`` from a shell: exit codes, --json, no secret on stdout or disk."""

from __future__ import annotations

import json

from core.paths import database_path
from tests.support.cli import run_cli

GUANYI = {"appkey": "100001", "sessionkey": "sess-TOPSECRET", "secret": "sec-TOPSECRET"}


def test_config_set_then_show_in_new_process(child_env):
    assert run_cli(child_env, "config", "set", "guanyi.transport", "qimen").code == 0
    shown = run_cli(child_env, "config", "show", "--json")
    assert shown.code == 0
    assert shown.json()["settings"]["guanyi.transport"] == "qimen"


def test_config_set_bad_value_exits_2_with_a_sentence(child_env):
    result = run_cli(child_env, "--lang", "en", "config", "set", "guanyi.page_size", "500")
    assert result.code == 2
    assert "not a valid value" in result.stderr and "Traceback" not in result.stderr


def test_unknown_command_is_usage_error(child_env):
    assert run_cli(child_env, "frobnicate").code == 2


def test_credentials_set_and_check_never_print_values(child_env, data_dir):
    result = run_cli(child_env, "credentials", "set", "guanyi", stdin=json.dumps(GUANYI))
    assert result.code == 0, result.stderr
    check = run_cli(child_env, "credentials", "check", "--json")
    report = check.json()
    assert report["credentials"]["guanyi"]["complete"] is True
    assert check.code == 2  # jingcheng is still missing
    for secret in ("sess-TOPSECRET", "sec-TOPSECRET"):
        assert secret not in check.stdout + check.stderr + result.stdout + result.stderr
        assert secret.encode() not in database_path(data_dir).read_bytes()


def test_credentials_set_refuses_bad_json(child_env):
    result = run_cli(child_env, "--lang", "en", "credentials", "set", "guanyi", stdin='{"appkey": 1}')
    assert result.code == 2
    assert "missing" in result.stderr and "sessionkey" in result.stderr


def test_no_keyring_backend_is_a_plain_message(child_env):
    env = child_env | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = run_cli(env, "credentials", "set", "guanyi", stdin=json.dumps(GUANYI))
    assert result.code == 2
    assert "钥匙串" in result.stderr and "Traceback" not in result.stderr
