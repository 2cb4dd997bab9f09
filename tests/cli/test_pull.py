"""``pull`` and ``list`` end to end, in process through ``main.main``: the sandbox on loopback."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from core.guanyi.signing import QIMEN_SIGN_METHODS
from core.paths import database_path
from core.sandbox import Sandbox
from core.timeutil import now_china
from tests.support.cli import ok

END = datetime(2024, 6, 10, 15, 0, 0)
DAYS = ("2024-06-08", "2024-06-10")
RANGE = {"in_begin_time": "2024-06-08 00:00:00", "in_end_time": "2024-06-10 23:59:59", "receive": 1, "cancel": 0}


@pytest.fixture(scope="module")
def sb():
    with Sandbox(returns=40, days=4, seed=11, latency_ms=0, end=END) as sandbox:
        yield sandbox


def _store_guanyi(cli, sb) -> None:
    ok(cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])))


def _secrets(sb) -> list[str]:
    guanyi, qimen = sb.credentials["guanyi"], sb.credentials["qimen"]
    return [guanyi["secret"], guanyi["sessionkey"], qimen["secret"]]


def _assert_no_secret(sb, data_dir, *outputs: str) -> None:
    stored = database_path(data_dir).read_bytes()
    for secret in _secrets(sb):
        assert all(secret not in text for text in outputs)
        assert secret.encode() not in stored


def test_pull_direct_then_list(cli, data_dir, sb):
    _store_guanyi(cli, sb)
    ok(cli("config", "set", "guanyi.url", sb.guanyi_url))
    pulled = ok(cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json"))
    payload = pulled.json()
    expected = {r["code"] for r in sb.guanyi.matching(RANGE)}
    assert expected
    assert payload["ok"] is True and set(payload["codes"]) == expected
    assert payload["count"] == len(payload["codes"]) == len(expected) == payload["new"]
    assert payload["windows"] == 3 and payload["warnings"] == []

    listed = ok(cli("list", "--json")).json()
    assert listed["ok"] is True and listed["count"] == len(expected)
    assert {r["code"] for r in listed["returns"]} == expected
    assert all(r["ledger_status"] is None and r["receive"] and not r["cancel"] for r in listed["returns"])
    ready = [r for r in listed["returns"] if r["status"] == "ready"]
    assert ready and {r["status"] for r in listed["returns"]} <= {"ready", "blocked"}
    assert all(r["lines"] >= 1 and r["amount"] and r["quantity"] for r in ready)
    assert ok(cli("list", "--status", "posted", "--json")).json()["count"] == 0
    text = ok(cli("--lang", "en", "list"))
    assert f"{len(expected)} returns" in text.stdout
    _assert_no_secret(sb, data_dir, pulled.stdout, pulled.stderr, text.stdout)


def test_pull_through_qimen_with_each_sign_method(cli, data_dir, sb):
    _store_guanyi(cli, sb)
    ok(cli("credentials", "set", "qimen", stdin=json.dumps(sb.credentials["qimen"])))
    ok(cli("config", "set", "guanyi.transport", "qimen"))
    ok(cli("config", "set", "qimen.url", sb.qimen_url))
    expected = {r["code"] for r in sb.guanyi.matching(RANGE)}
    for method in QIMEN_SIGN_METHODS:
        ok(cli("config", "set", "qimen.sign_method", method))
        pulled = ok(cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json"))
        assert set(pulled.json()["codes"]) == expected, method
        _assert_no_secret(sb, data_dir, pulled.stdout, pulled.stderr)


def test_pull_by_modify_time_all_statuses_human_output(cli, sb):
    _store_guanyi(cli, sb)
    ok(cli("config", "set", "guanyi.url", sb.guanyi_url))
    result = ok(cli("--lang", "en", "pull", "--from", "2024-06-07 12:00:00", "--to", DAYS[1],
                     "--by", "modify", "--all-statuses"))
    params = {"modify_start_date": "2024-06-07 12:00:00", "modify_end_date": "2024-06-10 23:59:59"}
    assert f"{len(sb.guanyi.matching(params))} returns" in result.stdout and "Modify time" in result.stdout


def test_missing_credentials_and_bad_arguments_exit_2(cli):
    missing = cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json")
    assert missing.code == 2 and missing.json()["ok"] is False and "credentials set guanyi" in missing.stderr
    assert cli("pull", "--from", "2024-13-01", "--to", DAYS[1]).code == 2
    assert cli("pull", "--from", DAYS[0]).code == 2
    assert cli("pull", "--since-last", "--to", DAYS[1]).code == 2
    assert cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--by", "ship").code == 2


def test_wrong_secret_exits_3_and_says_what_to_do(cli, data_dir, sb):
    wrong = dict(sb.credentials["guanyi"], secret="0123456789abcdef0123456789abcdef")
    ok(cli("credentials", "set", "guanyi", stdin=json.dumps(wrong)))
    ok(cli("config", "set", "guanyi.url", sb.guanyi_url))
    result = cli("--lang", "en", "pull", "--from", DAYS[0], "--to", DAYS[1], "--json")
    assert result.code == 3
    assert result.json()["error_type"] == "AuthError" and "credentials set guanyi" in result.stderr
    assert wrong["secret"] not in result.stdout + result.stderr
    _assert_no_secret(sb, data_dir, result.stdout, result.stderr)


def test_since_last_moves_the_watermark(cli, sb):
    _store_guanyi(cli, sb)
    ok(cli("config", "set", "guanyi.url", sb.guanyi_url))
    today = now_china().strftime("%Y-%m-%d")
    result = ok(cli("pull", "--since-last", "--from", today, "--json")).json()
    assert result["complete"] is True and result["watermark"] == result["to"]
