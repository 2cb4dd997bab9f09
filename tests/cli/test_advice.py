"""The command line still says what to type (SPEC §7): the core's messages say what happened, and the command line adds
its own advice — ``mark CODE --posted``, ``push CODE --force``, ``credentials set KIND`` — with the exit codes as
before."""

from __future__ import annotations

import json

import keyring
import pytest

from core.sandbox import Sandbox
from core.sandbox.memory_keyring import MemoryKeyring
from core.store import LedgerEntry
from tests.support.pushing import load_returns, ready_codes, use_sandbox


@pytest.fixture
def sb(cli, db):
    with Sandbox(returns=20, days=5, seed=23) as sandbox:
        use_sandbox(sandbox, keyring=False)
        load_returns(sandbox)
        assert cli("credentials", "set", "jingcheng", stdin=json.dumps(sandbox.credentials["jingcheng"])).code == 0
        yield sandbox


def test_an_unknown_outcome_says_how_to_mark_it(cli, sb):
    code = ready_codes()[0]
    sb.jingcheng.faults.push("http500")
    pushed = cli("push", code)
    assert pushed.code == 1
    assert f"mark {code} --posted" in pushed.stdout and f"mark {code} --failed" in pushed.stdout
    assert "mark" not in LedgerEntry.get_by_id(code).message  # the stored message says what happened only

    again = cli("--lang", "en", "push", code)
    assert again.code == 1 and f"`mark {code} --posted`" in again.stdout and f"push {code} --force" in again.stdout
    shown = cli("preview", code)
    assert shown.code == 1 and f"mark {code} --posted" in shown.stdout


def test_a_posted_sheet_says_how_to_force_a_re_push(cli, sb):
    code = ready_codes()[0]
    assert cli("push", code).code == 0
    skipped = cli("push", code)
    assert skipped.code == 1 and "已推送过" in skipped.stdout and f"push {code} --force" in skipped.stdout
    as_json = cli("push", code, "--json").json()["items"][0]
    assert as_json["advice"] == "confirm_repush" and "--force" not in as_json["message"]


def test_a_refused_token_says_how_to_store_it_again(cli, sb):
    assert cli("credentials", "set", "jingcheng", stdin=json.dumps({"token": "WRONG-token"})).code == 0
    result = cli("push", ready_codes()[0])
    assert result.code == 3 and "credentials set jingcheng" in result.stdout


def test_missing_credentials_say_how_to_store_them_in_json_too(cli, sb):
    keyring.set_keyring(MemoryKeyring())  # an empty keyring; the test's own comes back after it
    result = cli("push", ready_codes()[0], "--json")
    assert result.code == 2
    payload = result.json()
    assert payload["advice"] == "credentials" and "credentials set jingcheng" in payload["error"]
    assert "credentials set jingcheng" in result.stderr


@pytest.mark.parametrize(("args", "words"), [
    (("config", "set", "guanyi.secret", "x"), "credentials set"),
    (("config", "set", "no.such.key", "x"), "config show"),
    (("push", "--all-ready", "--force"), "--force"),
])
def test_configuration_errors_exit_2_with_command_line_advice(cli, db, args, words):
    result = cli(*args)
    assert result.code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_the_frozen_app_names_its_console_executable_not_python_main_py(cli, db, monkeypatch):
    keyring.set_keyring(MemoryKeyring())
    source = cli("--lang", "en", "config", "set", "guanyi.secret", "x")
    assert source.code == 2 and "`python main.py credentials set`" in source.stderr + source.stdout
    monkeypatch.setattr("sys.frozen", True, raising=False)
    frozen = cli("--lang", "en", "config", "set", "guanyi.secret", "x")
    told = frozen.stderr + frozen.stdout
    assert frozen.code == 2 and "`returnsync-cli credentials set`" in told and "main.py" not in told
