"""The one start-up path of the command line and the window."""

from __future__ import annotations

import logging
from datetime import timedelta

import keyring
import pytest
import requests

from core import i18n, ledger, settings, store
from core.app import open_app
from core.errors import ConfigError
from core.jingcheng.sheet import Sheet, SheetLine
from core.states import SheetStatus
from core.store import LedgerEntry
from core.timeutil import now_china


def test_open_and_close_leave_nothing_behind(tmp_path):
    handlers = list(logging.getLogger().handlers)
    with open_app(tmp_path / "data", log_file=True, verbose=True) as app:
        assert app.data_dir == tmp_path / "data" and (tmp_path / "data" / "returnsync.sqlite3").exists()
        assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
        assert settings.get("guanyi.transport") == "direct"  # the database is bound
    assert logging.getLogger().handlers == handlers and store.db.is_closed()
    assert "starting; data folder" in (tmp_path / "data" / "returnsync.log").read_text("utf-8")


def test_the_language_given_wins_over_the_setting_and_the_setting_over_the_default(tmp_path):
    with open_app(tmp_path):
        settings.set_value("ui.lang", "en")
    with open_app(tmp_path):
        assert i18n.current() == "en"
    with open_app(tmp_path, "zh_CN"):
        assert i18n.current() == "zh_CN"


def test_a_data_file_that_is_not_a_database_is_refused_in_the_language_asked_for(tmp_path):
    (tmp_path / "returnsync.sqlite3").write_bytes(b"not a database " * 200)
    handlers = list(logging.getLogger().handlers)
    with pytest.raises(ConfigError, match="Cannot open the data file"):
        open_app(tmp_path, "en")
    assert logging.getLogger().handlers == handlers


def test_start_up_recovers_what_a_crashed_push_left_sending(tmp_path):
    with open_app(tmp_path):
        line = SheetLine(qua="1", goods_id="G1", price="1.00", amo="1.00", remark="")
        assert ledger.claim(Sheet("RGO1", "2024-01-02", "C1", "客户", "R", "1", "1.00", "", (line,)), "RGO1").ok
        # As if another process had claimed it long ago and died: no reply can still be coming.
        LedgerEntry.update(claimed_by="another-process:0", claimed_pid=None,
                           claimed_at=now_china() - timedelta(hours=2)).execute()
    with open_app(tmp_path) as app:
        assert app.recovered == ["RGO1"]
        assert LedgerEntry.get_by_id("RGO1").status == SheetStatus.UNKNOWN


def test_a_command_without_data_opens_no_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNSYNC_HOME", str(tmp_path / "never"))
    with open_app(needs_store=False) as app:
        assert app.data_dir is None
    assert not (tmp_path / "never").exists()


def test_the_demo_runs_on_the_sandbox_in_a_folder_of_its_own(monkeypatch):
    monkeypatch.delenv("RETURNSYNC_HOME", raising=False)
    with open_app(demo=True) as app:
        assert app.sandbox is not None and "returnsync-demo-" in str(app.data_dir)
        assert settings.get("guanyi.url") == app.sandbox.guanyi_url and app.sandbox.guanyi_url in app.banner
        assert keyring.get_password("ReturnSync", "guanyi")  # the sandbox's credentials, in memory only
        url = app.sandbox.jingcheng_url
        assert requests.get(url, timeout=5).status_code  # it answers while the app is open
    assert app.sandbox is None
    with pytest.raises(requests.ConnectionError):  # and is gone with it
        requests.get(url, timeout=5)
