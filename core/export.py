"""CSV files a shop accountant opens in Excel (SPEC §10), and the export of the sync log.

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
from datetime import datetime
from pathlib import Path

import peewee as pw

from core.errors import Cancelled, ConfigError, ReturnSyncError
from core.i18n import t
from core.states import action_text, status_text
from core.store import SyncLog, db, write_log
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
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the sync-log rows with ``start <= time <= end`` and the given status to a CSV file.

    ``status`` is a status code as logged (``failed``, ``ok``, …); the file shows each action and status as its word
    in the UI language (:func:`core.states.action_text`, :func:`core.states.status_text`).

    Rows go out in the order they were logged, streamed from one SQLite cursor. The export
    itself is logged afterwards (ok, failed or cancelled), so it is not among the rows it wrote.
    """
    started = time.perf_counter()
    conditions = []
    if start is not None:
        conditions.append(SyncLog.time >= start)
    if end is not None:
        conditions.append(SyncLog.time <= end)
    status = (status or "").strip().lower()  # statuses are logged in lower case; "OK" means ok
    if status:
        conditions.append(SyncLog.status == status)
    rows_query = (
        SyncLog.select(
            # SQLite formats the time in C; peewee's own conversion would parse 100k datetimes in Python.
            pw.fn.strftime("%Y-%m-%d %H:%M:%S", SyncLog.time).coerce(False),
            SyncLog.action,
            SyncLog.code,
            SyncLog.status,
            SyncLog.message,
            SyncLog.duration_ms,
            SyncLog.os_user,
        )
        .order_by(SyncLog.id)
    )
    count_query = SyncLog.select()
    if conditions:
        rows_query = rows_query.where(*conditions)
        count_query = count_query.where(*conditions)
    what = _describe(path, start, end, status)
    try:
        # One read transaction, so the total given to ``progress`` counts exactly the rows written.
        with db.atomic():
            total = count_query.count()
            header = [t(zh, en) for zh, en in LOG_HEADER]
            rows = write_csv(path, header, _in_words(rows_query.tuples().iterator()), total=total, progress=progress)
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


def _describe(path: str | os.PathLike, start: datetime | None, end: datetime | None, status: str | None) -> str:
    parts = [t(f"同步日志 → {path}", f"sync log -> {path}")]
    if start is not None or end is not None:
        low = format_datetime(start) if start is not None else "…"
        high = format_datetime(end) if end is not None else "…"
        parts.append(f"{low} – {high}")
    if status:
        parts.append(t(f"状态 {status}", f"status {status}"))
    return t("，", ", ").join(parts)
