"""core.backup on real SQLite files: a backup is one checked file, a restore refuses what is not a ReturnSync data
file of this version or older, keeps the current file aside, carries its ledger and migrates an older file; the
automatic copies before migrations are pruned to the last few."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core import backup, i18n, store
from core.paths import database_path
from core.timeutil import now_china


@pytest.fixture(autouse=True)
def _english():
    i18n.set_language("en")


def _filled(path: Path, returns: int = 3) -> None:
    """The data file ``path`` with ``returns`` returns and a posted ledger row, closed."""
    store.open_database(path)
    now = now_china()
    for n in range(returns):
        store.ReturnRecord.create(code=f"R{n}", raw_json="{}", first_pulled_at=now, last_pulled_at=now)
    store.LedgerEntry.create(sheet_id="S0", code="R0", status="posted", updated_at=now)
    store.close_database()


def _pragma(path: Path, pragma: str) -> str:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute(f"PRAGMA {pragma}").fetchone()[0]


def _set_version(path: Path, version: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA user_version = {version}")
        con.commit()


def test_backup_is_one_checked_file_holding_the_data(data_dir, tmp_path):
    path = database_path(data_dir)
    _filled(path)
    store.open_database(path)  # open and written to: the WAL holds what the backup must include
    store.ReturnRecord.create(code="LATE", raw_json="{}", first_pulled_at=now_china(), last_pulled_at=now_china())
    made = backup.backup(store.db, tmp_path / "b.sqlite3")
    store.close_database()
    assert made.holds.returns == 4 and made.holds.ledger_rows == 1 and made.holds.schema == store.SCHEMA_VERSION
    assert made.size == made.file.stat().st_size
    assert _pragma(made.file, "integrity_check") == "ok" and _pragma(made.file, "journal_mode") == "delete"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b.")) == ["b.sqlite3"]
    again = backup.backup(path, made.file)  # an earlier backup may be replaced
    assert again.holds.returns == 4


def test_backup_never_overwrites_another_file_or_the_data_file(data_dir, tmp_path):
    path = database_path(data_dir)
    _filled(path)
    other = tmp_path / "sheet.xlsx"
    other.write_bytes(b"PK\x03\x04 not a database")
    with pytest.raises(backup.BackupError, match="not overwritten"):
        backup.backup(path, other)
    assert other.read_bytes() == b"PK\x03\x04 not a database"
    with pytest.raises(backup.BackupError, match="data file itself"):
        backup.backup(path, path)
    with pytest.raises(backup.BackupError, match="no data file"):
        backup.backup(tmp_path / "missing.sqlite3", tmp_path / "b.sqlite3")
    assert not (tmp_path / "b.sqlite3").exists()


def _refused(kind: type[backup.BackupError], source: Path, data_dir: Path) -> None:
    """``restore(source)`` raises ``kind`` and leaves the data folder exactly as it was."""
    before = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    with pytest.raises(kind) as raised:
        backup.restore(source, data_dir)
    assert str(source) in raised.value.en and str(source) in raised.value.zh
    assert {p.name: p.read_bytes() for p in data_dir.iterdir()} == before


def test_restore_refuses_what_is_not_a_returnsync_file_of_this_version(data_dir, tmp_path):
    _filled(database_path(data_dir))
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
        con.execute("PRAGMA user_version = 2")
    random = tmp_path / "random.bin"
    random.write_bytes(os.urandom(8192))
    newer = tmp_path / "newer.sqlite3"
    backup.backup(database_path(data_dir), newer)
    _set_version(newer, store.SCHEMA_VERSION + 1)
    _refused(backup.NotReturnSyncFile, other, data_dir)
    _refused(backup.NotReturnSyncFile, random, data_dir)
    _refused(backup.NewerVersionFile, newer, data_dir)
    with pytest.raises(backup.NewerVersionFile) as raised:
        backup.inspect(newer)
    assert "newer version" in raised.value.en and "更新版本" in raised.value.zh
    _refused(backup.BackupError, tmp_path / "missing.sqlite3", data_dir)


def test_restore_refuses_a_damaged_file(data_dir, tmp_path):
    _filled(database_path(data_dir), returns=300)
    damaged = tmp_path / "damaged.sqlite3"
    backup.backup(database_path(data_dir), damaged)
    with contextlib.closing(sqlite3.connect(damaged)) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'return_record'").fetchone()[0]
    with open(damaged, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xa5" * page_size)
    _refused(backup.DamagedFile, damaged, data_dir)


def test_restore_keeps_the_current_file_aside_and_carries_its_ledger(data_dir, tmp_path):
    path = database_path(data_dir)
    _filled(path, returns=2)
    saved = backup.backup(path, tmp_path / "saved.sqlite3").file
    store.open_database(path)  # after the backup: one more return, and a sheet posted
    store.ReturnRecord.create(code="NEW", raw_json="{}", first_pulled_at=now_china(), last_pulled_at=now_china())
    store.LedgerEntry.create(sheet_id="S9", code="R1", status="posted", sheet_no="JC9", updated_at=now_china())
    store.close_database()
    current = path.read_bytes()
    done = backup.restore(saved, data_dir)
    assert done.kept is not None and done.kept.parent == data_dir and done.kept.name.startswith(path.name + ".before-")
    assert done.kept.read_bytes() == current and done.carried == 2 and done.migrated_from is None
    with contextlib.closing(sqlite3.connect(path)) as con:
        assert {r[0] for r in con.execute("SELECT code FROM return_record")} == {"R0", "R1"}
        assert con.execute("SELECT sheet_no FROM ledger_entry WHERE sheet_id = 'S9'").fetchone() == ("JC9",)
    assert saved.exists() and backup.inspect(saved).returns == 2  # the backup is left as it was
    assert backup.restore(saved, tmp_path / "new-pc").kept is None  # no data file yet: nothing to keep aside


def test_restore_migrates_an_older_file(data_dir, tmp_path):
    path = database_path(data_dir)
    _filled(path)
    older = backup.backup(path, tmp_path / "older.sqlite3").file
    _set_version(older, store.SCHEMA_VERSION - 1)  # the last step is idempotent: this is a file of the step before
    done = backup.restore(older, data_dir)
    assert done.migrated_from == store.SCHEMA_VERSION - 1
    assert _pragma(path, "user_version") == store.SCHEMA_VERSION
    assert _pragma(older, "user_version") == store.SCHEMA_VERSION - 1


def test_restore_refuses_while_the_data_file_is_open(db, data_dir, tmp_path):
    path = database_path(data_dir)
    saved = backup.backup(path, tmp_path / "saved.sqlite3").file
    store.Setting.create(key="k", value="v")
    assert backup.in_use(path)
    with pytest.raises(backup.DataFileInUse, match="in use"):
        backup.restore(saved, data_dir)
    assert not any(p.name.startswith(path.name + ".before-") for p in data_dir.iterdir())
    store.close_database()
    assert not backup.in_use(path)
    assert not backup.in_use(tmp_path / "missing.sqlite3")


def test_only_the_last_copies_before_migrations_are_kept(data_dir):
    path = database_path(data_dir)
    _filled(path)
    old = datetime.now() - timedelta(days=30)
    for n in range(store.KEEP_COPIES + 2):
        stamp = (old + timedelta(days=n)).strftime("%Y%m%d-%H%M%S")
        path.with_name(f"{path.name}.v1-{stamp}.bak").write_bytes(path.read_bytes())
    oldest = store.copies(path)[-1]
    _set_version(path, store.SCHEMA_VERSION - 1)
    store.open_database(path)  # migrates: a new copy, and the oldest go
    store.close_database()
    kept = store.copies(path)
    assert len(kept) == store.KEEP_COPIES and store.copy_time(kept[0]) > old + timedelta(days=10)
    assert not oldest.exists()
