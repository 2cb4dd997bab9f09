"""The SQLite file: WAL, schema version, migrations with a copy first, the sync log."""

from __future__ import annotations

import sqlite3

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
    store.open_database(path)
    try:
        assert len(applied) == 1
        copies = list(tmp_path.glob("old.sqlite3.v1-*.bak"))
        assert len(copies) == 1
        with sqlite3.connect(copies[0]) as copy:
            assert copy.execute("SELECT value FROM setting WHERE key='ui.lang'").fetchone() == ("en",)
            assert copy.execute("PRAGMA user_version").fetchone() == (1,)
        assert store.db.execute_sql("PRAGMA user_version").fetchone()[0] == 2
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
