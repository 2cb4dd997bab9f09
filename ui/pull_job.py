"""The window's pull: the inputs gathered on the GUI thread, the core pull run on a worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from core import pull
from core.guanyi.client import client_from_settings
from core.i18n import t


@dataclass(frozen=True)
class PullRequest:
    start: date
    end: date
    axis: str
    all_statuses: bool


def pull_job(request: PullRequest, progress: Callable[[object], None], cancel: threading.Event) -> pull.PullResult:
    start = datetime.combine(request.start, time(0, 0, 0))
    end = datetime.combine(request.end, time(23, 59, 59))
    with client_from_settings() as client:
        return pull.pull(
            client, start, end, axis=request.axis, all_statuses=request.all_statuses, progress=progress, cancel=cancel
        )


def describe_progress(p: pull.PullProgress) -> tuple[int, int, str]:
    """(done, of, text) for the progress bar: the pull's percent, the windows read, and the latest page.

    Windows are read a few at once, so the page named is that of whichever window answered last."""
    day, page = p.window_start.strftime("%Y-%m-%d"), f"{p.page}/{max(p.pages, 1)}"
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
