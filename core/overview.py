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
from core.states import ReturnState, ledger_note, return_state
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
    amo_cents: int | None
    note: str  # why it is blocked, what to look at, or 精诚's number: the first line of ``details``
    details: str  # every problem and warning, one a line
    sheet_no: str  # 精诚's own number, once posted
    stale: bool  # its review was made under other rules, or not yet: it is being checked again


class Listed(NamedTuple):
    """One return for the ``list`` command."""

    row: Row
    shop_code: str
    modify_date: str
    cancel: bool
    receive: bool
    ledger_status: str | None


def _query(codes: Iterable[str] | None) -> Iterator[tuple]:
    english = i18n.current() == "en"
    columns = (
        ReturnRecord.code, ReturnRecord.receive_date, ReturnRecord.create_date, ReturnRecord.shop_name,
        ReturnRecord.platform_code, ReturnRecord.shop_code, ReturnRecord.modify_date, ReturnRecord.cancel,
        ReturnRecord.receive,
        ReturnReview.stamp, ReturnReview.ready, ReturnReview.sheet_hash, ReturnReview.lines, ReturnReview.qua,
        ReturnReview.amo, ReturnReview.amo_cents,
        ReturnReview.blocking_en if english else ReturnReview.blocking_zh,
        ReturnReview.warnings_en if english else ReturnReview.warnings_zh,
        LedgerEntry.status, LedgerEntry.sheet_no, LedgerEntry.sheet_hash, LedgerEntry.message,
    )
    query = (ReturnRecord.select(*columns)
             .join(ReturnReview, pw.JOIN.LEFT_OUTER, on=(ReturnReview.code == ReturnRecord.code))
             .join_from(ReturnRecord, LedgerEntry, pw.JOIN.LEFT_OUTER, on=(LedgerEntry.sheet_id == ReturnRecord.code))
             .order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code))
    if codes is None:
        yield from _raw(query)
        return
    for chunk in pw.chunked(list(dict.fromkeys(codes)), CODES_PER_QUERY):
        yield from _raw(query.where(ReturnRecord.code.in_(chunk)))


def _raw(query: pw.Select) -> list[tuple]:
    """The query's rows as SQLite gives them: every column here is text, a number or a 0/1 flag already, and peewee's
    conversion of each value would double the time a table of tens of thousands takes to load."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _row(values: tuple, stamp: str | None) -> Row:
    (code, receive_date, create_date, shop_name, platform_code, _shop_code, _modify_date, _cancel, _receive,
     review_stamp, ready, sheet_hash, lines, qua, amo, amo_cents, blocking, warnings,
     ledger_status, sheet_no, posted_hash, ledger_message) = values
    reviewed = review_stamp is not None
    state = return_state(ledger_status, bool(ready), sheet_hash, posted_hash)
    problems = [BLOCKING_MARK + line for line in (blocking or "").splitlines()]
    problems += [WARNING_MARK + line for line in (warnings or "").splitlines()]
    if not reviewed:
        problems.insert(0, t("正在按当前规则检查…", "Being checked against the current rules…"))
    note = ledger_note(state, sheet_no, ledger_message or "") or (problems[0] if problems else "")
    details = "\n".join(dict.fromkeys([note, *problems, *([ledger_message] if ledger_message else [])]))
    return Row(code, state, receive_date or "", create_date or "", shop_name or "", platform_code or "", lines,
               qua or "", amo or "", amo_cents, note, details.strip(), sheet_no or "",
               not reviewed or (stamp is not None and review_stamp != stamp))


def load_rows(codes: Iterable[str] | None = None, stamp: str | None = None) -> list[Row]:
    """Every pulled return (or those of ``codes``), newest receipt first. ``stamp`` is the current review stamp
    (:func:`core.review.Context.current`), to tell rows whose review is stale; without it only unreviewed rows are."""
    return [_row(values, stamp) for values in _query(codes)]


def list_returns(state: str | None = None) -> list[Listed]:
    """Every pulled return with its state (only those in ``state`` when given), for the ``list`` command."""
    listed = []
    for values in _query(None):
        row = _row(values, None)
        if state and row.state != state:
            continue
        shop_code, modify_date, cancel, receive = values[5:9]
        listed.append(Listed(row, shop_code or "", modify_date or "", bool(cancel), bool(receive), values[18]))
    return listed


def raw_text(code: str) -> str | None:
    """The record of ``code`` as pulled, indented for reading, numbers exactly as sent (``146.10``); ``None`` if it
    was never pulled."""
    record = ReturnRecord.get_or_none(ReturnRecord.code == code)
    return None if record is None else dump_raw(load_raw(record.raw_json), indent=2)
