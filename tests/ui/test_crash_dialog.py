"""An error nobody catches, with secrets configured: logged and shown in a dialog that does not block the window —
and neither the log, nor the dialog, nor what 复制详情 copies holds a secret, a session key, a token or a sign."""

from __future__ import annotations

import hashlib
import sys
import threading

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from core import credentials, settings
from core.app import open_app
from core.errors import ConfigError
from ui.crash_dialog import CrashDialog, CrashReporter

SECRETS = {
    "guanyi": {"appkey": "GY-APPKEY-7731", "sessionkey": "GY-SESSION-4d2c9", "secret": "GY-SECRET-a81f"},
    "qimen": {"app_key": "QM-APPKEY-5510", "secret": "QM-SECRET-90ab", "session": "QM-SESSION-33c1"},
    "jingcheng": {"token": "JC-TOKEN-e7e7e7"},
}
SIGN = hashlib.md5(b"the request").hexdigest().upper()
# Guanyi's key at Qimen is no credential (a setting, its default public): kept, as the URL's host is, for support.
TARGET_APP_KEY = "TARGET-APPKEY-6006"
FORBIDDEN = [SIGN, *(value for kind in SECRETS.values() for value in kind.values())]


def _leaks(text: str) -> list[str]:
    return [secret for secret in FORBIDDEN if secret in text]


@pytest.fixture
def opened(tmp_path, monkeypatch):
    """The app open on a data folder with its log file, every credential stored and the Qimen app key set."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    with open_app(tmp_path, log_file=True) as app:
        settings.set_value("qimen.target_app_key", TARGET_APP_KEY)
        for kind, values in SECRETS.items():
            credentials.store(kind, values)
        yield app


@pytest.fixture
def reporter(opened, qapp):
    crashes = CrashReporter(opened.log_file.parent).install()
    yield crashes
    crashes.uninstall()
    if crashes.dialog is not None:
        crashes.dialog.close()
        crashes.dialog.deleteLater()


def _request_failed() -> None:
    guanyi, qimen = SECRETS["guanyi"], SECRETS["qimen"]
    url = (
        f"https://v2.api.guanyierp.com/rest/erp_open?appkey={guanyi['appkey']}&sessionkey={guanyi['sessionkey']}"
        f"&sign={SIGN}&target_app_key={TARGET_APP_KEY}&session={qimen['session']}"
    )
    raise RuntimeError(
        f"GET {url} failed; secret {guanyi['secret']}, token {SECRETS['jingcheng']['token']}, "
        f"Authorization: Bearer {qimen['secret']}, https://user:{qimen['app_key']}@proxy.example/"
    )


def _shown(dialog: CrashDialog) -> str:
    return "\n".join([dialog.windowTitle(), dialog.message.text(), dialog.details.toPlainText()])


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_logged_and_shown_without_a_secret(reporter, opened, qtbot, monkeypatch):
    opened_urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened_urls.append(url) or True)
    QTimer.singleShot(0, _request_failed)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5_000)
    dialog = reporter.dialog
    assert not dialog.isModal()  # the window goes on; this test is not blocked either
    assert dialog in QApplication.topLevelWidgets()

    shown = _shown(dialog)
    assert "发生了意外错误" in shown and "An unexpected error occurred" in shown
    assert "RuntimeError" in shown and "_request_failed" in shown and "v2.api.guanyierp.com" in shown
    assert _leaks(shown) == [] and TARGET_APP_KEY in shown

    QApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert "RuntimeError" in copied and "v2.api.guanyierp.com" in copied
    assert _leaks(copied) == []

    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened_urls] == [str(opened.log_file.parent)]

    logged = opened.log_file.read_text("utf-8")
    assert "unhandled error" in logged and "RuntimeError" in logged and "v2.api.guanyierp.com" in logged
    assert _leaks(logged) == []


def test_an_error_on_a_thread_is_shown_on_the_gui_thread_in_the_same_dialog(reporter, opened, qtbot):
    reporter.hook(*_raised(_request_failed))  # the first, as a slot would report it
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5_000)
    first = reporter.dialog
    thread = threading.Thread(target=_request_failed, name="worker")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: _shown(first).count("RuntimeError") >= 4, timeout=5_000)
    assert reporter.dialog is first
    assert _leaks(_shown(first)) == [] and _leaks(opened.log_file.read_text("utf-8")) == []


def test_a_returnsync_error_says_what_to_do_and_no_secret(reporter, opened, qtbot):
    reporter.hook(
        *_raised(
            lambda: _raise(ConfigError(f"坏了 {SECRETS['guanyi']['secret']}", f"broken {SECRETS['guanyi']['secret']}"))
        )
    )
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5_000)
    message = reporter.dialog.message.text()
    assert message.startswith("坏了 ***") and "An unexpected error" not in message
    assert _leaks(_shown(reporter.dialog)) == []


def test_the_hooks_go_back_when_the_reporter_is_uninstalled(opened, qapp):
    before = (sys.excepthook, threading.excepthook)
    crashes = CrashReporter(None).install()
    assert sys.excepthook == crashes.hook and threading.excepthook == crashes.thread_hook
    crashes.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def _raise(exc: BaseException) -> None:
    raise exc


def _raised(function) -> tuple:
    try:
        function()
    except BaseException as exc:  # noqa: BLE001 - what a hook receives
        return type(exc), exc, exc.__traceback__
    raise AssertionError("nothing was raised")
