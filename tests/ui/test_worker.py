"""Long work off the GUI thread: a task's result, its failure and its cancelling arrive as signals, as data."""

from __future__ import annotations

import logging
import threading

from core.cancel import CancelCheck
from core.errors import ConfigError
from ui import worker


def _run(qtbot, job, signal: str, cancel: bool = False) -> list:
    task = worker.Task(job)
    received: list = []
    for name in ("progress", "finished", "failed", "cancelled"):
        getattr(task.signals, name).connect(lambda *args, name=name: received.append((name, *args)))
    with qtbot.waitSignal(getattr(task.signals, signal), timeout=10_000):
        worker.start(task)
        if cancel:
            task.cancel()
    qtbot.waitUntil(lambda: task not in worker._running, timeout=5_000)  # let go of once handled
    return received


def test_a_result_comes_back_after_the_progress_it_reported(qtbot):
    def job(progress, cancel: threading.Event):
        progress((1, 2))
        progress((2, 2))
        return {"rows": 3}

    assert _run(qtbot, job, "finished") == [("progress", (1, 2)), ("progress", (2, 2)), ("finished", {"rows": 3})]


def test_a_core_error_comes_back_as_its_sentence(qtbot):
    def job(progress, cancel):
        raise ConfigError("设置有误。", "A setting is wrong.")

    assert _run(qtbot, job, "failed") == [("failed", "设置有误。")]


def test_an_unexpected_error_is_logged_and_comes_back_as_a_plain_sentence(qtbot, caplog):
    def job(progress, cancel):
        raise ZeroDivisionError("boom")

    with caplog.at_level(logging.ERROR):
        received = _run(qtbot, job, "failed")
    assert received == [("failed", "发生了意外错误，详情已写入日志文件。")]
    assert "ZeroDivisionError" in caplog.text  # the traceback is in the log, not in the message


def test_a_cancelled_task_says_so_and_nothing_else(qtbot):
    started = threading.Event()

    def job(progress, cancel: threading.Event):
        started.set()
        check = CancelCheck(cancel)
        for _ in range(200):  # about ten seconds, unless cancelled
            check.sleep(0.05)
        return "never"

    received = _run(qtbot, job, "cancelled", cancel=True)
    assert started.is_set() and received == [("cancelled",)]
