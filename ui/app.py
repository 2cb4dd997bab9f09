"""Start the window: the app opened by core (:func:`core.app.open_app`), Qt's own translations, the error hook,
then the event loop."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from core import i18n, paths
from core.app import open_app
from core.errors import ReturnSyncError
from core.i18n import t
from ui.main_window import MainWindow

log = logging.getLogger(__name__)
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
    QMessageBox.critical(None, t("退货单同步助手", "ReturnSync"), message)


def run_window(args: argparse.Namespace) -> int:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName("ReturnSync")
    qt_app.setWindowIcon(QIcon(str(paths.asset_path("icons", "returnsync.svg"))))
    try:
        opened = open_app(args.data_dir, args.lang, verbose=args.verbose, log_file=True, demo=args.demo)
    except ReturnSyncError as exc:
        QMessageBox.critical(None, t("退货单同步助手", "ReturnSync"), str(exc))
        return exc.exit_code
    with opened:
        _install_qt_translations(qt_app, i18n.current())
        sys.excepthook = _excepthook
        window = MainWindow(banner=opened.banner)
        window.show()
        return qt_app.exec()
