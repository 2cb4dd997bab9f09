"""CSV files a shop accountant opens in Excel (SPEC §10), and the export of the sync log (what the log view shows).

Every CSV the product writes goes through :func:`write_csv`: UTF-8 with a BOM (without it, Excel
on a Chinese Windows reads UTF-8 as GBK and garbles the Chinese), RFC 4180 quoting with CRLF line
ends, and cells Excel would evaluate as a formula made inert. The file appears whole or not at
all: rows go to a temporary file in the target's folder, which replaces the target only when
complete, so a failed or cancelled export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from core import synclog
from core.errors import Cancelled, ConfigError, ReturnSyncError
from core.i18n import t
from core.states import action_text, status_text
from core.store import db, write_log
from core.synclog import LogFilter
from core.timeutil import elapsed_ms, format_datetime

# Excel runs a cell starting with one of these as a formula (CSV injection); SPEC §10.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]
"""Called with (rows written, rows in total) every PROGRESS_EVERY rows and once at the end.

It may raise :class:`Cancelled` to stop the export; no file is left behind then.
"""

LOG_HEADER = (
    ("时间", "Time"),
    ("操作", "Action"),
    ("单号", "Code"),
    ("状态", "Status"),
    ("消息", "Message"),
    ("耗时（毫秒）", "Duration (ms)"),
    ("系统用户", "OS user"),
)


def inert(value: str) -> str:
    """The text as Excel will show it but never run: ``'`` before a formula-looking start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(
    path: str | os.PathLike,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    total: int = 0,
    progress: Progress | None = None,
) -> int:
    """Write ``header`` and ``rows`` to ``path`` atomically; return the number of rows.

    Every cell is written as its text (``None`` empty, a number as ``str()`` gives it) and made inert if that
    text starts like a formula, numbers included: SPEC §10 says *a cell* starting with ``-``.
    An ``OSError`` (no such folder, no permission, the file open in Excel) becomes a
    :class:`ConfigError` the user can act on; any error or :class:`Cancelled` from ``progress``
    removes the temporary file and leaves an existing target untouched.
    """
    target = Path(path)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    count = 0
    try:
        # "x" creates the file with the user's usual permissions and never clobbers another's temp file.
        with open(temp, "x", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([inert(cell) for cell in header])
            for row in rows:
                # SPEC §10 speaks of cells, not of strings: a number is inert-checked by its text too (-5 → '-5).
                cells = [cell if isinstance(cell, str) else "" if cell is None else str(cell) for cell in row]
                writer.writerow([inert(cell) for cell in cells])
                count += 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(count, total)
            if progress is not None:
                progress(count, total)
            handle.flush()
            # Without the fsync a power cut right after the rename can leave an empty file.
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConfigError(
            f"无法写入文件 {target}：{exc.strerror or exc}。"
            "请确认文件夹存在、有写入权限，且该文件没有在 Excel 中打开。",
            f"Cannot write {target}: {exc.strerror or exc}. Check that the folder exists and is writable, "
            "and that the file is not open in Excel.",
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return count


def export_log(
    path: str | os.PathLike,
    log_filter: LogFilter | None = None,
    *,
    newest_first: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write the sync-log rows of ``log_filter`` (every row without one) to a CSV file; return how many.

    The filter is the log view's (:mod:`core.synclog`): given the view's, with the ``up_to_id`` it was filled up to,
    the file holds exactly the rows the view shows, whatever was logged since — with ``newest_first`` in the view's
    order, otherwise in the order they were logged. Its action and status are codes as logged (``failed``, ``ok``,
    …); the file shows each as its word in the UI language (:func:`core.states.action_text`,
    :func:`core.states.status_text`).

    Rows are streamed from one SQLite cursor. The export itself is logged afterwards (ok, failed or cancelled), so it
    is not among the rows it wrote.
    """
    started = time.perf_counter()
    log_filter = (log_filter or LogFilter()).normalised()
    what = _describe(path, log_filter)
    try:
        # One read transaction, so the total given to ``progress`` counts exactly the rows written.
        with db.atomic():
            total = synclog.count(log_filter)
            header = [t(zh, en) for zh, en in LOG_HEADER]
            rows = write_csv(path, header, _in_words(synclog.export_rows(log_filter, newest_first=newest_first)),
                             total=total, progress=progress)
    except Cancelled:
        write_log("export", "cancelled", what, duration_ms=elapsed_ms(started))
        raise
    except ReturnSyncError as exc:
        write_log("export", "failed", f"{what}: {exc}", duration_ms=elapsed_ms(started))
        raise
    write_log("export", "ok", t(f"{what}：{rows} 行", f"{what}: {rows} rows"), duration_ms=elapsed_ms(started))
    return rows


def _in_words(rows: Iterable[tuple]) -> Iterator[tuple]:
    """The log rows with their action and status as words of the UI language (SPEC §10), not codes.

    A log holds a handful of distinct codes, so each is looked up once per export, not once per row."""
    actions: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for time_text, action, code, status, message, duration_ms, os_user in rows:
        action_word = actions.get(action)
        if action_word is None:
            action_word = actions[action] = action_text(action)
        status_word = statuses.get(status)
        if status_word is None:
            status_word = statuses[status] = status_text(status)
        yield time_text, action_word, code, status_word, message, duration_ms, os_user


def _describe(path: str | os.PathLike, log_filter: LogFilter) -> str:
    parts = [t(f"同步日志 → {path}", f"sync log -> {path}")]
    if log_filter.start is not None or log_filter.end is not None:
        low = format_datetime(log_filter.start) if log_filter.start is not None else "…"
        high = format_datetime(log_filter.end) if log_filter.end is not None else "…"
        parts.append(f"{low} – {high}")
    if log_filter.action:
        parts.append(t(f"操作 {action_text(log_filter.action)}", f"action {action_text(log_filter.action)}"))
    if log_filter.status:
        parts.append(t(f"状态 {status_text(log_filter.status)}", f"status {status_text(log_filter.status)}"))
    if log_filter.code:
        parts.append(t(f"单号 {log_filter.code}", f"code {log_filter.code}"))
    if log_filter.text:
        parts.append(t(f"含“{log_filter.text}”", f"containing '{log_filter.text}'"))
    return t("，", ", ").join(parts)
