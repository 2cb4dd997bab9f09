"""The SQLite file: WAL, schema version, migrations with a copy first, the sync log."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from core import store
from core.errors import ConfigError
from core.paths import data_dir, database_path


def test_new_file_is_wal_and_current(db, data_dir):
    path = database_path(data_dir)
    assert path.exists()
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    assert {m._meta.table_name for m in store.MODELS} <= set(db.get_tables())


def test_write_log_records_time_and_user(db):
    row = store.write_log("pull", "ok", "3 条", code="R1", duration_ms=12)
    again = store.SyncLog.get_by_id(row.id)
    assert (again.action, again.status, again.code, again.duration_ms) == ("pull", "ok", "R1", 12)
    assert again.os_user == store.os_user()


def test_migration_copies_file_first(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    store.open_database(path)
    store.Setting.create(key="ui.lang", value="en")
    store.close_database()

    applied = []
    monkeypatch.setattr(store, "SCHEMA_VERSION", store.SCHEMA_VERSION + 1)
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, lambda database: applied.append(database)])
    current = store.SCHEMA_VERSION
    store.open_database(path)
    try:
        assert len(applied) == 1
        copies = list(tmp_path.glob(f"old.sqlite3.v{current - 1}-*.bak"))
        assert len(copies) == 1
        with sqlite3.connect(copies[0]) as copy:
            assert copy.execute("SELECT value FROM setting WHERE key='ui.lang'").fetchone() == ("en",)
            assert copy.execute("PRAGMA user_version").fetchone() == (current - 1,)
        assert store.db.execute_sql("PRAGMA user_version").fetchone()[0] == current
    finally:
        store.close_database()


def test_a_version_1_file_gains_the_review_table_and_keeps_its_returns(tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite3"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    store.open_database(path)
    store.ReturnRecord.create(code="R1", raw_json='{"code":"R1"}', first_pulled_at=datetime(2024, 1, 1),
                              last_pulled_at=datetime(2024, 1, 1))
    store.close_database()
    monkeypatch.undo()
    store.open_database(path)
    try:
        assert "return_review" in store.db.get_tables() and store.ReturnReview.select().count() == 0
        assert [r.code for r in store.ReturnRecord.select()] == ["R1"]
        assert len(list(tmp_path.glob("v1.sqlite3.v1-*.bak"))) == 1
    finally:
        store.close_database()


def test_file_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigError, match="99"):
        store.open_database(path)
    store.close_database()


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNSYNC_HOME", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert (tmp_path / "flag").is_dir()
