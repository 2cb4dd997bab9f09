"""Start the window in two steps: its frame is on the screen first, as fast as a bare Qt window; once it is painted,
the core loads and the app opens (:func:`core.app.open_app`: data folder, database, recovery, logging, --demo) on a
thread of their own, so the frame stays responsive, and the workspace fills the frame. Then Qt's own translations
and the error hook; the event loop runs until the window closes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from core import i18n, paths
from core.i18n import t
from ui.main_window import MainWindow, title
from ui.single_instance import SingleInstance
from ui.window_state import WindowState

# What only comes after the frame is painted — message boxes, errors and their advice, Qt's translations, a restart —
# is imported where it is used: each of Qt's classes makes its enums when first imported, a few ms in all.
if TYPE_CHECKING:
    from PySide6.QtCore import QTranslator

    from core.app import App
    from core.errors import ReturnSyncError
    from ui.crash_dialog import CrashReporter

log = logging.getLogger(__name__)
_OPEN_AT_THE_LATEST_MS = 300
# How long a busy worker thread (a load, a review of every return) may keep the interpreter lock while the GUI thread
# waits for it. Painting the table calls from Qt into Python a few hundred times, each waiting for the lock: at
# Python's 5 ms a repaint beside a busy thread took up to half a second; at 0.2 ms a few milliseconds. (Pulls and
# pushes have a process of their own: core.jobs.)
_SWITCH_INTERVAL_S = 0.0002
_translators: list[QTranslator] = []  # Qt drops a translator whose Python object is collected


def _install_qt_translations(app: QApplication, lang: str) -> None:
    if lang != "zh_CN":
        return
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        app.installTranslator(translator)
        _translators.append(translator)


class _Opened(QObject):
    done = Signal(object)  # the opened App, or the ReturnSyncError that kept it from opening


class Launch:
    """A window being started: shown at once (:attr:`window`), then opened."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.opened: App | None = None
        self.crashes: CrashReporter | None = None  # the error hook, once the app is open (imported then: 50 ms)
        self.instance: SingleInstance | None = None  # this window's claim on its data folder
        self.elsewhere = False  # a window runs on the data folder already: asked to come to the front instead
        self.restore_report: tuple[bool, str] | None = None  # this start put a backup back first (ui.backup_actions)
        self.restore_after: tuple[Path, Path] | None = None  # (backup, data folder): put back once this window closed
        self.exit_code: int | None = None  # set when the app could not be opened
        sys.setswitchinterval(_SWITCH_INTERVAL_S)
        qt_app = QApplication.instance() or QApplication(sys.argv[:1])
        qt_app.setApplicationName("ReturnSync")
        qt_app.setWindowIcon(QIcon(str(paths.asset_path("icons", "returnsync.svg"))))
        window_state = None
        if not (options.demo and not options.data_dir):  # a demo's folder is new: nothing stored yet
            folder = paths.data_dir(options.data_dir)
            self.instance = SingleInstance(folder)
            if not self.instance.claim():
                self.elsewhere, self.exit_code = True, 0
                return
            stored = i18n.stored_language(paths.database_path(folder))
            i18n.set_language(options.lang or stored or i18n.current())
            window_state = WindowState(folder)
        self._opening = False
        self._opened = _Opened()
        self._opened.done.connect(self._fill)
        self.window = MainWindow(window_state)
        if self.instance is not None:
            self.instance.raise_requested.connect(self.window.bring_to_front)
        # Open once the frame is painted; a window started minimised is never painted, so open after a moment anyway.
        self.window.first_painted.connect(lambda: QTimer.singleShot(0, self.open))
        QTimer.singleShot(_OPEN_AT_THE_LATEST_MS, self.open)
        self.window.show()

    def open(self) -> None:
        """Load the core and open the app on a thread; the workspace follows on the GUI thread (:meth:`_fill`)."""
        if self._opening:
            return
        self._opening = True
        if self.instance is not None:
            self.instance.listen()  # later starts on this data folder find this window from now on
        threading.Thread(target=self._open, name="opening", daemon=True).start()

    def _open(self) -> None:
        # Loaded only now, with the window on the screen, and off the GUI thread: the core and the workspace's modules
        # (no widget is made here) and the crash report's, the database, recovery, and for --demo the simulators.
        import ui.crash_dialog  # noqa: F401
        import ui.workspace  # noqa: F401
        from core.app import leave_thread, open_app
        from core.errors import ReturnSyncError
        from ui import state_style
        from ui.backup_actions import restore_at_start

        state_style.prepare()  # the table's state icons, painted here rather than while the table is built

        options = self.options
        try:
            if not (options.demo and not options.data_dir):  # a restore asked for by the window this start replaces
                self.restore_report = restore_at_start(paths.data_dir(options.data_dir))
            opened = open_app(options.data_dir, options.lang, verbose=options.verbose, log_file=True,
                              demo=options.demo)
        except ReturnSyncError as exc:
            self._opened.done.emit(exc)
            return
        except Exception:
            log.exception("opening the app failed")
            self._opened.done.emit(ReturnSyncError(
                "打开时发生了意外错误，详情已写入日志文件 returnsync.log。",
                "An unexpected error occurred while opening; details are in returnsync.log."))
            return
        leave_thread()
        self._opened.done.emit(opened)

    def _fill(self, result: App | ReturnSyncError) -> None:
        from PySide6.QtWidgets import QMessageBox

        from core.errors import ReturnSyncError
        from ui.advice import window_message

        if isinstance(result, ReturnSyncError):
            QMessageBox.critical(None, title(), window_message(result))
            self.exit_code = result.exit_code
            self.window.close()
            return
        from ui.workspace import Workspace  # loaded by the opening thread already

        self.opened = result
        _install_qt_translations(QApplication.instance(), i18n.current())
        from ui.crash_dialog import CrashReporter  # loaded by the opening thread too

        self.crashes = CrashReporter(result.log_file.parent if result.log_file else None).install()
        self.window.setWindowTitle(title())
        # The workspace reads the rows on a worker once it is made: made while they were read, it took twice as long
        # and froze the window as long.
        # Nothing to connect with yet (no credentials): the guide, not an empty table without a hint. Never in the demo.
        workspace = Workspace(banner=result.banner, window_state=self.window.window_state,
                              offer_guide=not self.options.demo)
        workspace.demo_requested.connect(self.restart_in_demo)
        workspace.restore_requested.connect(self.restart_to_restore)
        self.window.set_workspace(workspace)
        if self.restore_report is not None:
            from ui.backup_actions import say_restored

            say_restored(self.window, *self.restore_report)

    def restart_in_demo(self) -> None:
        """The app again, on the built-in sandbox (the guide's 试用演示): a new process, this window closed."""
        from PySide6.QtCore import QProcess
        from PySide6.QtWidgets import QMessageBox

        program, arguments = restart_command(["--demo", "--lang", i18n.current()])
        if QProcess.startDetached(program, arguments)[0]:
            self.window.close()
        else:
            QMessageBox.warning(self.window, title(),
                                t("无法启动演示，请稍后重试。", "The demo could not be started; try again."))

    def restart_to_restore(self, backup_file: Path) -> None:
        """Help › 恢复, confirmed: this window closes, and once every thread here has let go of the data file the app
        starts again and puts ``backup_file`` back before it opens it (:meth:`start_restore`)."""
        self.restore_after = (backup_file, self.opened.data_dir)
        self.window.close()

    def start_restore(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from ui.backup_actions import start_to_restore

        backup_file, folder = self.restore_after
        program, arguments = restart_command(["--data-dir", str(folder), "--lang", i18n.current()])
        if not start_to_restore(program, arguments, backup_file):
            log.error("the app could not be started again to restore %s", backup_file)
            QMessageBox.critical(None, title(), t(
                "无法重新启动程序来恢复备份；数据文件没有改动。请再次打开程序后重试。",
                "The app could not be started again to restore the backup; the data file was not changed. Open the "
                "app again and retry."))

    def close(self) -> None:
        if self.crashes is not None:
            self.crashes.uninstall()
        if self.instance is not None:
            self.instance.close()
        if self.opened is not None:
            self.opened.close()
            self.opened = None


def restart_command(arguments: list[str]) -> tuple[str, list[str]]:
    """How to start this app again with ``arguments``: the frozen executable itself, or Python with main.py."""
    if getattr(sys, "frozen", False):
        return sys.executable, arguments
    import main as entry  # the script the app was started from

    return sys.executable, [str(Path(entry.__file__).resolve()), *arguments]


def run_window(options: argparse.Namespace) -> int:
    launch = Launch(options)
    if launch.elsewhere:
        return 0
    try:
        code = QApplication.instance().exec()
    finally:
        launch.close()
    if launch.restore_after is not None:
        launch.start_restore()
    return launch.exit_code if launch.exit_code is not None else code
