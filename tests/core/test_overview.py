"""The table's rows as SQLite makes them (core.overview): each row's state, note and numbers are the ones the review,
the ledger and the one state rule (core.states.return_state) give, read back the slow way, one model object at a time;
and the tooltip's whole story, read when asked for."""

from __future__ import annotations

import peewee as pw
import pytest

from core import i18n, overview, review
from core.states import ReturnState, ledger_note, return_state
from core.store import LedgerEntry, ReturnRecord, ReturnReview
from tests.support.every_state import every_state_rows


@pytest.fixture
def rows(db) -> list[overview.Row]:
    return every_state_rows()


def _expected(code: str, stamp: str) -> overview.Row:
    record = ReturnRecord.get_by_id(code)
    reviewed = ReturnReview.get_or_none(ReturnReview.code == code)
    entry = LedgerEntry.get_or_none(LedgerEntry.sheet_id == code)
    state = return_state(entry and entry.status, bool(reviewed and reviewed.ready), reviewed and reviewed.sheet_hash,
                         entry and entry.sheet_hash)
    note = ledger_note(state, entry.sheet_no, entry.message) if entry else ""
    if not note and reviewed is not None:
        if reviewed.blocking_zh:
            note = overview.BLOCKING_MARK + reviewed.blocking_zh.splitlines()[0]
        elif reviewed.warnings_zh:
            note = overview.WARNING_MARK + reviewed.warnings_zh.splitlines()[0]
    return overview.Row(
        code, state, record.receive_date or "", record.create_date or "", record.shop_name or "",
        record.platform_code or "", reviewed.lines, reviewed.qua_micro, reviewed.amo_cents, note,
        (entry and entry.sheet_no) or "", reviewed.stamp != stamp)


def test_every_row_is_what_the_review_the_ledger_and_the_state_rule_make_of_it(rows):
    stamp = review.Context.current().stamp
    assert [_expected(row.code, stamp) for row in rows] == rows
    # Qua and Amo are shown as they are sent, made from the exact numbers.
    reviewed = {r.code: r for r in ReturnReview.select()}
    assert [(row.qua, row.amo) for row in rows] == [(reviewed[row.code].qua or "", reviewed[row.code].amo or "")
                                                     for row in rows]
    assert any(row.qua and "." in row.amo for row in rows)
    assert {row.state for row in rows} == set(ReturnState)
    assert any(row.note.startswith(overview.BLOCKING_MARK) for row in rows)
    assert any(row.sheet_no for row in rows)


def test_rows_come_newest_receipt_first_and_a_few_codes_read_as_the_whole_table_does(rows):
    received = [row.receive_date for row in rows if row.receive_date]
    assert received == sorted(received, reverse=True)
    some = [row.code for row in rows[::7]]
    assert overview.load_rows(reversed(some), stamp=review.Context.current().stamp) == [
        row for row in rows if row.code in some]


def test_a_number_past_sqlites_integers_is_shown_as_sent_not_through_a_float(rows):
    code = next(row.code for row in rows if row.amo)
    # SQLite keeps an integer past 2⁶³ as a float: the texts as sent are read instead of the number's.
    ReturnReview.update(qua="12345678901234.5", qua_micro=pw.SQL("12345678901234500000")).where(
        ReturnReview.code == code).execute()
    row = overview.load_rows([code])[0]
    assert row.qua == "12345678901234.5" and row.amo == ReturnReview.get_by_id(code).amo
    assert overview.load_rows([next(r.code for r in rows if r.amo and r.code != code)])[0].sent is None


def test_a_review_of_other_rules_or_none_is_stale_and_says_it_is_being_checked(rows):
    code = rows[3].code
    assert not overview.load_rows([code], stamp=review.Context.current().stamp)[0].stale
    assert overview.load_rows([code], stamp="other rules")[0].stale
    ReturnReview.delete().where(ReturnReview.code == code).execute()
    unreviewed = overview.load_rows([code])[0]
    assert unreviewed.stale and unreviewed.note == "正在按当前规则检查…" and unreviewed.lines is None


def test_the_tooltip_tells_every_problem_every_warning_and_the_last_push(rows):
    blocked = next(row for row in rows if row.state is ReturnState.BLOCKED)
    reviewed = ReturnReview.get_by_id(blocked.code)
    told = overview.details(blocked.code).splitlines()
    assert told[0] == blocked.note
    assert [overview.BLOCKING_MARK + line for line in reviewed.blocking_zh.splitlines()] == [
        line for line in told if line.startswith(overview.BLOCKING_MARK)]
    assert [overview.WARNING_MARK + line for line in reviewed.warnings_zh.splitlines()] == [
        line for line in told if line.startswith(overview.WARNING_MARK)]
    failed = next(row for row in rows if row.state is ReturnState.FAILED)
    assert overview.details(failed.code).splitlines()[0] == "精诚拒收：客户不存在"  # the note, told once
    assert overview.details("no such return") == ""


def test_english_rows_say_it_in_english(rows):
    blocked = next(row for row in rows if row.state is ReturnState.BLOCKED)
    i18n.set_language("en")  # the test's language is put back after it (tests/conftest.py)
    english = overview.load_rows([blocked.code])[0]
    told = overview.details(blocked.code)
    reviewed = ReturnReview.get_by_id(blocked.code)
    assert english.note == overview.BLOCKING_MARK + reviewed.blocking_en.splitlines()[0]
    assert told.splitlines()[0] == english.note
