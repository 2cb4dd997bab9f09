"""Start the window: data folder, database, language, translators, error hook, then the event loop."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from core import i18n, ledger, paths, settings, store
from core.errors import ReturnSyncError
from core.i18n import t

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


def _log_to_file(directory: Path) -> None:
    handler = RotatingFileHandler(directory / "returnsync.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)


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
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ReturnSync")
    app.setWindowIcon(QIcon(str(paths.asset_path("icons", "returnsync.svg"))))
    if args.demo and not args.data_dir:
        directory = Path(tempfile.mkdtemp(prefix="returnsync-demo-"))
    else:
        directory = paths.data_dir(args.data_dir)
    sandbox = None
    try:
        store.open_database(paths.database_path(directory))
        ledger.recover()
        lang = args.lang or settings.get("ui.lang")
        i18n.set_language(lang)
        _install_qt_translations(app, lang)
        _log_to_file(directory)
        banner = ""
        if args.demo:
            from core.sandbox.demo import describe_demo, start_demo

            sandbox = start_demo()
            banner = describe_demo(sandbox)
    except ReturnSyncError as exc:
        QMessageBox.critical(None, t("退货单同步助手", "ReturnSync"), str(exc))
        return exc.exit_code
    from ui.main_window import MainWindow

    sys.excepthook = _excepthook
    window = MainWindow(banner=banner)
    window.show()
    try:
        return app.exec()
    finally:
        if sandbox is not None:
            sandbox.stop()
        store.close_database()
