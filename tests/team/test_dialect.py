"""The store's own SQL, written for the local SQLite file, on the shared database: the log view's pages, counts and
CSV export (times as text, a text search with % and _), value tables replaced and changed, settings, reviews stored
(INSERT OR REPLACE), and a read after the server dropped the connection done again on a new one."""

from __future__ import annotations

import csv
from pathlib import Path

from core import review, settings, synclog
from core.export import export_log
from core.mapping import value_tables
from core.pull import store_window
from core.sandbox import Sandbox
from core.store import ReturnReview, write_log
from core.team.connection import _placeholders
from core.timeutil import now_china


def test_sqlite_placeholders_become_psycopg_ones():
    assert _placeholders("SELECT 1 FROM t WHERE a = ? AND b LIKE '50%?'") == (
        "SELECT 1 FROM t WHERE a = %s AND b LIKE '50%%?'"
    )
    assert _placeholders('SELECT "x" FROM t WHERE a = %s') == 'SELECT "x" FROM t WHERE a = %s'  # peewee's own


def test_the_log_view_reads_pages_counts_and_exports(team, tmp_path: Path):
    for n in range(30):
        write_log("push", "posted" if n % 3 else "failed", f"单据 {n} 100% 完成_{n}", code=f"R{n:03}")
    everything = synclog.LogFilter()
    first = synclog.page(everything, limit=10)
    assert len(first) == 10 and isinstance(first[0].time, str) and len(first[0].time) >= 19
    following = synclog.page(everything, after=synclog.key_of(first[-1]), limit=50)
    assert len(first) + len(following) == synclog.count(everything) == 30
    assert synclog.count(everything.replace(up_to_id=synclog.latest_id())) == 30
    assert synclog.count(synclog.LogFilter(status="failed", action="push")) == 10
    assert [r.code for r in synclog.page(synclog.LogFilter(text="100% 完成_7"))] == ["R007"]
    assert synclog.statuses_present() == ["failed", "posted"]
    written = export_log(tmp_path / "log.csv", synclog.LogFilter(status="failed"))
    with open(tmp_path / "log.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert written == 10 == len(rows) - 1 and rows[1][0][:4] == now_china().strftime("%Y")


def test_value_tables_settings_and_reviews(team):
    shops = value_tables.TABLES["shops"]
    row = {"shop_code": "S1", "customer_code": "C1", "customer_name": "店一"}
    assert value_tables.set_row(shops, row) and not value_tables.set_row(shops, row)
    changes = value_tables.apply_rows(shops, [{**row, "customer_code": "C2"}], replace=True)
    assert (changes.changed, changes.added) == (1, 0)
    assert value_tables.list_rows(shops) == [{**row, "customer_code": "C2"}]
    settings.set_value("mapping.red_value", "RR")
    settings.set_value("mapping.red_value", "R2")
    assert settings.get("mapping.red_value") == "R2"
    with Sandbox(returns=6, days=3, seed=61) as sb:
        context = review.Context.current()
        records = {r["code"]: r for r in sb.guanyi.records}
        store_window(records, now_china(), context=context)
        store_window(records, now_china(), context=context)  # reviews replaced, not doubled
    assert ReturnReview.select().count() == len(records) and review.stale_codes() == []


def test_a_read_after_the_server_dropped_the_connection_is_done_again(team, terminate):
    settings.set_value("mapping.red_value", "RX")
    assert terminate() == 1
    assert settings.get("mapping.red_value") == "RX"


def test_the_returns_table_reads_the_same_states_as_from_the_local_file(team):
    from core import overview, push
    from core.states import ReturnState
    from tests.support.pushing import load_returns, ready_codes, use_sandbox

    with Sandbox(returns=30, days=5, seed=62) as sb:
        use_sandbox(sb)
        load_returns(sb)
        ready = ready_codes()
        push.push(ready[:3])
        rows = {row.code: row for row in overview.load_rows()}
    assert len(rows) == 30 and {rows[code].state for code in ready[:3]} == {ReturnState.POSTED}
    assert {rows[code].state for code in ready[3:]} == {ReturnState.READY}
    assert all(rows[code].sheet_no for code in ready[:3]) and not any(row.stale for row in rows.values())
    blocked = [row for row in rows.values() if row.code not in ready]
    assert blocked and all(row.note for row in blocked)  # the first line of the review's problems
    assert {listed.row.code for listed in overview.list_returns(ReturnState.POSTED)} == set(ready[:3])
