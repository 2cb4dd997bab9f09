"""The Settings dialog driven as a user would: fields, credentials, 测试连接 on the sandbox, value tables."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QLineEdit, QMessageBox

from core import credentials, i18n, settings
from core.mapping import value_tables
from core.sandbox.demo import start_demo
from core.store import SyncLog
from tests.support.value_tables import set_goods, set_shop
from tests.support.widgets import shown_texts
from ui import value_tables_view
from ui.settings_dialog import SettingsDialog
from ui.value_tables_view import ValueTableModel
from ui.workspace import Workspace

GUANYI = {"appkey": "100001", "sessionkey": "sess-SECRET-7f3a", "secret": "gy-SECRET-91c2"}


@pytest.fixture
def sandbox(db):
    sb = start_demo(returns=20, days=3, seed=5, latency_ms=0)
    yield sb
    sb.stop()


@pytest.fixture
def open_dialog(qtbot):
    dialogs = []

    def make() -> SettingsDialog:
        dialog = SettingsDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
        return dialog

    yield make
    # A 测试连接 still running must end before the database and the sandbox go away.
    QThreadPool.globalInstance().waitForDone(20_000)


def _data_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in data_dir.iterdir() if path.is_file())


def _log(action: str) -> list[str]:
    return [row.message for row in SyncLog.select().where(SyncLog.action == action).order_by(SyncLog.id)]


# --- settings ---------------------------------------------------------------------------------------------------


def test_settings_round_trip_and_log_each_change(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["guanyi.url"].set_value("https://api.guanyierp.com/rest/erp_open")
    dialog.fields["mapping.red_value"].set_value("H")
    dialog.fields["mapping.gifts"].set_value("drop")
    dialog.fields["jingcheng.reply.success_values"].set_value("1,true,OK")
    dialog.save_button.click()
    assert not dialog.isVisible(), "Save closes the dialog"
    assert settings.get("guanyi.url") == "https://api.guanyierp.com/rest/erp_open"
    assert settings.get("mapping.red_value") == "H"
    assert settings.get("mapping.gifts") == "drop"
    assert sorted(_log("config")) == sorted([
        "guanyi.url: http://v2.api.guanyierp.com/rest/erp_open -> https://api.guanyierp.com/rest/erp_open",
        "mapping.red_value: R -> H",
        "mapping.gifts: keep -> drop",
        "jingcheng.reply.success_values: 1,true -> 1,true,OK",
    ])
    again = open_dialog()
    assert again.fields["mapping.red_value"].value() == "H"
    assert again.fields["mapping.gifts"].editor.currentData() == "drop"
    assert again.fields["guanyi.url"].value() == "https://api.guanyierp.com/rest/erp_open"


def test_unchanged_settings_are_not_written(db, open_dialog):
    open_dialog().save()
    assert _log("config") == []
    assert settings.get("guanyi.url") == settings.KEYS["guanyi.url"].default


def test_cancel_discards(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["mapping.red_value"].set_value("H")
    dialog.cancel_button.click()
    assert not dialog.isVisible()
    assert settings.get("mapping.red_value") == "R" and _log("config") == []


def test_a_bad_value_is_named_under_its_field_and_nothing_is_saved(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["guanyi.url"].set_value("https://elsewhere.example/rest/erp_open")
    dialog.fields["mapping.remark_length"].set_value("两百")
    dialog.fields["jingcheng.url"].set_value("ftp://jc")
    dialog.save_button.click()
    assert dialog.isVisible(), "a refused Save keeps the dialog open"
    assert "两百" in dialog.fields["mapping.remark_length"].error.text()
    assert not dialog.fields["mapping.remark_length"].error.isHidden()
    assert "ftp://jc" in dialog.fields["jingcheng.url"].error.text()
    assert dialog.fields["guanyi.url"].error.isHidden()
    assert "2" in dialog.message.text() and "没有保存" in dialog.message.text()
    assert settings.get("guanyi.url") == settings.KEYS["guanyi.url"].default
    assert _log("config") == []


def test_rules_refused_as_a_whole_roll_back_every_setting(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["guanyi.url"].set_value("https://elsewhere.example/rest/erp_open")
    dialog.fields["mapping.red_value"].set_value("   ")  # passes the key's own check, not MappingRules
    assert not dialog.save()
    assert dialog.tabs.currentWidget() is dialog.mapping
    assert "mapping.red_value" in dialog.fields["mapping.red_value"].error.text()
    assert "没有保存" in dialog.message.text()
    assert settings.get("guanyi.url") == settings.KEYS["guanyi.url"].default
    assert settings.get("mapping.red_value") == "R"
    assert _log("config") == []


def test_a_bad_jingcheng_template_is_refused_before_anything_is_saved(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["mapping.red_value"].set_value("H")
    dialog.fields["jingcheng.url_template"].set_value("{base_url}/{nope}")
    assert not dialog.save()
    assert "{nope}" in dialog.message.text()
    assert settings.get("mapping.red_value") == "R" and _log("config") == []


# --- credentials ------------------------------------------------------------------------------------------------


def test_stored_secrets_never_reach_a_widget(db, open_dialog):
    credentials.store("guanyi", GUANYI)
    credentials.store("qimen", {"app_key": "55667788", "secret": "qm-SECRET-44d1", "session": "qm-SESSION-0b9e"})
    credentials.store("jingcheng", {"token": "jc-TOKEN-5e6f7a"})
    settings.set_value("guanyi.transport", "qimen")
    dialog = open_dialog()
    texts = "\n".join(shown_texts(dialog))
    for secret in ("sess-SECRET-7f3a", "gy-SECRET-91c2", "qm-SECRET-44d1", "qm-SESSION-0b9e", "jc-TOKEN-5e6f7a"):
        assert secret not in texts
    box = dialog.connections.guanyi_credentials
    assert box.edits["appkey"].text() == "100001", "the appkey is not secret and is shown"
    assert box.edits["secret"].text() == "" and box.edits["secret"].echoMode() == QLineEdit.EchoMode.Password
    assert box.edits["secret"].placeholderText() == "已保存，留空则不变"
    assert dialog.connections.qimen_credentials.edits["app_key"].text() == "55667788"


def test_a_typed_secret_goes_to_the_keyring_only(db, data_dir, open_dialog):
    credentials.store("guanyi", GUANYI)
    dialog = open_dialog()
    dialog.connections.guanyi_credentials.edits["secret"].setText("  new-SECRET-c0ffee  ")
    dialog.save_button.click()
    assert credentials.load("guanyi") == GUANYI | {"secret": "new-SECRET-c0ffee"}
    assert _log("credentials") == ["guanyi: appkey, secret, sessionkey"]
    db.execute_sql("PRAGMA wal_checkpoint")
    stored = _data_bytes(data_dir)
    for secret in (b"new-SECRET-c0ffee", b"sess-SECRET-7f3a", b"gy-SECRET-91c2"):
        assert secret not in stored
    again = open_dialog()
    assert "new-SECRET-c0ffee" not in "\n".join(shown_texts(again))


def test_the_keyring_is_not_written_when_nothing_was_typed(db, open_dialog, monkeypatch):
    credentials.store("guanyi", GUANYI)
    writes = []
    monkeypatch.setattr(credentials, "store", lambda kind, values: writes.append(kind))
    dialog = open_dialog()
    dialog.fields["mapping.red_value"].set_value("H")
    assert dialog.save()
    assert writes == [] and _log("credentials") == []


def test_incomplete_credentials_are_refused_with_the_settings(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["mapping.red_value"].set_value("H")
    dialog.connections.guanyi_credentials.edits["appkey"].setText("100001")
    assert not dialog.save()
    error = dialog.connections.guanyi_credentials.error
    assert not error.isHidden() and "sessionkey" in error.text() and "secret" in error.text()
    assert credentials.load("guanyi") is None and settings.get("mapping.red_value") == "R"
    assert dialog.tabs.currentWidget() is dialog.connections


def test_through_qimen_the_guanyi_secret_may_stay_empty(db, open_dialog):
    dialog = open_dialog()
    dialog.fields["guanyi.transport"].set_value("qimen")
    assert dialog.connections.qimen_credentials.isVisibleTo(dialog)
    assert not dialog.connections.fields["guanyi.url"].isVisibleTo(dialog)
    guanyi = dialog.connections.guanyi_credentials.edits
    guanyi["appkey"].setText("100001")
    guanyi["sessionkey"].setText("sess-SECRET-7f3a")
    qimen = dialog.connections.qimen_credentials.edits
    qimen["app_key"].setText("55667788")
    qimen["secret"].setText("qm-SECRET-44d1")
    assert dialog.save(), dialog.message.text()
    assert credentials.load("guanyi") == {"appkey": "100001", "sessionkey": "sess-SECRET-7f3a"}
    assert credentials.load("qimen") == {"app_key": "55667788", "secret": "qm-SECRET-44d1"}
    assert settings.get("guanyi.transport") == "qimen"


def test_jingcheng_fields_follow_the_authentication_mode(db, open_dialog):
    credentials.store("jingcheng", {"token": "jc-TOKEN-5e6f7a"})
    dialog = open_dialog()
    box = dialog.connections.jingcheng_credentials
    assert list(box.edits) == ["token"]
    dialog.fields["jingcheng.auth"].set_value("basic")
    assert list(box.edits) == ["user", "password"]
    box.edits["user"].setText("会计01")
    box.edits["password"].setText("pw-SECRET-77")
    assert dialog.save(), dialog.message.text()
    assert settings.get("jingcheng.auth") == "basic"
    assert credentials.load("jingcheng") == {"user": "会计01", "password": "pw-SECRET-77"}
    dialog.fields["jingcheng.auth"].set_value("none")
    assert box.edits == {}


# --- 测试连接 ----------------------------------------------------------------------------------------------------


def _run_test(qtbot, test) -> str:
    test.button.click()
    assert test.busy and not test.button.isEnabled()
    qtbot.waitUntil(lambda: not test.busy, timeout=20_000)
    return test.result.text()


def test_connection_tests_succeed_against_the_sandbox(qtbot, sandbox, open_dialog):
    dialog = open_dialog()
    assert _run_test(qtbot, dialog.connections.guanyi_test).startswith("✔ 连接成功")
    assert _run_test(qtbot, dialog.connections.jingcheng_test).startswith("✔ 精诚地址可以连通")
    assert sandbox.jingcheng.sheet_ids() == [] and sandbox.jingcheng.request_count == 0, "a test never posts"


def test_connection_test_through_qimen(qtbot, sandbox, open_dialog):
    dialog = open_dialog()
    dialog.fields["guanyi.transport"].set_value("qimen")
    dialog.apply_button.click()
    assert settings.get("guanyi.transport") == "qimen"
    assert "奇门" in _run_test(qtbot, dialog.connections.guanyi_test)


def test_a_wrong_secret_fails_the_test_without_showing_it(qtbot, sandbox, open_dialog):
    dialog = open_dialog()
    dialog.connections.guanyi_credentials.edits["secret"].setText("wrong-SECRET-1234")
    dialog.apply_button.click()
    assert credentials.load("guanyi")["secret"] == "wrong-SECRET-1234"
    text = _run_test(qtbot, dialog.connections.guanyi_test)
    assert text.startswith("✖") and "wrong-SECRET-1234" not in text
    assert "wrong-SECRET-1234" not in "\n".join(shown_texts(dialog))


IDLE = "测试使用已保存的设置：修改后请先点“应用”。"


def test_a_test_result_is_cleared_as_soon_as_a_setting_of_its_side_changes(qtbot, sandbox, open_dialog):
    dialog = open_dialog()
    connections = dialog.connections
    assert _run_test(qtbot, connections.guanyi_test).startswith("✔ 连接成功（直连）")
    jingcheng = _run_test(qtbot, connections.jingcheng_test)
    assert jingcheng.startswith("✔")
    dialog.fields["guanyi.transport"].set_value("qimen")
    assert connections.guanyi_test.result.text() == IDLE, "after switching to 奇门, no 'connected (direct)'"
    assert not connections.guanyi_test.passed
    assert connections.jingcheng_test.result.text() == jingcheng, "a 管易云 setting says nothing of 精诚"

    for change in (
        lambda: connections.qimen_credentials.edits["secret"].setText("x"),
        lambda: connections.guanyi_credentials.edits["appkey"].setText("100002"),
        lambda: dialog.fields["qimen.sign_method"].set_value("hmac"),
    ):
        dialog.fields["guanyi.transport"].set_value("direct")
        assert _run_test(qtbot, connections.guanyi_test).startswith("✔")
        change()
        assert connections.guanyi_test.result.text() == IDLE

    for change in (
        lambda: connections.jingcheng_credentials.edits["token"].setText("t"),
        lambda: dialog.fields["jingcheng.url"].set_value("http://127.0.0.1:1"),
        lambda: dialog.fields["jingcheng.auth"].set_value("basic"),
    ):
        assert _run_test(qtbot, connections.jingcheng_test).startswith("✔")
        change()
        assert connections.jingcheng_test.result.text() == IDLE


def test_a_result_that_lands_after_a_change_is_dropped(qtbot, sandbox, open_dialog):
    dialog = open_dialog()
    test = dialog.connections.guanyi_test
    test.button.click()
    dialog.fields["guanyi.transport"].set_value("qimen")  # before the answer can be handled on this thread
    assert test.result.text() == IDLE
    qtbot.waitUntil(lambda: not test.busy, timeout=20_000)
    assert test.result.text() == IDLE and not test.passed and test.button.isEnabled()


def test_an_unreachable_jingcheng_is_an_error(qtbot, sandbox, open_dialog):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.set_value("jingcheng.url", f"http://127.0.0.1:{port}")
    dialog = open_dialog()
    text = _run_test(qtbot, dialog.connections.jingcheng_test)
    assert text.startswith("✖") and f"127.0.0.1:{port}" in text


def test_missing_credentials_fail_the_test_with_the_core_sentence(qtbot, db, open_dialog):
    dialog = open_dialog()
    text = _run_test(qtbot, dialog.connections.guanyi_test)
    assert text.startswith("✖") and "appkey, sessionkey, secret" in text


# --- value tables -----------------------------------------------------------------------------------------------


def test_value_table_model_passes_the_qt_model_tester(db):
    set_shop("S1", "KH1", "客户一")
    model = ValueTableModel(value_tables.SHOPS)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.reload()
    model.put({"shop_code": "S0", "customer_code": "KH0"})
    assert model.rowCount() == 2 and model.key_at(0) == "S0"
    model.remove([0])
    assert model.rowCount() == 1


def test_value_tables_add_edit_refuse_and_delete(db, open_dialog, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    pane = open_dialog().tables.shops
    pane.new_edits["shop_code"].setText(" TM01 ")
    pane.new_edits["customer_code"].setText("KH-TM01")
    pane.add_button.click()
    assert value_tables.list_rows(value_tables.SHOPS) == [
        {"shop_code": "TM01", "customer_code": "KH-TM01", "customer_name": ""}
    ]
    assert "TM01" in pane.status.text() and pane.new_edits["shop_code"].text() == ""

    model = pane.model
    assert model.setData(model.index(0, 2), "天猫旗舰店")
    assert value_tables.list_rows(value_tables.SHOPS)[0]["customer_name"] == "天猫旗舰店"
    assert not model.setData(model.index(0, 1), "  ")
    assert "客户编码为空" in pane.status.text()
    assert value_tables.list_rows(value_tables.SHOPS)[0]["customer_code"] == "KH-TM01"
    assert model.setData(model.index(0, 0), "TM02"), "a new code renames the row"
    assert [row["shop_code"] for row in value_tables.list_rows(value_tables.SHOPS)] == ["TM02"]

    pane.view.selectRow(0)
    pane.delete_button.click()
    assert value_tables.list_rows(value_tables.SHOPS) == [] and model.rowCount() == 0
    assert any("删除 TM02" in message for message in _log("maps"))


def test_enter_in_a_table_line_adds_the_row_and_keeps_the_dialog_open(qtbot, db, open_dialog):
    dialog = open_dialog()
    dialog.tabs.setCurrentWidget(dialog.tables)
    pane = dialog.tables.goods
    qtbot.keyClicks(pane.new_edits["code"], "SKU-1")
    qtbot.keyClicks(pane.new_edits["goods_id"], "JC-1")
    qtbot.keyClick(pane.new_edits["goods_id"], Qt.Key.Key_Return)
    qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0
    assert value_tables.list_rows(value_tables.GOODS) == [{"code": "SKU-1", "goods_id": "JC-1"}]
    assert settings.get("mapping.red_value") == "R" and _log("config") == []


def test_import_of_a_gbk_file_with_a_bad_row_names_the_line_and_imports_nothing(db, tmp_path, open_dialog,
                                                                                  monkeypatch):
    set_shop("S0", "KH0", "老客户")
    path = tmp_path / "shops.csv"
    path.write_bytes("店铺编码,客户编码,客户名称\r\nS1,KH1,天猫店\r\nS2,,京东店\r\n".encode("gbk"))
    warned = []
    monkeypatch.setattr(value_tables_view.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(value_tables_view, "ask_import_mode", lambda *args: value_tables_view.REPLACE)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args))
    pane = open_dialog().tables.shops
    pane.import_button.click()
    ((_, title, message),) = warned
    assert "第 3 行" in message and "客户编码为空" in message
    assert value_tables.list_rows(value_tables.SHOPS) == [
        {"shop_code": "S0", "customer_code": "KH0", "customer_name": "老客户"}
    ]
    assert pane.model.rowCount() == 1


def test_import_merge_and_replace_as_asked(db, tmp_path, open_dialog, monkeypatch):
    set_goods("OLD", "JC0")
    path = tmp_path / "goods.csv"
    path.write_bytes("商品编码,精诚商品ID\r\nSKU1,JC1\r\nSKU2,JC2\r\n".encode("gbk"))
    mode = [value_tables_view.MERGE]
    monkeypatch.setattr(value_tables_view.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(value_tables_view, "ask_import_mode", lambda *args: mode[0])
    pane = open_dialog().tables.goods
    pane.import_button.click()
    assert [row["code"] for row in value_tables.list_rows(value_tables.GOODS)] == ["OLD", "SKU1", "SKU2"]
    assert pane.model.rowCount() == 3 and "GBK" in pane.status.text()
    mode[0] = value_tables_view.REPLACE
    pane.import_button.click()
    assert [row["code"] for row in value_tables.list_rows(value_tables.GOODS)] == ["SKU1", "SKU2"]
    assert "删除 1" in pane.status.text()
    mode[0] = None  # backing out of the question imports nothing
    path.write_bytes("商品编码,精诚商品ID\r\nSKU9,JC9\r\n".encode("gbk"))
    pane.import_button.click()
    assert pane.model.rowCount() == 2


def test_export_writes_the_table_as_csv(db, tmp_path, open_dialog, monkeypatch):
    set_shop("S1", "KH1", "天猫店")
    target = tmp_path / "out.csv"
    monkeypatch.setattr(value_tables_view.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    pane = open_dialog().tables.shops
    pane.export_button.click()
    assert target.read_bytes() == "\ufeff店铺编码,客户编码,客户名称\r\nS1,KH1,天猫店\r\n".encode()
    assert str(target) in pane.status.text()


# --- the window and the languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_dialog_fits_a_1280_by_760_screen(db, open_dialog, lang):
    i18n.set_language(lang)
    dialog = open_dialog()
    assert dialog.windowTitle() == ("设置" if lang == "zh_CN" else "Settings")
    assert dialog.width() <= 1280 and dialog.height() <= 700
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 700, (dialog.tabs.tabText(index), hint)


def test_the_toolbar_opens_the_dialog_and_then_checks_the_returns_against_the_rules_again(qtbot, db, monkeypatch):
    window = Workspace()
    qtbot.addWidget(window)
    opened, reloaded = [], []
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: opened.append(self) or 0)
    monkeypatch.setattr(window, "refresh", lambda: reloaded.append(1))
    window.settings_button.click()
    assert len(opened) == 1 and opened[0].parent() is window and reloaded == [1]


def test_the_log_never_holds_a_secret(db, open_dialog):
    dialog = open_dialog()
    for name, value in GUANYI.items():
        dialog.connections.guanyi_credentials.edits[name].setText(value)
    assert dialog.save()
    logged = json.dumps(_log("credentials"), ensure_ascii=False)
    assert "SECRET" not in logged and "guanyi" in logged
