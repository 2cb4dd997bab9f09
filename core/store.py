"""The local SQLite file through peewee: models, binding at start-up, migrations.

The database object is a proxy bound once by :func:`open_database` (Vorta's pattern), before
any command or window runs. peewee keeps one connection per thread, so worker threads share the
file (WAL) but not a connection.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee as pw

from core.advice import Advice
from core.errors import ConfigError, DataFileBusy, DataFileDamaged, DataFileFull
from core.timeutil import now_china

log = logging.getLogger(__name__)

db = pw.DatabaseProxy()

# Bumped with every entry appended to MIGRATIONS.
SCHEMA_VERSION = 3
# Codes bound in one ``IN (…)``: SQLite before 3.32 takes at most 999 parameters a statement.
CODES_PER_QUERY = 500
# How long a statement waits while another program holds the file's write lock before it gives up: SQLite's own busy
# handler, which retries until then. The command or window then says the file is in use (DataFileBusy); the ledger's
# outcome retries on top of it (core.ledger.RECORD_ATTEMPTS).
BUSY_TIMEOUT_MS = 10_000
# The automatic copies taken before migrations that are kept, the newest ones (copies()).
KEEP_COPIES = 5
# SQLite's primary result codes (the low byte of an extended one) that this module names.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 5, 6, 11, 13, 26


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


def copy_database(source: Path | sqlite3.Connection, target: Path) -> None:
    """Copy the database ``source`` (a file, or an open connection) into the file ``target`` with SQLite's online
    backup: a consistent image while other connections and processes write, the WAL's contents included."""
    with contextlib.ExitStack() as stack:
        if not isinstance(source, sqlite3.Connection):
            source = stack.enter_context(contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)))
        copy = stack.enter_context(contextlib.closing(sqlite3.connect(target)))
        source.backup(copy)


def _backup(path: Path, version: int) -> Path:
    # Named as copies() reads them: FILE.v<schema>-<yyyymmdd-HHMMSS>.bak
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    copy_database(path, target)
    for old in copies(path)[KEEP_COPIES:]:  # only the last few
        old.unlink(missing_ok=True)
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


class _SqliteDatabase(pw.SqliteDatabase):
    def rollback(self) -> None:
        # SQLite ends a transaction by itself after some errors (SQLITE_FULL, an I/O error, out of memory): a second
        # ROLLBACK would fail with "no transaction is active", and that error would hide the one that said why.
        if not self.is_closed() and not self.connection().in_transaction:
            return
        super().rollback()


def open_database(path: Path) -> pw.SqliteDatabase:
    """Open (creating if needed) the file, bind the models to it, bring the schema up to date."""
    database = _SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_MS,
            "synchronous": "full",  # a "sending" mark must survive a power cut
        },
        check_same_thread=False,
    )
    db.initialize(database)
    try:
        database.connect(reuse_if_open=True)
        migrate(database, path)
    except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
        database.close()
        raise data_file_error(exc, path) or ConfigError(
            f"无法打开数据文件 {path}：{exc}",
            f"Cannot open the data file {path}: {exc}",
        ) from exc
    return database


def _result_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of an error from sqlite3 or from peewee (which keeps sqlite3's error as its first
    argument), or ``None``."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], sqlite3.Error) else exc
    code = getattr(inner, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_busy(exc: BaseException) -> bool:
    """The file is held by another connection (another program, or another process of this one)."""
    code = _result_code(exc)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def is_full(exc: BaseException) -> bool:
    """The disk (or the file's size limit) has no room for the write."""
    code = _result_code(exc)
    if code is not None:
        return code == _SQLITE_FULL
    return "disk is full" in str(exc)


def is_damaged(exc: BaseException) -> bool:
    """The file is not an SQLite database, or its contents are damaged."""
    code = _result_code(exc)
    if code is not None:
        return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return "malformed" in str(exc) or "not a database" in str(exc)


def data_file_error(exc: BaseException, path: Path) -> ConfigError | None:
    """What a database error means to a person, when it is about the file itself: no room on the disk
    (:class:`DataFileFull`), held by another program (:class:`DataFileBusy`) or damaged (:class:`DataFileDamaged`, with
    the newest automatic copy); ``None`` for any other error."""
    if is_full(exc):
        return DataFileFull(
            f"无法写入数据文件 {path}：磁盘已满（{exc}）。未完成的操作没有写入；请腾出磁盘空间后重试。",
            f"The data file {path} could not be written: the disk is full ({exc}). What was not finished was not "
            "written; free some disk space and try again.",
            path=str(path),
        )
    if is_busy(exc):
        seconds = BUSY_TIMEOUT_MS // 1000
        return DataFileBusy(
            f"数据文件 {path} 正被另一个程序（另一个退货单同步助手、数据库工具、备份软件）占用，"
            f"等待 {seconds} 秒后仍未释放（{exc}）。未完成的操作没有写入；请关闭占用它的程序后重试。",
            f"The data file {path} is held by another program (another ReturnSync, a database tool, a backup) and was "
            f"not released within {seconds} s ({exc}). What was not finished was not written; close that program and "
            "try again.",
            path=str(path),
        )
    if not is_damaged(exc):
        return None
    copy = newest_copy(path)
    zh = f"无法打开数据文件 {path}：文件已损坏（{exc}）。该文件保持原样，未作任何改动。"
    en = f"Cannot open the data file {path}: it is damaged ({exc}). It has been left exactly as it is."
    if copy is None:
        return DataFileDamaged(zh + "没有找到它的自动副本。", en + " No automatic copy of it was found.",
                               path=str(path))
    taken = copy_time(copy)
    when_zh = f"（{taken:%Y-%m-%d %H:%M}）" if taken else ""
    when_en = f" (taken {taken:%Y-%m-%d %H:%M})" if taken else ""
    return DataFileDamaged(
        zh + f"最近的自动副本是 {copy.name}{when_zh}。",
        en + f" The latest automatic copy is {copy.name}{when_en}.",
        path=str(path), copy=str(copy), advice=Advice.RESTORE_COPY,
    )


@contextlib.contextmanager
def data_file_errors(path: Path | None = None) -> Iterator[None]:
    """An error about the data file itself — held by another program past the busy timeout, or damaged — becomes
    its :func:`data_file_error`, wherever it surfaces; any other error passes unchanged. ``path``: the file (by default
    the one the database is bound to)."""
    try:
        yield
    except (pw.DatabaseError, sqlite3.DatabaseError) as exc:
        if path is None and db.obj is None:
            raise
        if path is None and not isinstance(db.obj, pw.SqliteDatabase):  # the shared database (core.team)
            from core.team.connection import is_lost, lost

            if is_lost(exc):
                raise lost("未完成的操作没有写入。", "What was not finished was not written.", exc) from exc
            raise
        error = data_file_error(exc, path or database_file())
        if error is None:
            raise
        raise error from exc


_COPY_NAME = re.compile(r"\.v(\d+)-(\d{8}-\d{6})\.bak$")


def copy_time(copy: Path) -> datetime | None:
    """When an automatic copy was taken, from its name."""
    found = _COPY_NAME.search(copy.name)
    return datetime.strptime(found.group(2), "%Y%m%d-%H%M%S") if found else None


def copies(path: Path) -> list[Path]:
    """The automatic copies of the data file ``path`` (taken before each migration), newest first."""
    if not path.parent.is_dir():
        return []
    found = [p for p in path.parent.iterdir() if p.name.startswith(f"{path.name}.v") and copy_time(p) is not None]
    return sorted(found, key=lambda p: (copy_time(p), p.stat().st_mtime), reverse=True)


def newest_copy(path: Path) -> Path | None:
    """The newest automatic copy of the data file ``path``, or ``None``."""
    found = copies(path)
    return found[0] if found else None


def quick_check(path: Path) -> str:
    """SQLite's ``PRAGMA quick_check`` of the file, opened read-only: ``"ok"``, or what is wrong. It reads the whole
    file (a quarter of a second for 280 MB once cached, seconds from a cold disk), so it is run on demand, never at
    each start."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)) as check:
            rows = check.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    return "; ".join(str(row[0]) for row in rows[:5])


@dataclass(frozen=True)
class Restored:
    """What :func:`restore_copy` did: the copy now in use, where the file it replaced is kept (``None``: there was
    none), and when the copy was taken."""

    copy: Path
    kept: Path | None
    taken: datetime | None
    carried: int | None = None  # ledger rows carried over from the file replaced; None: its ledger could not be read


def _carry_ledger(damaged: Path, restored: Path) -> int | None:
    """Copy into ``restored`` every ledger row that can still be read from ``damaged`` (opened read-only, its bytes
    untouched). The damaged file is the later state of the same data, so a row read from it wins: a sheet posted after
    the copy was taken must not show as ready to post again. The rows read before a damaged page stops the reading
    are kept; ``None`` when none could be read."""
    rows: list[tuple] = []
    try:
        with contextlib.closing(sqlite3.connect(f"{damaged.resolve().as_uri()}?mode=ro", uri=True, timeout=1)) as old:
            names = [row[1] for row in old.execute("PRAGMA table_info(ledger_entry)")]
            with contextlib.closing(sqlite3.connect(restored)) as new:
                wanted = {row[1] for row in new.execute("PRAGMA table_info(ledger_entry)")}
                columns = [name for name in names if name in wanted]
                if "sheet_id" not in columns:
                    return None
                listed = ", ".join(f'"{name}"' for name in columns)
                try:
                    for row in old.execute(f"SELECT {listed} FROM ledger_entry"):
                        rows.append(row)
                except sqlite3.DatabaseError:
                    if not rows:
                        return None
                with new:
                    new.executemany(f"INSERT OR REPLACE INTO ledger_entry ({listed}) VALUES "
                                    f"({', '.join('?' for _ in columns)})", rows)
    except sqlite3.DatabaseError:
        return None
    return len(rows)


def restore_copy(path: Path, copy: Path | None = None) -> Restored:
    """Put the copy ``copy`` (by default the newest automatic one) in the place of the data file ``path``, with no
    connection open to it. The file it replaces is kept beside it, renamed whole and unchanged
    (``FILE.damaged-<yyyymmdd-HHMMSS>``, with its ``-wal`` and ``-shm`` if any, so that they are never applied to
    the copy); the copy itself stays as it is. The ledger rows still readable in the file replaced are carried over
    (:func:`_carry_ledger`). Raises :class:`ConfigError` when there is no copy or it cannot be read."""
    copy = copy or newest_copy(path)
    if copy is None or not copy.is_file():
        raise ConfigError(f"数据文件 {path} 没有可用的自动副本。",
                          f"There is no automatic copy of the data file {path}.")
    verdict = quick_check(copy)
    if verdict != "ok":
        raise ConfigError(f"副本 {copy} 也无法读取（{verdict}），没有换回。",
                          f"The copy {copy} cannot be read either ({verdict}); nothing was restored.")
    return replace_with(path, copy, aside="damaged")


def replace_with(path: Path, copy: Path, *, aside: str) -> Restored:
    """Put the checked database file ``copy`` in the place of the data file ``path``, with no connection open to it:
    the file it replaces is kept beside it, renamed whole and unchanged (``FILE.<aside>-<yyyymmdd-HHMMSS>``, with its
    ``-wal`` and ``-shm`` if any, so that they are never applied to the copy); the copy is read with the online backup
    (its own WAL included) and stays as it is; the ledger rows still readable in the file replaced are carried over
    (:func:`_carry_ledger`)."""
    kept = None
    if path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = path.with_name(f"{path.name}.{aside}-{stamp}")
        _move_with_journal(path, kept)  # the journal goes with its file: never replayed onto the copy
    partial = path.with_name(f"{path.name}.restoring")
    try:
        partial.unlink(missing_ok=True)
        copy_database(copy, partial)
        carried = _carry_ledger(kept, partial) if kept is not None else None
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        if kept is not None and not path.exists():  # the data file back where it was, whole
            _move_with_journal(kept, path)
        raise
    log.info("data file %s replaced by the copy %s; the file it replaced is kept as %s; ledger rows carried: %s",
             path, copy, kept, carried)
    return Restored(copy=copy, kept=kept, taken=copy_time(copy), carried=carried)


def _move_with_journal(source: Path, target: Path) -> None:
    """Rename a database file together with its ``-wal`` and ``-shm``, if any."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            os.replace(f"{source}{suffix}", f"{target}{suffix}")


def raw_json_of(codes: list[str]) -> dict[str, str]:
    """code -> raw_json of the stored returns among ``codes`` (unknown codes left out), read on the calling
    thread's connection, :data:`CODES_PER_QUERY` codes a query."""
    found: dict[str, str] = {}
    for chunk in pw.chunked(codes, CODES_PER_QUERY):
        query = ReturnRecord.select(ReturnRecord.code, ReturnRecord.raw_json).where(ReturnRecord.code.in_(chunk))
        found.update(query.tuples())
    return found


def database_file() -> Path:
    """The data file the database is bound to now (in team mode, this PC's own file beside the shared database)."""
    if not isinstance(db.obj, pw.SqliteDatabase):
        from core.team.connection import local_database

        return Path(local_database().database)
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
