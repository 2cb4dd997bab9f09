"""Long work off the UI thread: a ``QRunnable`` on the global pool reporting through signals.

The job is plain core code taking ``(progress, cancel)``: a callable to report progress and a
``threading.Event`` it checks between requests. Results and errors come back as data; an error as the window says
it (:func:`ui.advice.window_message`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.app import data_file_errors
from core.errors import Cancelled, ReturnSyncError
from core.i18n import t
from ui.advice import window_message

log = logging.getLogger(__name__)

Job = Callable[[Callable[[object], None], threading.Event], object]


class TaskSignals(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it: see _running
        self.job = job
        self.cancel_event = threading.Event()
        self.signals = TaskSignals()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        try:
            with data_file_errors():  # a damaged data file met here is said as at start, not as an unexpected error
                result = self.job(self.signals.progress.emit, self.cancel_event)
        except Cancelled:
            self.signals.cancelled.emit()
        except ReturnSyncError as exc:
            self.signals.failed.emit(window_message(exc))  # what happened, and what to do in the window
        except Exception:
            log.exception("background task failed")
            self.signals.failed.emit(
                t("发生了意外错误，详情已写入日志文件。", "An unexpected error occurred; details are in the log file.")
            )
        else:
            self.signals.finished.emit(result)


# Every started task until its end is handled on the GUI thread, so that a task never goes with the
# window that started it (e.g. a window deleted while a load it no longer waits for still runs).
_running: set[Task] = set()


def start(task: Task) -> Task:
    _running.add(task)
    for signal in (task.signals.finished, task.signals.failed, task.signals.cancelled):
        signal.connect(lambda *_args: _running.discard(task))
    QThreadPool.globalInstance().start(task)
    return task
