"""The sync log read through a filter (core.synclog), over a real SQLite file: each criterion alone and together,
newest first, LIKE escaping, keyset pages that give every row exactly once, the snapshot, and plans that read the
rows in the order shown from an index."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from core import store, synclog
from core.store import SyncLog
from core.synclog import LogFilter


def _log(time: str, action: str = "push", status: str = "ok", message: str = "", code: str | None = None) -> int:
    return SyncLog.create(time=datetime.strptime(time, "%Y-%m-%d %H:%M:%S"), action=action, code=code, status=status,
                          message=message, duration_ms=5, os_user="会计小王").id


def _all(log_filter: LogFilter, page_size: int = synclog.PAGE) -> list[synclog.LogRow]:
    """Every row of the filter, read page by page as the view reads them."""
    rows: list[synclog.LogRow] = []
    after = None
    while True:
        chunk = synclog.page(log_filter, after, page_size)
        rows += chunk
        if len(chunk) < page_size:
            return rows
        after = synclog.key_of(chunk[-1])


def _messages(log_filter: LogFilter) -> list[str]:
    return [row.message for row in synclog.page(log_filter)]


@pytest.fixture
def sample(db):
    """Nine rows over three days, logged out of time order (as a second process or a changed clock can)."""
    _log("2026-03-02 10:00:00", "pull", "ok", "拉取 12 张", None)
    _log("2026-03-01 09:00:00", "push", "posted", "推送成功，精诚单号 JC1", "R1")
    _log("2026-03-01 09:00:05", "push", "failed", "精诚返回 Flag 0", "R2")
    _log("2026-03-03 08:00:00", "mark", "posted", "经核对精诚已有此单", "R2")
    _log("2026-03-02 23:59:59", "push", "unknown", "读取超时", "R3")
    _log("2026-03-03 00:00:00", "export", "ok", "同步日志 → log.csv", None)
    _log("2026-03-01 00:00:00", "recover", "unknown", "启动时发现推送中的单据 r3", "R3")
    _log("2026-02-28 23:59:59", "config", "ok", "mapping.remark_length: 200 -> 100", None)
    _log("2026-03-02 10:00:00", "push", "failed", "FLAG 0：客户不存在", "R4")  # same second as the first row


def test_no_filter_gives_every_row_newest_first_ties_in_the_order_logged_reversed(sample):
    rows = synclog.page(LogFilter())
    assert [row.time for row in rows] == sorted((row.time for row in rows), reverse=True)
    assert len(rows) == 9 == synclog.count(LogFilter())
    same_second = [row.message for row in rows if row.time == "2026-03-02 10:00:00"]
    assert same_second == ["FLAG 0：客户不存在", "拉取 12 张"]  # logged last, shown first
    assert rows[0].message == "经核对精诚已有此单" and rows[-1].message.startswith("mapping.")


def test_whole_days_include_both_ends_and_nothing_beyond(sample):
    rows = synclog.page(LogFilter.days(date(2026, 3, 1), date(2026, 3, 2)))
    assert [row.time for row in rows] == ["2026-03-02 23:59:59", "2026-03-02 10:00:00", "2026-03-02 10:00:00",
                                          "2026-03-01 09:00:05", "2026-03-01 09:00:00", "2026-03-01 00:00:00"]
    assert synclog.count(LogFilter.days(date(2026, 3, 1), date(2026, 3, 2))) == 6
    assert [row.time for row in synclog.page(LogFilter.days(date(2026, 3, 3), None))] == [
        "2026-03-03 08:00:00", "2026-03-03 00:00:00"]
    assert [row.time for row in synclog.page(LogFilter.days(None, date(2026, 2, 28)))] == ["2026-02-28 23:59:59"]


def test_the_end_of_a_day_includes_a_time_stored_with_a_fraction_of_its_last_second(db):
    SyncLog.create(time=datetime(2026, 3, 1, 23, 59, 59, 500_000), action="push", status="ok", message="late")
    SyncLog.create(time=datetime(2026, 3, 2, 0, 0, 0), action="push", status="ok", message="next day")
    assert _messages(LogFilter.days(date(2026, 3, 1), date(2026, 3, 1))) == ["late"]


def test_one_action(sample):
    assert _messages(LogFilter(action="push")) == ["读取超时", "FLAG 0：客户不存在", "精诚返回 Flag 0",
                                                   "推送成功，精诚单号 JC1"]
    assert _messages(LogFilter(action=" Mark ")) == ["经核对精诚已有此单"]  # as logged: lower case, no spaces
    assert synclog.count(LogFilter(action="push")) == 4
    assert synclog.page(LogFilter(action="import")) == [] and synclog.count(LogFilter(action="import")) == 0


def test_one_status(sample):
    assert _messages(LogFilter(status="unknown")) == ["读取超时", "启动时发现推送中的单据 r3"]
    assert _messages(LogFilter(status="posted")) == ["经核对精诚已有此单", "推送成功，精诚单号 JC1"]
    assert synclog.count(LogFilter(status="ok")) == 3


def test_one_return_code_exactly(sample):
    assert _messages(LogFilter(code="R2")) == ["经核对精诚已有此单", "精诚返回 Flag 0"]
    assert synclog.page(LogFilter(code="R")) == []


def test_text_in_the_code_or_the_message_in_any_case(sample):
    assert _messages(LogFilter(text="flag 0")) == ["FLAG 0：客户不存在", "精诚返回 Flag 0"]
    # "r3" is R3's code in any case, and is in the text of the recovery row too.
    assert _messages(LogFilter(text="r3")) == ["读取超时", "启动时发现推送中的单据 r3"]
    assert _messages(LogFilter(text="  精诚单号 ")) == ["推送成功，精诚单号 JC1"]
    assert synclog.count(LogFilter(text="精诚")) == 3


def test_criteria_together(sample):
    both = LogFilter(action="push", status="failed")
    assert _messages(both) == ["FLAG 0：客户不存在", "精诚返回 Flag 0"]
    assert _messages(both.replace(text="客户")) == ["FLAG 0：客户不存在"]
    assert _messages(LogFilter.days(date(2026, 3, 1), date(2026, 3, 1), action="push", status="failed")) == [
        "精诚返回 Flag 0"]
    assert _messages(LogFilter(code="R3", status="unknown", action="recover")) == ["启动时发现推送中的单据 r3"]
    assert _messages(LogFilter.days(date(2026, 3, 2), None, code="R2", text="核对")) == ["经核对精诚已有此单"]
    assert synclog.count(LogFilter(action="push", status="posted", text="JC1")) == 1
    assert synclog.count(LogFilter(action="pull", status="failed")) == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("100%", ["完成 100%"]),
    ("%", ["完成 100%"]),
    ("a_b", ["a_b"]),
    ("_", ["a_b"]),
    ("c\\d", ["c\\d"]),
    ("\\", ["c\\d"]),
    ("a%b", []),
])
def test_like_wildcards_in_the_text_match_themselves(db, text, expected):
    for message in ("完成 100%", "完成 1000", "a_b", "axb", "c\\d", "cd", "ab"):
        _log("2026-03-01 10:00:00", message=message)
    assert _messages(LogFilter(text=text)) == expected
    assert synclog.count(LogFilter(text=text)) == len(expected)


def test_like_pattern_escapes():
    assert synclog.like_pattern("5%_\\x") == "%5\\%\\_\\\\x%"


def test_the_snapshot_leaves_out_what_was_logged_after_it(sample):
    snapshot = LogFilter(up_to_id=synclog.latest_id())
    later = _log("2026-03-04 09:00:00", "push", "failed", "后来的", "R9")
    assert later > snapshot.up_to_id
    assert "后来的" not in _messages(snapshot) and synclog.count(snapshot) == 9
    assert synclog.count(snapshot.replace(status="failed")) == 2
    assert synclog.count(LogFilter(up_to_id=later)) == 10 == synclog.count(LogFilter())
    assert _messages(LogFilter(up_to_id=later))[0] == "后来的"


def test_latest_id_of_an_empty_log(db):
    assert synclog.latest_id() == 0
    assert synclog.count(LogFilter(up_to_id=0)) == 0 and synclog.page(LogFilter(up_to_id=0)) == []


def test_actions_and_statuses_present(sample):
    assert synclog.actions_present() == ["config", "export", "mark", "pull", "push", "recover"]
    assert synclog.statuses_present() == ["failed", "ok", "posted", "unknown"]


def test_nothing_present_in_an_empty_log(db):
    assert synclog.actions_present() == [] and synclog.statuses_present() == []


@pytest.fixture
def many(db):
    """5,000 rows in random time order (many in the same second), random actions and statuses."""
    rng = random.Random(5)
    base = datetime(2026, 3, 1)
    rows = [
        {"time": base + timedelta(seconds=rng.randrange(20_000)), "action": rng.choice(["pull", "push", "mark"]),
         "status": rng.choice(["ok", "failed", "unknown", "posted"]), "code": f"R{rng.randrange(300)}",
         "message": rng.choice(["推送成功", "精诚返回 Flag 0", "读取超时", "拉取完成"]), "duration_ms": 1,
         "os_user": "x"}
        for _ in range(5000)
    ]
    with store.db.atomic():
        for chunk in range(0, len(rows), 500):
            SyncLog.insert_many(rows[chunk:chunk + 500]).execute()
    return rows


@pytest.mark.parametrize("log_filter", [
    LogFilter(),
    LogFilter(action="push"),
    LogFilter(status="failed"),
    LogFilter(action="push", status="unknown"),
    LogFilter(text="flag"),
    LogFilter(code="R7"),
    LogFilter.days(date(2026, 3, 1), date(2026, 3, 1), action="mark", text="超时"),
], ids=["all", "action", "status", "action+status", "text", "code", "days+action+text"])
@pytest.mark.parametrize("page_size", [1, 7, 500])
def test_pages_give_every_row_exactly_once_newest_first(many, log_filter, page_size):
    if page_size == 1 and not log_filter.narrows():
        pytest.skip("5,000 one-row pages prove nothing more than seven-row ones")
    rows = _all(log_filter, page_size)
    ids = [row.id for row in rows]
    assert len(ids) == len(set(ids)) == synclog.count(log_filter)
    expected = SyncLog.select(SyncLog.id).order_by(SyncLog.time.desc(), SyncLog.id.desc())
    f = log_filter
    for field, value in ((SyncLog.action, f.action), (SyncLog.status, f.status), (SyncLog.code, f.code)):
        if value:
            expected = expected.where(field == value)
    if f.start is not None:
        expected = expected.where(SyncLog.time >= f.start, SyncLog.time <= f.end)
    if f.text:
        expected = expected.where(SyncLog.message.contains(f.text) | SyncLog.code.contains(f.text))
    assert ids == [row.id for row in expected]
    assert ids, "the sample should hold rows for every filter"


def test_export_rows_are_the_pages_in_either_order(many):
    log_filter = LogFilter(action="push", text="超时", up_to_id=synclog.latest_id())
    newest_first = list(synclog.export_rows(log_filter, newest_first=True))
    shown = _all(log_filter)
    assert [(row[0], row[2], row[4]) for row in newest_first] == [(r.time, r.code, r.message) for r in shown]
    logged = list(synclog.export_rows(log_filter, newest_first=False))
    assert sorted(logged) == sorted(newest_first) and logged != newest_first
    assert [row[0] for row in newest_first] == sorted((row[0] for row in newest_first), reverse=True)


def _plan(log_filter: LogFilter) -> str:
    where, params = synclog._where(log_filter)
    sql = f"EXPLAIN QUERY PLAN SELECT id FROM sync_log{synclog._clause(where)} ORDER BY time DESC, id DESC LIMIT 10"
    return " | ".join(row[3] for row in store.db.execute_sql(sql, params).fetchall())


@pytest.mark.parametrize(("log_filter", "index"), [
    (LogFilter(up_to_id=5), "sync_log_time"),
    (LogFilter(action="push", up_to_id=5), "sync_log_action_time"),
    (LogFilter(status="failed", up_to_id=5), "sync_log_status_time"),
    (LogFilter.days(date(2026, 3, 1), date(2026, 3, 2), up_to_id=5), "sync_log_time"),
    (LogFilter.days(date(2026, 3, 1), date(2026, 3, 2), action="push", up_to_id=5), "sync_log_action_time"),
    (LogFilter(text="超时", up_to_id=5), "sync_log_time"),
])
def test_a_page_is_read_in_order_from_an_index_never_sorted(db, log_filter, index):
    plan = _plan(log_filter)
    assert f"INDEX {index} " in plan + " " and "TEMP B-TREE" not in plan, plan


def test_of_two_criteria_with_an_index_the_rarer_one_is_read(many):
    SyncLog.insert_many([{"time": datetime(2026, 3, 2), "action": "recover", "status": "unknown"}] * 3).execute()
    rare = _plan(LogFilter(action="recover", status="unknown"))
    assert "INDEX sync_log_action_time" in rare and "TEMP B-TREE" not in rare, rare
    marks = SyncLog.select().where(SyncLog.action == "mark").count()
    failures = SyncLog.select().where(SyncLog.status == "failed").count()
    assert failures < marks, "the sample should hold fewer failures than marks"
    common = _plan(LogFilter(action="mark", status="failed", up_to_id=10**6))
    assert "INDEX sync_log_status_time" in common and "TEMP B-TREE" not in common, common


def test_a_version_2_file_gets_the_log_indexes(tmp_path, monkeypatch):
    path = tmp_path / "v2.sqlite3"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    store.open_database(path)
    # As version 2 made it: an index on the action alone and on the status alone.
    store.db.execute_sql('DROP INDEX "sync_log_action_time"')
    store.db.execute_sql('DROP INDEX "sync_log_status_time"')
    store.db.execute_sql('CREATE INDEX "sync_log_action" ON "sync_log" ("action")')
    store.db.execute_sql('CREATE INDEX "sync_log_status" ON "sync_log" ("status")')
    _log("2026-03-01 10:00:00")
    store.close_database()
    monkeypatch.undo()
    store.open_database(path)
    try:
        indexes = {row[0] for row in store.db.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_log'")}
        assert indexes == {"sync_log_time", "sync_log_code", "sync_log_action_time", "sync_log_status_time"}
        assert synclog.count(LogFilter(action="push")) == 1
    finally:
        store.close_database()
