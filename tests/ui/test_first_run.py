"""The first-run guide walked as an accountant would, on real widgets, against the sandbox over loopback: each
测试连接 sends a real signed query, so a wrong secret is refused by the simulator, not by a mock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget, QWizard

from core import credentials, i18n, settings
from core.sandbox import Sandbox
from tests.support.widgets import shown_texts
from ui.first_run import FirstRunGuide
from ui.settings_connections import ConnectionTest

NEXT = QWizard.WizardButton.NextButton
# What only makes sense at a command prompt (SPEC §8: the window never gives command-line advice).
CLI_WORDS = ("python", "main.py", "--", "credentials set", "config set", "config show", "keyring --disable",
             "PYTHON_KEYRING_BACKEND")


def cli_words_in(text: str) -> list[str]:
    return [word for word in CLI_WORDS if word in text]


@pytest.fixture
def sandbox(db):
    """Both simulators, and nothing stored: the settings and the keyring are as on a new PC."""
    sb = Sandbox(returns=20, days=3, seed=5, latency_ms=0).start()
    yield sb
    sb.stop()


@pytest.fixture
def open_guide(qtbot):
    def make() -> FirstRunGuide:
        guide = FirstRunGuide()
        qtbot.addWidget(guide)
        guide.show()
        return guide

    yield make
    # A test still running must end before the database and the sandbox go away.
    QThreadPool.globalInstance().waitForDone(20_000)


def _texts(widget: QWidget) -> str:
    return "\n".join(shown_texts(widget))


def _run(qtbot, test: ConnectionTest) -> str:
    test.button.click()
    qtbot.waitUntil(lambda: not test.busy, timeout=20_000)
    return test.result.text()


def _fill_guanyi_direct(guide: FirstRunGuide, sandbox: Sandbox, **override: str) -> None:
    page = guide.guanyi_page
    page.direct.setChecked(True)
    page.guanyi_form.fields["guanyi.url"].set_value(sandbox.guanyi_url)
    for name, value in (sandbox.credentials["guanyi"] | override).items():
        page.guanyi_credentials.edits[name].setText(value)


def _fill_jingcheng(guide: FirstRunGuide, sandbox: Sandbox) -> None:
    page = guide.jingcheng_page
    page.form.fields["jingcheng.url"].set_value(sandbox.jingcheng_url)
    page.credentials.edits["token"].setText(sandbox.credentials["jingcheng"]["token"])


def _next_enabled(guide: FirstRunGuide) -> bool:
    return guide.button(NEXT).isEnabled()


def _data_bytes(db, data_dir: Path) -> bytes:
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(path.read_bytes() for path in data_dir.iterdir() if path.is_file())


# --- credentials.incomplete -------------------------------------------------------------------------------------------


def test_the_guide_is_needed_until_both_systems_have_what_the_settings_use(db):
    assert credentials.incomplete(), "an empty data folder and keyring"
    credentials.store("guanyi", {"appkey": "1", "sessionkey": "s"})
    credentials.store("jingcheng", {"token": "tk"})
    assert credentials.incomplete(), "管易云 direct needs its secret"
    credentials.store("guanyi", {"appkey": "1", "sessionkey": "s", "secret": "x"})
    assert not credentials.incomplete()
    settings.set_value("guanyi.transport", "qimen")
    assert credentials.incomplete(), "through 奇门 the 奇门 credentials are needed too"
    credentials.store("qimen", {"app_key": "2", "secret": "q"})
    assert not credentials.incomplete()
    settings.set_value("jingcheng.auth", "basic")
    assert credentials.incomplete(), "a token is no user and password"
    settings.set_value("jingcheng.auth", "none")
    assert not credentials.incomplete(), "精诚 without authentication needs no credentials"


# --- the walk ---------------------------------------------------------------------------------------------------


def test_walking_the_guide_connects_both_systems_and_keeps_the_secrets_in_the_keyring(
    qtbot, sandbox, data_dir, db, open_guide
):
    assert credentials.incomplete()
    guide = open_guide()
    assert guide.currentPage() is guide.welcome_page
    guide.welcome_page.connect_button.click()
    assert guide.currentPage() is guide.guanyi_page
    assert not _next_enabled(guide), "Next waits for a successful test"

    _fill_guanyi_direct(guide, sandbox)
    result = _run(qtbot, guide.guanyi_page.test)
    assert result.startswith("✔ 连接成功（直连）"), result
    assert _next_enabled(guide)
    guide.next()

    assert guide.currentPage() is guide.jingcheng_page and not _next_enabled(guide)
    _fill_jingcheng(guide, sandbox)
    result = _run(qtbot, guide.jingcheng_page.test)
    assert result.startswith("✔ 精诚地址可以连通"), result
    assert sandbox.jingcheng.sheet_ids() == [], "a test never posts"
    guide.next()

    assert guide.currentPage() is guide.mapping_page
    guide.mapping_page.fields["mapping.goods_code"].set_value("item_code")
    guide.mapping_page.fields["mapping.date_format"].set_value("yyyy/MM/dd")
    guide.next()
    assert guide.currentPage() is guide.done_page
    summary = "\n".join(label.text() for label in guide.done_page.rows.values())
    assert summary.count("✔ 测试通过") == 2 and sandbox.guanyi_url in summary and "只用商品编码" in summary
    guide.button(QWizard.WizardButton.FinishButton).click()
    assert guide.result() == QWizard.DialogCode.Accepted

    assert credentials.load("guanyi") == sandbox.credentials["guanyi"]
    assert credentials.load("jingcheng") == sandbox.credentials["jingcheng"]
    assert settings.get("guanyi.transport") == "direct"
    assert settings.get("guanyi.url") == sandbox.guanyi_url
    assert settings.get("jingcheng.url") == sandbox.jingcheng_url
    assert settings.get("mapping.goods_code") == "item_code" and settings.get("mapping.date_format") == "yyyy/MM/dd"
    stored = _data_bytes(db, data_dir)
    assert sandbox.guanyi_url.encode() in stored, "the scan reads the settings' file"
    for kind in ("guanyi", "jingcheng"):
        for name, value in sandbox.credentials[kind].items():
            if name not in credentials.PUBLIC_FIELDS:
                assert value.encode() not in stored, f"the {kind} {name} is in the data file"
    assert not credentials.incomplete()


def test_a_wrong_secret_is_refused_on_the_guanyi_page_and_next_stays_disabled(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    _fill_guanyi_direct(guide, sandbox, secret="wrong-SECRET-1234")
    page = guide.guanyi_page
    result = _run(qtbot, page.test)
    assert result.startswith("✖"), result
    assert "连接成功" not in result and "wrong-SECRET-1234" not in _texts(guide)
    assert page.test.result.isVisibleTo(guide)
    assert not _next_enabled(guide) and not page.isComplete()
    guide.next()
    assert guide.currentPage() is page, "Next cannot be forced past a failed test"

    page.guanyi_credentials.edits["secret"].setText(sandbox.credentials["guanyi"]["secret"])
    assert not page.test.result.text().startswith("✖"), "a change clears the failure it no longer describes"
    assert _run(qtbot, page.test).startswith("✔")
    assert _next_enabled(guide)


def test_the_guide_connects_guanyi_through_qimen(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    page = guide.guanyi_page
    page.qimen.setChecked(True)
    assert page.gateway_group.isVisibleTo(guide) and not page.guanyi_group.isVisibleTo(guide)
    assert page.qimen_credentials.isVisibleTo(guide)
    assert not page.guanyi_credentials.edits["secret"].isVisibleTo(guide), "奇门 does not use 管易云's secret"
    page.gateway_form.fields["qimen.url"].set_value(sandbox.qimen_url)
    guanyi = sandbox.credentials["guanyi"]
    page.guanyi_credentials.edits["appkey"].setText(guanyi["appkey"])
    page.guanyi_credentials.edits["sessionkey"].setText(guanyi["sessionkey"])
    for name, value in sandbox.credentials["qimen"].items():
        page.qimen_credentials.edits[name].setText(value)
    result = _run(qtbot, page.test)
    assert result.startswith("✔ 连接成功（经奇门网关）"), result
    assert _next_enabled(guide)
    assert settings.get("guanyi.transport") == "qimen" and settings.get("qimen.url") == sandbox.qimen_url
    assert credentials.load("guanyi") == {"appkey": guanyi["appkey"], "sessionkey": guanyi["sessionkey"]}
    assert credentials.load("qimen") == sandbox.credentials["qimen"]

    page.direct.setChecked(True)
    assert not _next_enabled(guide), "a 奇门 result says nothing of direct"
    assert "连接成功" not in page.test.result.text()


def test_a_wrong_qimen_secret_is_refused_by_the_gateway(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    page = guide.guanyi_page
    page.qimen.setChecked(True)
    page.gateway_form.fields["qimen.url"].set_value(sandbox.qimen_url)
    page.guanyi_credentials.edits["appkey"].setText(sandbox.credentials["guanyi"]["appkey"])
    page.guanyi_credentials.edits["sessionkey"].setText(sandbox.credentials["guanyi"]["sessionkey"])
    page.qimen_credentials.edits["app_key"].setText(sandbox.credentials["qimen"]["app_key"])
    page.qimen_credentials.edits["secret"].setText("wrong-QM-SECRET")
    result = _run(qtbot, page.test)
    assert result.startswith("✖") and "wrong-QM-SECRET" not in _texts(guide), result
    assert not _next_enabled(guide)


def test_missing_credentials_are_named_on_the_page_before_any_request(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    page = guide.guanyi_page
    page.test.button.click()
    assert not page.test.busy and page.test.result.text().startswith("✖"), "nothing typed, nothing stored"
    page.guanyi_credentials.edits["appkey"].setText("100001")
    page.test.button.click()
    assert not page.test.busy, "nothing to test with: no request"
    result = page.test.result.text()
    assert result.startswith("✖") and "管易云凭据" in result, result
    error = page.guanyi_credentials.error
    assert error.isVisibleTo(guide) and "sessionkey" in error.text() and "secret" in error.text()
    assert not cli_words_in(_texts(guide))
    assert credentials.load("guanyi") is None and not _next_enabled(guide)


def test_test_later_saves_and_moves_on_and_the_summary_says_untested(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    page = guide.guanyi_page
    page.guanyi_form.fields["guanyi.url"].set_value("ftp://nowhere")
    page.later.linkActivated.emit("later")
    assert guide.currentPage() is page, "a refused value stops the skip"
    assert "ftp://nowhere" in page.guanyi_form.fields["guanyi.url"].error.text()
    _fill_guanyi_direct(guide, sandbox)
    page.later.linkActivated.emit("later")
    assert guide.currentPage() is guide.jingcheng_page
    assert credentials.load("guanyi") == sandbox.credentials["guanyi"], "skipping the test still saves"
    guide.jingcheng_page.later.linkActivated.emit("later")
    guide.next()
    assert guide.currentPage() is guide.done_page
    assert "未测试" in guide.done_page.rows["guanyi"].text()
    assert "未测试" in guide.done_page.rows["jingcheng"].text()


def test_jingcheng_credentials_follow_the_authentication_mode(qtbot, sandbox, open_guide):
    guide = open_guide()
    guide.next()
    guide.guanyi_page.later.linkActivated.emit("later")
    page = guide.jingcheng_page
    page.form.fields["jingcheng.url"].set_value(sandbox.jingcheng_url)
    page.form.fields["jingcheng.auth"].set_value("basic")
    assert list(page.credentials.edits) == ["user", "password"]
    page.credentials.edits["user"].setText("jc_demo")
    page.credentials.edits["password"].setText("pw-SECRET-77")
    assert _run(qtbot, page.test).startswith("✔")
    assert settings.get("jingcheng.auth") == "basic"
    assert credentials.load("jingcheng") == {"user": "jc_demo", "password": "pw-SECRET-77"}
    page.form.fields["jingcheng.auth"].set_value("none")
    assert not _next_enabled(guide), "another authentication is untested"


def test_the_mapping_page_saves_its_choices_and_refuses_a_bad_date_format(sandbox, open_guide):
    guide = open_guide()
    guide.next()
    guide.guanyi_page.later.linkActivated.emit("later")
    guide.jingcheng_page.later.linkActivated.emit("later")
    page = guide.mapping_page
    assert guide.currentPage() is page and "0 行" in page.tables.text()
    page.fields["mapping.date_source"].set_value("create")
    page.fields["mapping.qty_source"].set_value("qty")
    page.fields["mapping.date_format"].set_value("dd")
    guide.next()
    assert guide.currentPage() is page and "没有保存" in page.message.text()
    assert settings.get("mapping.date_source") == "receive", "nothing is saved while one field is refused"
    page.fields["mapping.date_format"].set_value("yyyyMMdd")
    guide.next()
    assert guide.currentPage() is guide.done_page
    assert settings.get("mapping.date_source") == "create" and settings.get("mapping.qty_source") == "qty"
    assert settings.get("mapping.date_format") == "yyyyMMdd"


def test_opened_again_from_help_it_tests_what_is_stored_without_showing_it(qtbot, sandbox, open_guide):
    for kind in ("guanyi", "qimen"):
        credentials.store(kind, sandbox.credentials[kind])
    settings.set_value("guanyi.transport", "qimen")
    settings.set_value("qimen.url", sandbox.qimen_url)
    guide = open_guide()
    guide.next()
    page = guide.guanyi_page
    assert page.qimen.isChecked(), "the stored transport is the one chosen"
    assert page.guanyi_credentials.edits["appkey"].text() == sandbox.credentials["guanyi"]["appkey"]
    assert page.qimen_credentials.edits["secret"].placeholderText() == "已保存，留空则不变"
    shown = _texts(guide)
    assert all(value not in shown for kind in ("guanyi", "qimen") for name, value in sandbox.credentials[kind].items()
               if name not in credentials.PUBLIC_FIELDS)
    assert _run(qtbot, page.test).startswith("✔ 连接成功（经奇门网关）")
    assert credentials.load("qimen") == sandbox.credentials["qimen"], "nothing typed, nothing rewritten"


def test_try_the_demo_asks_for_it_and_closes(qtbot, db, open_guide):
    guide = open_guide()
    with qtbot.waitSignal(guide.demo_requested, timeout=1000):
        guide.welcome_page.demo_button.click()
    assert not guide.isVisible() and guide.result() == FirstRunGuide.DEMO
    assert settings.get("guanyi.url") == settings.KEYS["guanyi.url"].default, "the demo touches no setting"


# --- the window ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_page_fits_and_gives_no_command_line_advice(qtbot, db, open_guide, lang):
    i18n.set_language(lang)
    guide = open_guide()
    assert guide.width() <= 800 and guide.height() <= 560
    shown = []
    for _page in range(5):
        qtbot.wait(1)
        smallest = guide.minimumSize()  # what the wizard sets from the page shown
        assert 0 < smallest.width() <= 800 and 0 < smallest.height() <= 560, (guide.currentPage().title(), smallest)
        shown.append(_texts(guide))
        if guide.currentPage() in (guide.guanyi_page, guide.jingcheng_page):
            guide.currentPage().test.button.click()  # nothing typed: the refusal is shown too
            shown.append(_texts(guide))
            guide.currentPage().later.linkActivated.emit("later")
        else:
            guide.next()
    assert guide.currentPage() is guide.done_page
    assert not cli_words_in("\n".join(shown))
    if lang == "en":
        assert not any("\u4e00" <= char <= "\u9fff" for char in "".join(shown)), "Chinese left in the English guide"
