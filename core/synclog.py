"""The sync log read through a filter: the rows the log view shows and 导出 CSV writes, newest first, a page at a time.

A :class:`LogFilter` says which rows: a time range, one action, one status, a text found in the return code or the
message, one return code — and ``up_to_id``, the last row there was when the view was filled, so that its pages, its
count and its export are the same rows however much is logged meanwhile (a push running beside it logs a row a
sheet).

Built for a log of 100,000 rows and more. A page is read from an index in the order shown — ``time`` for none or a
time range, ``(action, time)`` or ``(status, time)`` for one action or status, ``code`` for one return — and the next
page starts after the last row of the previous one (keyset paging), never by an ``OFFSET`` that reads every row
before it. A text is matched by ``LIKE`` (case-insensitive for Latin letters; ``%`` and ``_`` match themselves),
which no index serves: a search reads the rows in time order until a page is full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from core.store import SyncLog, db
from core.timeutil import format_datetime

PAGE = 500
"""Rows a page reads: fifteen screens or so. A page of 2,000 showed a filter's first rows 20–30 ms later on a slow PC
(100,000 rows), for nothing: the next pages come as the table is scrolled."""

_TABLE = SyncLog._meta.table_name
_COLUMNS = "id, time, action, code, status, message, duration_ms, os_user"
_NEWEST_FIRST = "time DESC, id DESC"
_ESCAPE = "\\"


@dataclass(frozen=True)
class LogFilter:
    """Which sync-log rows: every one given must hold (an empty one is no condition)."""

    start: datetime | None = None  # from this time on, included
    end: datetime | None = None  # up to this time, included to the end of its second
    action: str = ""  # an action as logged: pull, push, export, …
    status: str = ""  # a status as logged: ok, failed, unknown, …
    text: str = ""  # found in the return code or the message, whatever the case of Latin letters
    code: str = ""  # one return's code, exactly
    up_to_id: int | None = None  # rows logged up to this one only: what a view was filled with

    @classmethod
    def days(cls, first: date | None, last: date | None, **criteria: object) -> LogFilter:
        """A filter over whole days, both included (China time, as the log is kept)."""
        return cls(
            start=datetime.combine(first, time(0, 0, 0)) if first is not None else None,
            end=datetime.combine(last, time(23, 59, 59)) if last is not None else None,
            **criteria,
        )

    def replace(self, **changes: object) -> LogFilter:
        return dataclasses.replace(self, **changes)

    def normalised(self) -> LogFilter:
        """Codes in the case they are logged in, texts without the spaces around them."""
        return self.replace(action=self.action.strip().lower(), status=self.status.strip().lower(),
                            text=self.text.strip(), code=self.code.strip())

    def narrows(self) -> bool:
        """Whether it leaves out any row of its snapshot."""
        plain = self.normalised()
        return any((plain.start, plain.end, plain.action, plain.status, plain.text, plain.code))


class LogRow(NamedTuple):
    id: int
    time: str  # as stored: yyyy-MM-dd HH:mm:ss (a fraction of a second only if one was given)
    action: str
    code: str | None
    status: str
    message: str
    duration_ms: int
    os_user: str


PageKey = tuple[str, int]
"""Where a page ended: the stored time and the id of its last row."""


def key_of(row: LogRow) -> PageKey:
    return row.time, row.id


def latest_id() -> int:
    """The id of the last row logged, 0 when the log is empty: the ``up_to_id`` of a view filled now."""
    return db.execute_sql(f"SELECT max(id) FROM {_TABLE}").fetchone()[0] or 0


def page(log_filter: LogFilter, after: PageKey | None = None, limit: int = PAGE) -> list[LogRow]:
    """Up to ``limit`` rows of the filter, newest first (by time, then by the order logged), after ``after``."""
    where, params = _where(log_filter)
    if after is not None:
        where.append("(time, id) < (?, ?)")
        params.extend(after)
    sql = f"SELECT {_COLUMNS} FROM {_TABLE}{_clause(where)} ORDER BY {_NEWEST_FIRST} LIMIT ?"
    return [LogRow(*row) for row in db.execute_sql(sql, [*params, limit]).fetchall()]


def count(log_filter: LogFilter) -> int:
    """How many rows the filter holds."""
    if not log_filter.narrows():
        # SQLite counts a whole table without reading its rows; those logged after the snapshot are a few at the end.
        later = " WHERE id > ?" if log_filter.up_to_id is not None else " WHERE 0"
        sql = f"SELECT (SELECT count(*) FROM {_TABLE}) - (SELECT count(*) FROM {_TABLE}{later})"
        return db.execute_sql(sql, [log_filter.up_to_id] if log_filter.up_to_id is not None else []).fetchone()[0]
    where, params = _where(log_filter)
    return db.execute_sql(f"SELECT count(*) FROM {_TABLE}{_clause(where)}", params).fetchone()[0]


def export_rows(log_filter: LogFilter, *, newest_first: bool) -> Iterator[tuple]:
    """Every row of the filter, streamed from one cursor, as ``(time yyyy-MM-dd HH:mm:ss, action, code, status,
    message, duration_ms, os_user)``: newest first as the view shows them, or in the order they were logged."""
    where, params = _where(log_filter)
    # SQLite formats the time in C: 100,000 datetimes parsed in Python would cost more than the file.
    sql = (f"SELECT strftime('%Y-%m-%d %H:%M:%S', time), action, code, status, message, duration_ms, os_user "
           f"FROM {_TABLE}{_clause(where)} ORDER BY {_NEWEST_FIRST if newest_first else 'id'}")
    cursor = db.execute_sql(sql, params)
    while rows := cursor.fetchmany(500):
        yield from rows


def actions_present() -> list[str]:
    """The actions the log holds, sorted by their code."""
    return _distinct("action")


def statuses_present() -> list[str]:
    """The statuses the log holds, sorted by their code."""
    return _distinct("status")


def _distinct(column: str) -> list[str]:
    # One index seek per distinct value (a skip scan), not a read of the whole index: a log holds a dozen values.
    sql = (f"WITH RECURSIVE present(value) AS (SELECT min({column}) FROM {_TABLE} UNION ALL "
           f"SELECT (SELECT min({column}) FROM {_TABLE} WHERE {column} > value) FROM present WHERE value IS NOT NULL) "
           "SELECT value FROM present WHERE value IS NOT NULL")
    return [row[0] for row in db.execute_sql(sql).fetchall()]


def like_pattern(text: str) -> str:
    """``text`` anywhere, as a ``LIKE`` pattern with ``ESCAPE '\\'``: its ``%``, ``_`` and ``\\`` match themselves."""
    escaped = text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def _where(log_filter: LogFilter) -> tuple[list[str], list[object]]:
    """The conditions of a filter, written so that SQLite reads the rows in the order shown from one index."""
    f = log_filter.normalised()
    where: list[str] = []
    params: list[object] = []
    if f.up_to_id is not None:
        # "+": never read as a range of rowids, then sorted by time (SQLite chose that beside version 2's indexes).
        where.append("+id <= ?")
        params.append(f.up_to_id)
    if f.start is not None:
        where.append("time >= ?")
        params.append(format_datetime(f.start))
    if f.end is not None:
        # Before the next second rather than <= the end: a time stored with a fraction of its last second is in.
        where.append("time < ?")
        params.append(format_datetime(f.end + timedelta(seconds=1)))
    if f.code:
        where.append("code = ?")
        params.append(f.code)
    action, status = "action", "status"
    if f.action and f.status and not f.code:
        # Two indexes would do; the one of the rarer value reads fewer rows. Counting each in its index is cheap.
        if _count_of("action", f.action, f.up_to_id) < _count_of("status", f.status, f.up_to_id):
            status = "+status"
        else:
            action = "+action"
    if f.action:
        where.append(f"{action} = ?")
        params.append(f.action)
    if f.status:
        where.append(f"{status} = ?")
        params.append(f.status)
    if f.text:
        pattern = like_pattern(f.text)
        where.append(f"(code LIKE ? ESCAPE '{_ESCAPE}' OR message LIKE ? ESCAPE '{_ESCAPE}')")
        params.extend((pattern, pattern))
    return where, params


def _count_of(column: str, value: str, up_to_id: int | None) -> int:
    bound = " AND +id <= ?" if up_to_id is not None else ""
    params = [value, up_to_id] if up_to_id is not None else [value]
    return db.execute_sql(f"SELECT count(*) FROM {_TABLE} WHERE {column} = ?{bound}", params).fetchone()[0]


def _clause(where: list[str]) -> str:
    return " WHERE " + " AND ".join(where) if where else ""
