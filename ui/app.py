"""Start the window in two steps: its frame is on the screen first, as fast as a bare Qt window; on the next turn of
the event loop the core loads, the app opens (:func:`core.app.open_app`: data folder, database, recovery, logging)
and the workspace fills the frame. Then Qt's own translations and the error hook; the event loop runs until the
window closes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from core import i18n, paths
from core.errors import ReturnSyncError
from core.i18n import t
from ui.main_window import MainWindow, title

if TYPE_CHECKING:
    from core.app import App

log = logging.getLogger(__name__)
_OPEN_AT_THE_LATEST_MS = 300
_translators: list[QTranslator] = []  # Qt drops a translator whose Python object is collected


def _install_qt_translations(app: QApplication, lang: str) -> None:
    if lang != "zh_CN":
        return
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        app.installTranslator(translator)
        _translators.append(translator)


def _excepthook(exc_type, exc, tb) -> None:
    log.error("unhandled error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    message = (
        str(exc)
        if isinstance(exc, ReturnSyncError)
        else t(
            "发生了意外错误，详情已写入日志文件 returnsync.log。",
            "An unexpected error occurred; details are in returnsync.log.",
        )
    )
    QMessageBox.critical(None, title(), message)


class Launch:
    """A window being started: shown at once (:attr:`window`), opened on the next turn of the event loop."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.opened: App | None = None
        self.exit_code: int | None = None  # set when the app could not be opened
        qt_app = QApplication.instance() or QApplication(sys.argv[:1])
        qt_app.setApplicationName("ReturnSync")
        qt_app.setWindowIcon(QIcon(str(paths.asset_path("icons", "returnsync.svg"))))
        if not (options.demo and not options.data_dir):  # a demo's folder is new: nothing stored yet
            stored = i18n.stored_language(paths.database_path(paths.data_dir(options.data_dir)))
            i18n.set_language(options.lang or stored or i18n.current())
        self._opening = False
        self.window = MainWindow()
        # Open once the frame is painted; a window started minimised is never painted, so open after a moment anyway.
        self.window.first_painted.connect(lambda: QTimer.singleShot(0, self.open))
        QTimer.singleShot(_OPEN_AT_THE_LATEST_MS, self.open)
        self.window.show()

    def open(self) -> None:
        if self._opening:
            return
        self._opening = True
        # Loaded only now, with the window on the screen: the core, its database and the workspace.
        from core.app import open_app
        from ui.workspace import Workspace

        options = self.options
        try:
            self.opened = open_app(options.data_dir, options.lang, verbose=options.verbose, log_file=True,
                                   demo=options.demo)
        except ReturnSyncError as exc:
            QMessageBox.critical(None, title(), str(exc))
            self.exit_code = exc.exit_code
            self.window.close()
            return
        _install_qt_translations(QApplication.instance(), i18n.current())
        sys.excepthook = _excepthook
        self.window.setWindowTitle(title())
        self.window.set_workspace(Workspace(banner=self.opened.banner))

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()
            self.opened = None


def run_window(options: argparse.Namespace) -> int:
    launch = Launch(options)
    try:
        code = QApplication.instance().exec()
    finally:
        launch.close()
    return launch.exit_code if launch.exit_code is not None else code
