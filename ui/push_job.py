"""The window's push: the ticked codes pushed in a process of its own, with the texts the window shows."""

from __future__ import annotations

import threading
from collections.abc import Callable

from core import jobs, overview, push
from core.i18n import t
from core.states import SheetStatus, status_text
from ui.table_jobs import current_stamp


def push_job(codes: list[str], progress: Callable[[object], None], cancel: threading.Event, *,
             force: bool = False) -> push.PushResult:
    """The push run in a process of its own (:mod:`core.jobs`). Progress comes as ``((index, count, code, status),
    the code's row as it stands now)``. ``force``: the accountant confirmed sending sheets 精诚 may already hold."""
    stamp, _ = current_stamp()

    def report(step: tuple[int, int, str, str]) -> None:
        progress((step, overview.load_rows([step[2]], stamp=stamp)))

    return jobs.run(jobs.Job("push", {"codes": codes, "force": force}), report, cancel)


def describe_progress(progress: tuple[int, int, str, str]) -> tuple[int, int, str]:
    index, count, code, status = progress
    if status == SheetStatus.SENDING:
        return index - 1, count, t(f"正在推送第 {index}/{count} 张：{code}", f"Sending {index}/{count}: {code}")
    text = status_text(status)
    return index, count, t(f"第 {index}/{count} 张 {code}：{text}", f"{index}/{count} {code}: {text}")

