"""The pulled returns as the accountant looks them over: the rows of the window's table, the ``list`` command's
listing, and one return's raw record as 管易云 sent it. Read only, and without mapping a single return: each row is
the return's indexed columns, its review (:mod:`core.review`) and its ledger row, read in one query, and its state
in the one vocabulary of :class:`~core.states.ReturnState`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import peewee as pw

from core import i18n
from core.guanyi.returns import dump_raw, load_raw
from core.i18n import t
from core.mapping.numbers import amount_text, quantity_text
from core.states import ReturnState, SheetStatus, ledger_note, state_of
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
    qua_micro: int | None  # the sheet's Qua in millionths, exact: to sort by (its text: :attr:`qua`)
    amo_cents: int | None  # the sheet's Amo in cents, exact: to sort by and to total (its text: :attr:`amo`)
    note: str  # why it is blocked, what to look at, or 精诚's number: the first line of :func:`details`
    sheet_no: str  # 精诚's own number, once posted
    stale: bool  # its review was made under other rules, or not yet: it is being checked again
    sent: tuple[str, str] | None = None  # Qua and Amo as sent, kept only when a number is past SQLite's integers

    @property
    def qua(self) -> str:
        """The sheet's Qua as sent ("" without a sheet): its text is a function of the exact number (SPEC §4)."""
        if self.sent is not None:
            return self.sent[0]
        return "" if self.qua_micro is None else _quantity(self.qua_micro)

    @property
    def amo(self) -> str:
        if self.sent is not None:
            return self.sent[1]
        return "" if self.amo_cents is None else _amount(self.amo_cents)


@lru_cache(maxsize=4096)
def _quantity(micro: int) -> str:
    return quantity_text(Decimal(micro).scaleb(-6))


@lru_cache(maxsize=4096)
def _amount(cents: int) -> str:
    return amount_text(Decimal(cents).scaleb(-2))


class Listed(NamedTuple):
    """One return for the ``list`` command."""

    row: Row
    shop_code: str
    modify_date: str
    cancel: bool
    receive: bool
    ledger_status: str | None


# Every (ledger status, mapping ready, as posted) a row can have, numbered by SQLite (:func:`_state_number`) and named
# here once, by :func:`state_of`: the table's state is decided in one place, without a Python call per return.
_STATUSES = (None, *SheetStatus)
_STATES = tuple(state_of(status, ready, as_posted)
                for status in _STATUSES for ready in (False, True) for as_posted in (False, True))


def _state_number(ready: pw.Node, as_posted: pw.Node) -> pw.Node:
    status = pw.Case(LedgerEntry.status, [(str(s), n) for n, s in enumerate(_STATUSES) if s is not None], 0)
    # CASE rather than arithmetic on the flags: the same in SQLite, and PostgreSQL's booleans (team mode) take none.
    return status * 4 + pw.Case(None, [(ready, 2)], 0) + pw.Case(None, [(as_posted, 1)], 0)


def _review_texts() -> tuple[pw.Field, pw.Field]:
    """The review's blocking problems and warnings, in the user's language."""
    if i18n.current() == "en":
        return ReturnReview.blocking_en, ReturnReview.warnings_en
    return ReturnReview.blocking_zh, ReturnReview.warnings_zh


def _whole(number: pw.Field) -> pw.Node:
    """Whether a stored number is the exact integer: SQLite keeps one past 2⁶³ as a float (PostgreSQL refuses it)."""
    if isinstance(db.obj, pw.SqliteDatabase):
        return pw.fn.TYPEOF(number) != "real"
    return pw.Value(True)


def _first_line(text: pw.Node) -> pw.Node:
    return pw.fn.SUBSTR(text, 1, pw.fn.INSTR(text.concat("\n"), "\n") - 1)


_COLUMNS = 13  # the columns of a row the query gives, before any extra ones


def _query(codes: Iterable[str] | None, stamp: str | None, *extra: pw.Field) -> Iterator[tuple]:
    """The rows of the table, as SQLite makes them, and ``extra`` columns after them. SQLite does what it does for
    every return — the state's number, the note from the review's first problem, the blanks for what is missing —
    and hands over short values only: a review's problems and warnings (a hundred characters or so, on every return)
    are read once a return is looked at (:func:`details`)."""
    blocking, warnings = _review_texts()
    as_posted = ReturnReview.sheet_hash.is_null(False) & (
        LedgerEntry.sheet_hash.is_null() | (LedgerEntry.sheet_hash == ReturnReview.sheet_hash))
    note = pw.Case(None, [
        (ReturnReview.stamp.is_null(), _checking()),
        (blocking != "", pw.Value(BLOCKING_MARK).concat(_first_line(blocking))),
        (warnings != "", pw.Value(WARNING_MARK).concat(_first_line(warnings))),
    ], "")
    stale = ReturnReview.stamp.is_null() | ((ReturnReview.stamp != stamp) if stamp is not None else pw.Value(False))
    whole = _whole(ReturnReview.qua_micro) & _whole(ReturnReview.amo_cents)
    blank = ""
    columns = (
        ReturnRecord.code, _state_number(ReturnReview.ready, as_posted) * 2 + pw.Case(None, [(stale, 1)], 0),
        pw.fn.COALESCE(ReturnRecord.receive_date, blank), pw.fn.COALESCE(ReturnRecord.create_date, blank),
        pw.fn.COALESCE(ReturnRecord.shop_name, blank), pw.fn.COALESCE(ReturnRecord.platform_code, blank),
        ReturnReview.lines, ReturnReview.qua_micro, ReturnReview.amo_cents, note,
        pw.fn.COALESCE(LedgerEntry.sheet_no, blank),
        pw.Case(None, [(whole, None)], ReturnReview.qua), pw.Case(None, [(whole, None)], ReturnReview.amo), *extra,
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


def _rows(raw: list[tuple]) -> list[Row]:
    """Done once a return for tens of thousands of them, so only a lookup and a tuple (made by ``tuple.__new__``, not
    through the named tuple's own constructor, a Python call a row): a return with a ledger row (a few in a hundred)
    has its note from the ledger when the ledger has one."""
    states, new = _STATES, tuple.__new__
    told = [values[0] for values in raw if states[values[1] >> 1] in _TOLD_BY_LEDGER]
    messages = _messages(told, every=len(raw) > CODES_PER_QUERY) if told else {}
    return [new(Row, (code, states[n >> 1], received, created, shop, platform, lines, qua_micro, amo_cents,
                      (ledger_note(states[n >> 1], sheet_no, messages.get(code, "")) or note) if n >= 8 else note,
                      sheet_no, n & 1 == 1, None if qua is None else (qua, amo)))
            for (code, n, received, created, shop, platform, lines, qua_micro, amo_cents, note, sheet_no, qua, amo,
                 *_) in raw]


# The states whose note is the last push's message (core.states.ledger_note).
_TOLD_BY_LEDGER = (ReturnState.FAILED, ReturnState.UNKNOWN)


def _messages(codes: list[str], every: bool) -> dict[str, str]:
    """What the last push of each of ``codes`` came to, where it said something; ``every``: read the whole ledger's
    messages at once (for a whole table, one pass beats thousands of looked-up codes)."""
    said = LedgerEntry.select(LedgerEntry.sheet_id, LedgerEntry.message).where(LedgerEntry.message != "")
    if every:
        return dict(_raw(said))
    found: dict[str, str] = {}
    for chunk in pw.chunked(codes, CODES_PER_QUERY):
        found.update(_raw(said.where(LedgerEntry.sheet_id.in_(chunk))))
    return found


def _checking() -> str:
    return t("正在按当前规则检查…", "Being checked against the current rules…")


def load_rows(codes: Iterable[str] | None = None, stamp: str | None = None) -> list[Row]:
    """Every pulled return (or those of ``codes``), newest receipt first. ``stamp`` is the current review stamp
    (:func:`core.review.Context.current`), to tell rows whose review is stale; without it only unreviewed rows are."""
    return _rows(list(_query(codes, stamp)))


def details(code: str) -> str:
    """What the table's tooltip says of a return: its note, every problem and warning of its review, and what the
    last push came to, one a line ("" for a return never pulled)."""
    blocking, warnings = (ReturnReview.select(*_review_texts()).where(ReturnReview.code == code).tuples().first()
                          or ("", ""))
    message = (LedgerEntry.select(LedgerEntry.message).where(LedgerEntry.sheet_id == code).scalar()) or ""
    rows = load_rows([code])
    note = rows[0].note if rows else ""
    lines = [note, *(BLOCKING_MARK + line for line in blocking.splitlines()),
             *(WARNING_MARK + line for line in warnings.splitlines()), message]
    return "\n".join(line for line in dict.fromkeys(lines) if line)


def list_returns(state: str | None = None) -> list[Listed]:
    """Every pulled return with its state (only those in ``state`` when given), for the ``list`` command."""
    extra = (ReturnRecord.shop_code, ReturnRecord.modify_date, ReturnRecord.cancel, ReturnRecord.receive,
             LedgerEntry.status)
    raw = list(_query(None, None, *extra))
    listed = []
    for row, values in zip(_rows(raw), raw, strict=True):
        if state and row.state != state:
            continue
        shop_code, modify_date, cancel, receive, ledger_status = values[_COLUMNS:]
        listed.append(Listed(row, shop_code or "", modify_date or "", bool(cancel), bool(receive), ledger_status))
    return listed


def raw_text(code: str) -> str | None:
    """The record of ``code`` as pulled, indented for reading, numbers exactly as sent (``146.10``); ``None`` if it
    was never pulled."""
    record = ReturnRecord.get_or_none(ReturnRecord.code == code)
    return None if record is None else dump_raw(load_raw(record.raw_json), indent=2)
