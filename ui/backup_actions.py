"""Help › 备份 / 恢复 in the window (:mod:`core.backup` does the work).

备份: a file chosen in a save dialog gets a consistent copy of the data file, made on a worker while the window goes
on (the copy is SQLite's online backup: pulls and pushes may write meanwhile); a message names the file.

恢复: a backup chosen in an open dialog is checked first (:func:`core.backup.inspect`: not a ReturnSync file, a newer
version's or a damaged one is refused before anything is asked); a confirmation says that the current data file is
kept aside and that the window starts again. A restore needs the data file closed by every thread of this process, so
it is done by the app started again: the window closes, and the new process (given the file in
:data:`RESTORE_VARIABLE`) restores it before it opens the data file (:func:`restore_requested_at_start`), then says
what it did.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QProcess, QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from core import backup, paths
from core.app import data_folder
from core.errors import ReturnSyncError
from core.i18n import t
from core.timeutil import now_china
from ui import worker
from ui.advice import window_message
from ui.main_window import title

log = logging.getLogger(__name__)

RESTORE_VARIABLE = "RETURNSYNC_RESTORE_FROM"  # set for the app started again to restore: the backup to put back
_FILE_FILTER = "退货单同步助手备份 / ReturnSync backup (*.sqlite3);;* (*)"
# How long the app started again waits for the closing window to let go of the data file.
_RELEASE_WAIT_S = 20.0


def _documents() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


def backup_task(parent: QWidget) -> worker.Task | None:
    """Ask where; then the copy of the data file there, as a task for the caller to start (a progress shown until it
    ends, then a message saying where the file is or why there is none). ``None`` when the dialog was cancelled."""
    suggested = Path(_documents()) / f"ReturnSync-备份-{now_china():%Y%m%d-%H%M}.sqlite3"
    target, _filter = QFileDialog.getSaveFileName(
        parent, t("备份数据文件", "Back up the data file"), str(suggested), _FILE_FILTER
    )
    if not target:
        return None
    source = paths.database_path(data_folder())
    progress = QProgressDialog(t("正在备份数据文件…", "Backing up the data file…"), "", 0, 0, parent)
    progress.setCancelButton(None)  # SQLite's copy runs to its end: nothing half written is left either way
    progress.setWindowTitle(title())
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.show()

    def finished(made: backup.Backup) -> None:
        progress.close()
        QMessageBox.information(
            parent,
            title(),
            t(
                f"备份已保存：\n{made.file}\n（{made.holds.returns} 张退货单，{made.size / 2**20:.1f} MB）",
                f"The backup is saved:\n{made.file}\n({made.holds.returns} returns, {made.size / 2**20:.1f} MB)",
            ),
        )

    def failed(message: str) -> None:
        progress.close()
        QMessageBox.warning(parent, title(), message)

    task = worker.Task(lambda _progress, _cancel: backup.backup(source, target))
    task.signals.finished.connect(finished)
    task.signals.failed.connect(failed)
    return task


def choose_restore(parent: QWidget) -> Path | None:
    """The backup the user chose to put back, checked and confirmed; ``None`` when cancelled or refused (said)."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, t("从备份恢复", "Restore from a backup"), _documents(), _FILE_FILTER
    )
    if not chosen:
        return None
    try:
        holds = backup.inspect(chosen)
    except ReturnSyncError as exc:
        QMessageBox.warning(parent, title(), window_message(exc))
        return None
    answer = QMessageBox.question(
        parent,
        title(),
        t(
            f"用备份 {chosen}（{holds.returns} 张退货单）替换当前的数据文件？\n\n"
            f"当前的数据文件不会删除：它会改名保存在数据文件夹 {data_folder()} 中"
            f"（名称含 {backup.KEPT_ASIDE}）；推送记录会并入恢复后的文件，已推送的单据不会再次变为可推送。\n"
            "窗口随后会关闭并重新启动。",
            f"Replace the current data file with the backup {chosen} ({holds.returns} returns)?\n\n"
            f"The current data file is not deleted: it is kept, renamed (with {backup.KEPT_ASIDE} in its name), in the "
            f"data folder {data_folder()}; its push ledger is carried into the restored file, so a posted sheet does "
            "not become ready again.\nThe window then closes and starts again.",
        ),
    )
    return Path(chosen) if answer == QMessageBox.StandardButton.Yes else None


def start_to_restore(program: str, arguments: list[str], backup_file: Path) -> bool:
    """Start the app again (``program`` ``arguments``) to restore ``backup_file`` before it opens the data file: the
    new process inherits :data:`RESTORE_VARIABLE`, which this one has only for the moment of the start."""
    os.environ[RESTORE_VARIABLE] = str(backup_file)
    try:
        started, _pid = QProcess.startDetached(program, arguments)
    finally:
        del os.environ[RESTORE_VARIABLE]
    return started


def restore_requested_at_start(folder: Path) -> backup.RestoreResult | None:
    """In the app started again by :func:`start_to_restore`: the backup put back in the place of ``folder``'s data
    file, once the closing window has let go of it; ``None`` when no restore was asked for. Raises
    :class:`~core.backup.BackupError` as :func:`core.backup.restore` does (nothing changed then)."""
    chosen = os.environ.pop(RESTORE_VARIABLE, "")  # once: a later restart of this app must not restore again
    if not chosen:
        return None
    backup.inspect(chosen)  # a file that cannot be restored is said at once, not after the wait
    database = paths.database_path(folder)
    deadline = time.monotonic() + _RELEASE_WAIT_S
    while backup.in_use(database) and time.monotonic() < deadline:
        time.sleep(0.1)
    return backup.restore(chosen, folder)


def restored_message(done: backup.RestoreResult) -> str:
    return t(
        f"已从备份恢复数据文件：\n{done.source}\n（{done.holds.returns} 张退货单）。"
        + (f"\n原来的数据文件保存为：\n{done.kept}" if done.kept else ""),
        f"The data file was restored from the backup:\n{done.source}\n({done.holds.returns} returns)."
        + (f"\nThe data file it replaced is kept as:\n{done.kept}" if done.kept else ""),
    )


def restore_at_start(folder: Path) -> tuple[bool, str] | None:
    """:func:`restore_requested_at_start` for the window's start: (done, what to say), or ``None`` when no restore
    was asked for."""
    try:
        done = restore_requested_at_start(folder)
    except ReturnSyncError as exc:
        return False, window_message(exc)
    return None if done is None else (True, restored_message(done))


def say_restored(parent: QWidget, done: bool, message: str) -> None:
    """What the restore at start did, in the log and in a message."""
    if done:
        log.info("restored at start: %s", message)
        QMessageBox.information(parent, title(), message)
    else:
        log.warning("the restore asked for was not done: %s", message)
        QMessageBox.warning(parent, title(), message)
