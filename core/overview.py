"""The pulled returns as the accountant looks them over: the rows of the window's table, the ``list`` command's
listing, and one return's raw record as 管易云 sent it. Read only, and without mapping a single return: each row is
the return's indexed columns, its review (:mod:`core.review`) and its ledger row, read in one query, and its state
in the one vocabulary of :class:`~core.states.ReturnState`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

import peewee as pw

from core import i18n
from core.guanyi.returns import dump_raw, load_raw
from core.i18n import t
from core.states import ReturnState, ledger_note, state_of
from core.store import CODES_PER_QUERY, LedgerEntry, ReturnRecord, ReturnReview, db

BLOCKING_MARK, WARNING_MARK = "✖ ", "⚠ "


class Row(NamedTuple):
    """One return as the table shows it: every text ready to show, every number ready to sort by."""

    code: str
    state: ReturnState
    receive_date: str  # yyyy-MM-dd HH:mm:ss, or "" when not received
    create_date: str
    shop: str
    platform_code: str
    lines: int | None  # lines of the sheet; None without a sheet
    qua: str  # the sheet's Qua and Amo as sent; "" without a sheet
    amo: str
    qua_micro: int | None  # Qua in millionths, exact: to sort by
    amo_cents: int | None  # Amo in cents, exact: to sort by and to total
    note: str  # why it is blocked, what to look at, or 精诚's number: the first line of ``details``
    blocking: str  # the mapping's blocking problems, one a line
    warnings: str  # and its warnings
    ledger_message: str  # what the last push came to
    sheet_no: str  # 精诚's own number, once posted
    stale: bool  # its review was made under other rules, or not yet: it is being checked again

    @property
    def details(self) -> str:
        """The note, every problem and warning, and the last push's message, one a line (a tooltip)."""
        lines = [self.note, *(BLOCKING_MARK + line for line in self.blocking.splitlines()),
                 *(WARNING_MARK + line for line in self.warnings.splitlines()), self.ledger_message]
        return "\n".join(line for line in dict.fromkeys(lines) if line)


class Listed(NamedTuple):
    """One return for the ``list`` command."""

    row: Row
    shop_code: str
    modify_date: str
    cancel: bool
    receive: bool
    ledger_status: str | None


def _query(codes: Iterable[str] | None, *extra: pw.Field) -> Iterator[tuple]:
    """The columns a row is made of (and ``extra`` ones after them): what the table shows, the review's verdict, and
    the ledger's status — with whether the sheet the return maps to now is the one posted, decided by SQLite."""
    english = i18n.current() == "en"
    as_posted = ReturnReview.sheet_hash.is_null(False) & (
        LedgerEntry.sheet_hash.is_null() | (LedgerEntry.sheet_hash == ReturnReview.sheet_hash))
    columns = (
        ReturnRecord.code, ReturnRecord.receive_date, ReturnRecord.create_date, ReturnRecord.shop_name,
        ReturnRecord.platform_code,
        ReturnReview.stamp, ReturnReview.ready, ReturnReview.lines, ReturnReview.qua, ReturnReview.amo,
        ReturnReview.qua_micro, ReturnReview.amo_cents,
        ReturnReview.blocking_en if english else ReturnReview.blocking_zh,
        ReturnReview.warnings_en if english else ReturnReview.warnings_zh,
        LedgerEntry.status, LedgerEntry.sheet_no, LedgerEntry.message, as_posted, *extra,
    )
    query = (ReturnRecord.select(*columns)
             .join(ReturnReview, pw.JOIN.LEFT_OUTER, on=(ReturnReview.code == ReturnRecord.code))
             .join_from(ReturnRecord, LedgerEntry, pw.JOIN.LEFT_OUTER, on=(LedgerEntry.sheet_id == ReturnRecord.code))
             .order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code))
    if codes is None:
        _read_ahead()
        yield from _raw(query)
        return
    for chunk in pw.chunked(list(dict.fromkeys(codes)), CODES_PER_QUERY):
        yield from _raw(query.where(ReturnRecord.code.in_(chunk)))


def _read_ahead() -> None:
    """Read the review and ledger tables straight through before the query looks each row up in them. On the first
    start of the day their pages are on disk, not in memory: looked up in the table's order, return by return, 50,000
    returns took 0.9–1.0 s; read through first, 0.45–0.5 s. In memory already, this costs about 20 ms."""
    for table, column in ((ReturnReview, ReturnReview.blocking_zh), (LedgerEntry, LedgerEntry.message)):
        _raw(table.select(pw.fn.SUM(pw.fn.LENGTH(column))))  # a column no index holds: the table's own pages


def _raw(query: pw.Select) -> list[tuple]:
    """The query's rows as SQLite gives them: every column here is text, a number or a 0/1 flag already, and peewee's
    conversion of each value would double the time a table of tens of thousands takes to load."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _row(values: tuple, stamp: str | None, checking: str) -> Row:
    """Done once a return for tens of thousands of them: only what the table shows and sorts by; the tooltip's text is
    put together when asked for (:attr:`Row.details`)."""
    (code, receive_date, create_date, shop_name, platform_code, review_stamp, ready, lines, qua, amo, qua_micro,
     amo_cents, blocking, warnings, ledger_status, sheet_no, ledger_message, as_posted) = values[:18]
    state = state_of(ledger_status, bool(ready), bool(as_posted))
    note = ledger_note(state, sheet_no, ledger_message) if ledger_status else ""
    if not note:
        if review_stamp is None:
            note = checking
        elif blocking:
            note = BLOCKING_MARK + blocking.partition("\n")[0]
        elif warnings:
            note = WARNING_MARK + warnings.partition("\n")[0]
    return Row(code, state, receive_date or "", create_date or "", shop_name or "", platform_code or "", lines,
               qua or "", amo or "", qua_micro, amo_cents, note, blocking or "", warnings or "", ledger_message or "",
               sheet_no or "", review_stamp is None or (stamp is not None and review_stamp != stamp))


def _checking() -> str:
    return t("正在按当前规则检查…", "Being checked against the current rules…")


def load_rows(codes: Iterable[str] | None = None, stamp: str | None = None) -> list[Row]:
    """Every pulled return (or those of ``codes``), newest receipt first. ``stamp`` is the current review stamp
    (:func:`core.review.Context.current`), to tell rows whose review is stale; without it only unreviewed rows are."""
    checking = _checking()
    return [_row(values, stamp, checking) for values in _query(codes)]


def list_returns(state: str | None = None) -> list[Listed]:
    """Every pulled return with its state (only those in ``state`` when given), for the ``list`` command."""
    listed = []
    checking = _checking()
    extra = (ReturnRecord.shop_code, ReturnRecord.modify_date, ReturnRecord.cancel, ReturnRecord.receive)
    for values in _query(None, *extra):
        row = _row(values, None, checking)
        if state and row.state != state:
            continue
        shop_code, modify_date, cancel, receive = values[18:]
        listed.append(Listed(row, shop_code or "", modify_date or "", bool(cancel), bool(receive), values[14]))
    return listed


def raw_text(code: str) -> str | None:
    """The record of ``code`` as pulled, indented for reading, numbers exactly as sent (``146.10``); ``None`` if it
    was never pulled."""
    record = ReturnRecord.get_or_none(ReturnRecord.code == code)
    return None if record is None else dump_raw(load_raw(record.raw_json), indent=2)
