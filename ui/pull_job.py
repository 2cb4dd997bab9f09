"""The window's pull: the inputs gathered on the GUI thread, the core pull run in a process of its own
(:mod:`core.jobs`), and the rows of each window read on the worker as soon as the pull reports it stored, so the
table grows window by window without a reload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from core import jobs, overview, pull
from core.i18n import t
from ui.table_jobs import current_stamp


@dataclass(frozen=True)
class PullRequest:
    start: date
    end: date
    axis: str
    all_statuses: bool


@dataclass(frozen=True)
class Pulled:
    result: pull.PullResult
    rows: list[overview.Row]  # the rows of the windows stored after the last progress report


def pull_job(request: PullRequest, progress: Callable[[object], None], cancel: threading.Event) -> Pulled:
    """Progress comes as ``(PullProgress, rows stored since the last report)``."""
    start = datetime.combine(request.start, time(0, 0, 0))
    end = datetime.combine(request.end, time(23, 59, 59))
    stamp, _ = current_stamp()
    shown: set[str] = set()

    def report(p: pull.PullProgress) -> None:
        shown.update(p.stored_now)
        progress((p, overview.load_rows(p.stored_now, stamp=stamp) if p.stored_now else []))

    params = {"start": start, "end": end, "axis": request.axis, "all_statuses": request.all_statuses}
    result = jobs.run(jobs.Job("pull", params), report, cancel)
    return Pulled(result, overview.load_rows([code for code in result.codes if code not in shown], stamp=stamp))


def describe_progress(p: pull.PullProgress) -> tuple[int, int, str]:
    """(done, of, text) for the progress bar: the pull's percent, the windows read, and the latest page.

    Windows are read a few at once, so the page named is that of whichever window answered last."""
    day, page = p.window_start.strftime("%Y-%m-%d"), f"{p.page}/{max(p.pages, 1)}"
    if p.retry:  # 管易云 did not answer a request: say so as it happens, not only when the pull gives up
        return p.percent, 100, t(f"{day} 第 {p.page} 页：{p.retry}", f"{day} page {p.page}: {p.retry}")
    text = t(
        f"已读完 {p.windows_read}/{p.windows} 个窗口（{day} 第 {page} 页），已拉取 {p.records} 张",
        f"{p.windows_read}/{p.windows} windows read ({day} page {page}), {p.records} returns so far",
    )
    return p.percent, 100, text


def describe_result(result: pull.PullResult) -> str:
    text = result.summary()
    if result.warnings:
        text += " · " + t("注意：", "Note: ") + " ".join(result.warnings)
    return text
