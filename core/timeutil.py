"""China time (GMT+8) and the ``yyyy-MM-dd HH:mm:ss`` text form used by both remote systems."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from time import perf_counter

from core.errors import ConfigError

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def now_china() -> datetime:
    """The current wall-clock time in China, naive, to the second."""
    return datetime.now(CHINA_TZ).replace(tzinfo=None, microsecond=0)


def format_datetime(value: datetime) -> str:
    return value.strftime(DATETIME_FORMAT)


def elapsed_ms(started: float) -> int:
    """Whole milliseconds (truncated) since ``started``, a reading of :func:`time.perf_counter`."""
    return int((perf_counter() - started) * 1000)


def parse_datetime(text: str) -> datetime:
    """Parse ``yyyy-MM-dd HH:mm:ss`` (raises ``ValueError``)."""
    return datetime.strptime(text.strip(), DATETIME_FORMAT)


def parse_bound(text: str, *, end: bool) -> datetime:
    """Parse a ``--from``/``--to`` value: a whole day (both ends included) or an exact time."""
    value = text.strip()
    try:
        return parse_datetime(value)
    except ValueError:
        pass
    try:
        day = datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        raise ConfigError(
            f"日期“{text}”格式不对，请写成 yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss。",
            f"Date '{text}' is not valid; write yyyy-MM-dd or yyyy-MM-dd HH:mm:ss.",
        ) from None
    return datetime.combine(day, time(23, 59, 59) if end else time(0, 0, 0))


def day_windows(start: datetime, end: datetime, days: int = 1) -> list[tuple[datetime, datetime]]:
    """Split [start, end] (both inclusive, to the second) into windows of at most ``days`` days.

    Windows are aligned to midnight so that a one-day window is one calendar day, and touch
    without overlapping: one ends at hh:mm:59 and the next starts a second later.
    """
    if end < start:
        raise ConfigError("结束时间早于开始时间。", "The end time is before the start time.")
    if days < 1:
        raise ConfigError("拉取窗口至少为 1 天。", "The pull window must be at least 1 day.")
    windows = []
    cursor = start
    while cursor <= end:
        boundary = datetime.combine(cursor.date() + timedelta(days=days), time(0, 0, 0))
        window_end = min(end, boundary - timedelta(seconds=1))
        windows.append((cursor, window_end))
        cursor = window_end + timedelta(seconds=1)
    return windows


# The quick choices of a date range beside the date pickers, with their words.
QUICK_RANGES: dict[str, tuple[str, str]] = {
    "today": ("今天", "Today"),
    "yesterday": ("昨天", "Yesterday"),
    "last7": ("近7天", "Last 7 days"),
    "this_month": ("本月", "This month"),
    "last_month": ("上月", "Last month"),
}


def quick_range(name: str, today: date) -> tuple[date, date]:
    """The first and last day (both included) of a quick choice, counted from ``today`` (China time)."""
    if name == "today":
        return today, today
    if name == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if name == "last7":
        return today - timedelta(days=6), today
    first = today.replace(day=1)
    if name == "this_month":
        return first, today
    if name == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown quick range {name!r}")
