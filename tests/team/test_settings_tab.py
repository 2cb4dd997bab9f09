"""设置 › 团队 driven as a user would, against the real server: the address, 测试连接 on a worker with the team's
status, an address with a password refused before any test, a database without team data said so, and the address
saved on this PC only."""

from __future__ import annotations

import peewee as pw
import pytest
from PySide6.QtCore import QThreadPool

from core import settings
from core.paths import database_path
from ui.settings_dialog import SettingsDialog


@pytest.fixture
def dialog(qtbot, team):
    shown = SettingsDialog()
    qtbot.addWidget(shown)
    shown.show()
    shown.tabs.setCurrentWidget(shown.team)
    yield shown
    QThreadPool.globalInstance().waitForDone(20_000)


def _test(qtbot, dialog: SettingsDialog, url: str) -> str:
    dialog.team.fields["team.url"].set_value(url)
    dialog.team.test.button.click()
    qtbot.waitUntil(lambda: not dialog.team.test.busy, timeout=20_000)
    return dialog.team.test.result.text()


def test_the_team_tab_tests_the_address_and_shows_the_status(qtbot, dialog, team, data_dir, pg_url):
    assert dialog.team.fields["team.url"].value() == team
    said = _test(qtbot, dialog, team)
    assert said.startswith("✔") and "推送中 0 张" in said and dialog.team.test.passed

    refused = _test(qtbot, dialog, team.replace("postgres@", "postgres:pw@"))
    assert refused.startswith("✖") and "密码" in refused and not dialog.team.test.passed

    empty = pg_url.rsplit("/", 1)[0] + "/test"  # the server's own database: no team data there
    assert "没有团队数据" in _test(qtbot, dialog, empty)

    dialog.team.fields["team.url"].set_value("")
    dialog.team.fields["team.lease_seconds"].set_value("90")
    assert dialog.save(), dialog.message.text()
    assert settings.get("team.lease_seconds") == "90"  # the team's, in the shared database
    local = pw.SqliteDatabase(str(database_path(data_dir)))
    assert dict(local.execute_sql("SELECT key, value FROM setting").fetchall())["team.url"] == ""
    local.close()
