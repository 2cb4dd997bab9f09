"""Crash reports: an error nobody caught — in a slot of the window or on one of its threads — is written to the log
file and shown in a dialog that does not block the window, with 复制详情 (the details to the clipboard, for support)
and 打开日志文件夹.

Neither the log nor the dialog holds a secret: the details are masked where they are formatted
(:func:`core.redact.crash_text`: the keyring's credential values, sign-like tokens, a URL's secret query parameters
and user:password, an Authorization header). The traceback is the standard one, which quotes code lines and the
exception's message, never a frame's local variables.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from core.errors import ReturnSyncError
from core.i18n import t
from core.redact import crash_text
from ui.advice import window_message
from ui.main_window import title

log = logging.getLogger(__name__)

# Both languages: the error may lie in what chooses the language.
UNEXPECTED = (
    "发生了意外错误。详情已写入日志文件；请把“复制详情”得到的内容发给技术支持。\n"
    "An unexpected error occurred. The details are in the log file; send what 复制详情 (Copy details) "
    "copies to support."
)


def stored_secrets() -> list[str]:
    """The keyring's credential values, to mask in a crash text; none when the keyring cannot be read."""
    from core import credentials

    values: list[str] = []
    for kind in credentials.KINDS:
        try:
            values += [v for v in (credentials.load(kind) or {}).values() if isinstance(v, str)]
        except Exception:  # noqa: BLE001 - a crash report must not fail for want of the keyring
            continue
    return values


def crash_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> tuple[str, str]:
    """(what the dialog says, the details) of an uncaught error, both masked."""
    secrets = stored_secrets()
    details = crash_text("".join(traceback.format_exception(exc_type, exc, tb)), secrets)
    if isinstance(exc, ReturnSyncError):
        message = window_message(exc)
    else:
        message = f"{UNEXPECTED}\n\n{''.join(traceback.format_exception_only(exc_type, exc)).strip()}"
    return crash_text(message, secrets), details


class CrashDialog(QDialog):
    """What went wrong, its details, 复制详情 and 打开日志文件夹. Shown, never run modally: the window goes on."""

    def __init__(self, message: str, details: str, log_folder: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_folder = log_folder
        self.setWindowTitle(f"{title()} — {t('意外错误', 'Unexpected error')}")
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(32, 32))
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.details = QPlainTextEdit(details, readOnly=True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(t("关闭", "Close"))
        self.copy_button = buttons.addButton(t("复制详情", "Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button = buttons.addButton(
            t("打开日志文件夹", "Open the log folder"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.folder_button.clicked.connect(self.open_log_folder)
        self.folder_button.setEnabled(log_folder is not None)
        buttons.rejected.connect(self.reject)
        heading = QHBoxLayout()
        heading.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(720, 440)

    def add(self, message: str, details: str) -> None:
        """Another error while this one is shown: its details below the first's."""
        self.message.setText(message)
        self.details.appendPlainText("\n" + details)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(f"{self.message.text()}\n\n{self.details.toPlainText()}")

    def open_log_folder(self) -> bool:
        return self.log_folder is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder)))


class CrashReporter(QObject):
    """The hooks (:data:`sys.excepthook`, :data:`threading.excepthook`) that log an uncaught error and show it. Made on
    the GUI thread, it shows the dialog there, whichever thread the error was raised on."""

    _crashed = Signal(str, str)  # the message and details, from any thread to the GUI thread

    def __init__(self, log_folder: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_folder = log_folder
        self.dialog: CrashDialog | None = None
        self._crashed.connect(self._show)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> CrashReporter:
        sys.excepthook = self.hook
        threading.excepthook = self.thread_hook
        return self

    def uninstall(self) -> None:
        """Put back the hooks that were there before, unless another has replaced ours since."""
        if sys.excepthook == self.hook:
            sys.excepthook = self._previous[0]
        if threading.excepthook == self.thread_hook:
            threading.excepthook = self._previous[1]

    def hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        try:
            message, details = crash_report(exc_type, exc, tb)
        except Exception:  # noqa: BLE001 - the report itself failed: say that much, with nothing of the error in it
            message, details = UNEXPECTED, f"{exc_type.__name__} (the report could not be made)"
        log.error("unhandled error\n%s", details)
        self._crashed.emit(message, details)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # a thread that ends itself, as the default hook lets it
            return
        self.hook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, message: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add(message, details)
            return
        parent = QApplication.activeWindow()
        self.dialog = CrashDialog(message, details, self.log_folder, parent)
        self.dialog.show()
        self.dialog.raise_()
