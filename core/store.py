"""The local SQLite file through peewee: models, binding at start-up, migrations.

The database object is a proxy bound once by :func:`open_database` (Vorta's pattern), before
any command or window runs. peewee keeps one connection per thread, so worker threads share the
file (WAL) but not a connection.
"""

from __future__ import annotations

import getpass
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import peewee as pw

from core.errors import ConfigError
from core.timeutil import now_china

log = logging.getLogger(__name__)

db = pw.DatabaseProxy()

# Bumped with every entry appended to MIGRATIONS.
SCHEMA_VERSION = 3
# Codes bound in one ``IN (…)``: SQLite before 3.32 takes at most 999 parameters a statement.
CODES_PER_QUERY = 500


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False


class Setting(BaseModel):
    """Non-secret settings only; secrets live in the keyring."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class ReturnRecord(BaseModel):
    """One 退货单 as last pulled: indexed columns for lists, the raw JSON for everything else."""

    code = pw.CharField(primary_key=True)
    guanyi_id = pw.CharField(null=True)  # 12+ digit id kept as text, never a float
    shop_code = pw.CharField(null=True, index=True)
    shop_name = pw.CharField(null=True)
    platform_code = pw.CharField(null=True)
    create_date = pw.CharField(null=True, index=True)
    receive_date = pw.CharField(null=True, index=True)
    modify_date = pw.CharField(null=True, index=True)
    cancel = pw.BooleanField(default=False)
    receive = pw.BooleanField(default=False)
    raw_json = pw.TextField()
    first_pulled_at = pw.DateTimeField()
    last_pulled_at = pw.DateTimeField()


class ReturnReview(BaseModel):
    """What the mapping makes of a pulled return, kept so that lists of tens of thousands need no mapping: the
    sheet's totals, whether it may go, why not. ``stamp`` names the rules and value tables it was made under
    (:mod:`core.review`); a row of another stamp is stale and is made again."""

    code = pw.CharField(primary_key=True)
    stamp = pw.CharField(index=True)
    ready = pw.BooleanField()  # the mapping lets the sheet go (the ledger is not asked here)
    sheet_hash = pw.CharField(null=True)  # digest of the sheet it maps to; None: no sheet
    lines = pw.IntegerField(null=True)  # lines of that sheet
    qua = pw.CharField(null=True)  # the sheet's Qua and Amo, as sent
    amo = pw.CharField(null=True)
    qua_micro = pw.IntegerField(null=True)  # Qua in millionths, exact (six decimals at most): for sorting
    amo_cents = pw.IntegerField(null=True)  # Amo in cents, exact: for sorting and totals
    blocking_zh = pw.TextField(default="")  # the blocking problems, one a line
    blocking_en = pw.TextField(default="")
    warnings_zh = pw.TextField(default="")
    warnings_en = pw.TextField(default="")


class LedgerEntry(BaseModel):
    """The push ledger: one row per 精诚 SheetID (SPEC §5)."""

    sheet_id = pw.CharField(primary_key=True)
    code = pw.CharField(index=True)
    status = pw.CharField(index=True, default="ready")  # ready|sending|posted|failed|unknown
    attempts = pw.IntegerField(default=0)
    message = pw.TextField(default="")
    sheet_no = pw.CharField(null=True)
    request_body = pw.TextField(null=True)
    sheet_hash = pw.CharField(null=True)
    updated_at = pw.DateTimeField()
    posted_at = pw.DateTimeField(null=True)
    # Who holds (or last held) the "sending" claim, so start-up recovery can tell a crashed
    # sender from one still waiting for 精诚's reply in another process.
    claimed_by = pw.CharField(null=True)  # per-process random token
    claimed_pid = pw.IntegerField(null=True)
    claimed_host = pw.CharField(null=True)
    claimed_at = pw.DateTimeField(null=True)


class SyncLog(BaseModel):
    """What happened, for reconciliation and support: one row per pull, decision, push, export."""

    time = pw.DateTimeField(index=True)
    action = pw.CharField()
    code = pw.CharField(null=True, index=True)
    status = pw.CharField()
    message = pw.TextField(default="")
    duration_ms = pw.IntegerField(default=0)
    os_user = pw.CharField(default="")

    class Meta:
        # The log view shows one action or status newest first: these give its rows in that order, with no sort
        # (migration 3).
        indexes = ((("action", "time"), False), (("status", "time"), False))


class ShopMap(BaseModel):
    """管易云 shop_code → 精诚 customer."""

    shop_code = pw.CharField(primary_key=True)
    customer_code = pw.CharField()
    customer_name = pw.CharField(default="")


class GoodsMap(BaseModel):
    """管易云 sku/item code → 精诚 GoodsID."""

    code = pw.CharField(primary_key=True)
    goods_id = pw.CharField()


class Watermark(BaseModel):
    """Where the last complete "since last pull" ended, per time axis."""

    axis = pw.CharField(primary_key=True)
    value = pw.DateTimeField()


MODELS = [Setting, ReturnRecord, ReturnReview, LedgerEntry, SyncLog, ShopMap, GoodsMap, Watermark]


def _migrate_to_1(database: pw.Database) -> None:
    database.create_tables([Setting, ReturnRecord, LedgerEntry, SyncLog, ShopMap, GoodsMap, Watermark])


def _migrate_to_2(database: pw.Database) -> None:
    # Empty at first: every return is stale, and is reviewed in the background once (core.review.refresh).
    database.create_tables([ReturnReview])
    # Every column the returns table lists, newest receipt first: the list is read from the index alone, never from
    # the rows with their raw JSON (a third of the time with tens of thousands of returns).
    database.execute_sql(
        "CREATE INDEX return_record_listed ON return_record (receive_date DESC, code, create_date, shop_name, "
        "platform_code, shop_code, modify_date, cancel, receive)"
    )


def _migrate_to_3(database: pw.Database) -> None:
    # A log of 100,000 rows filtered by action or status, newest first: with an index on the action alone SQLite
    # reads every matching row and sorts them (a quarter of a second); on (action, time) it reads the first page in
    # order. The single-column indexes go, or the planner keeps choosing them. (A file made at version 0 already has
    # the new ones: step 1 creates the tables as the models are now.)
    for column in ("action", "status"):
        database.execute_sql(f'DROP INDEX IF EXISTS "sync_log_{column}"')
        database.execute_sql(f'CREATE INDEX IF NOT EXISTS "sync_log_{column}_time" ON "sync_log" ("{column}", "time")')


# MIGRATIONS[i] takes the schema from version i to i + 1. Append only; never edit a step.
MIGRATIONS: list[Callable[[pw.Database], None]] = [_migrate_to_1, _migrate_to_2, _migrate_to_3]


def _user_version(database: pw.SqliteDatabase) -> int:
    return database.execute_sql("PRAGMA user_version").fetchone()[0]


def _backup(path: Path, version: int) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    # sqlite3's online backup copies a consistent image even with the WAL in use.
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def migrate(database: pw.SqliteDatabase, path: Path) -> None:
    current = _user_version(database)
    if current > SCHEMA_VERSION:
        raise ConfigError(
            f"数据文件 {path} 来自更新的版本（架构 {current}），请升级本程序。",
            f"The data file {path} was written by a newer version (schema {current}); "
            "please update ReturnSync.",
        )
    if current == SCHEMA_VERSION:
        return
    if current > 0:
        copy = _backup(path, current)
        log.info("schema %s -> %s; copy kept at %s", current, SCHEMA_VERSION, copy)
    for version in range(current, SCHEMA_VERSION):
        with database.atomic():
            MIGRATIONS[version](database)
            database.execute_sql(f"PRAGMA user_version = {version + 1}")


def open_database(path: Path) -> pw.SqliteDatabase:
    """Open (creating if needed) the file, bind the models to it, bring the schema up to date."""
    database = pw.SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10_000,
            "synchronous": "full",  # a "sending" mark must survive a power cut
        },
        check_same_thread=False,
    )
    db.initialize(database)
    try:
        database.connect(reuse_if_open=True)
        migrate(database, path)
    except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
        raise ConfigError(
            f"无法打开数据文件 {path}：{exc}",
            f"Cannot open the data file {path}: {exc}",
        ) from exc
    return database


def raw_json_of(codes: list[str]) -> dict[str, str]:
    """code -> raw_json of the stored returns among ``codes`` (unknown codes left out), read on the calling
    thread's connection, :data:`CODES_PER_QUERY` codes a query."""
    found: dict[str, str] = {}
    for chunk in pw.chunked(codes, CODES_PER_QUERY):
        query = ReturnRecord.select(ReturnRecord.code, ReturnRecord.raw_json).where(ReturnRecord.code.in_(chunk))
        found.update(query.tuples())
    return found


def database_file() -> Path:
    """The data file the database is bound to now."""
    return Path(db.obj.database)


def close_database() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def write_log(
    action: str,
    status: str,
    message: str = "",
    *,
    code: str | None = None,
    duration_ms: int = 0,
) -> SyncLog:
    """Append one sync-log row. Callers never put a secret in ``message``."""
    return SyncLog.create(
        time=now_china(),
        action=action,
        code=code,
        status=status,
        message=message,
        duration_ms=duration_ms,
        os_user=os_user(),
    )
