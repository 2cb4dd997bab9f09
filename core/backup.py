"""Backups of the data file, and putting one back: the command line's ``backup FILE`` / ``restore FILE`` and the
window's Help › 备份 / 恢复 (no Qt here).

- :func:`backup` copies the data file with SQLite's online backup API: a consistent image while the window, a
  scheduled pull or push, or this process writes to it. The copy is one self-contained file (no ``-wal``), checked
  before it takes the target's name.
- :func:`inspect` says whether a file is a ReturnSync data file this version can use, and what it holds.
- :func:`restore` puts such a file in the place of the data file of a data folder: it refuses a file that is not a
  ReturnSync data file, one written by a newer version and a damaged one; keeps the current data file aside first
  (``FILE.before-restore-<yyyymmdd-HHMMSS>`` beside it, where the automatic copies are); carries over the push-ledger
  rows of the file it replaces (a sheet posted since the backup must not show as ready again); brings an older file
  up to date (taking the usual automatic copy before the migration). It is done with the same steps as putting back an
  automatic copy (:func:`core.store.replace_with`).
- :func:`in_use` says whether another connection — another process, or this one — has the data file open;
  :func:`refuse_if_in_use` raises :class:`DataFileInUse` then (``restore`` and ``data restore-copy`` do).

Every refusal is a :class:`BackupError` (a :class:`~core.errors.ConfigError`: exit code 2) with its Chinese and
English text; nothing is changed when one is raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path

import peewee as pw

from core import paths, store
from core.errors import ConfigError

log = logging.getLogger(__name__)

# Tables every ReturnSync data file has had since schema 1: what tells it from any other SQLite file.
IDENTIFYING_TABLES = frozenset({"setting", "return_record", "ledger_entry", "sync_log"})
KEPT_ASIDE = "before-restore"  # FILE.before-restore-<stamp>: the data file a restore replaced


class BackupError(ConfigError):
    """A backup or restore that was refused or failed; nothing was changed. ``path``: the file it is about."""

    def __init__(self, zh: str, en: str, *, path: Path | str) -> None:
        super().__init__(zh, en)
        self.path = str(path)


class NotReturnSyncFile(BackupError):
    """The file is not a ReturnSync data file (another SQLite database, or no database at all)."""


class NewerVersionFile(BackupError):
    """The file was written by a newer version of ReturnSync (its schema is ahead of this one's)."""


class DamagedFile(BackupError):
    """The file is a ReturnSync data file that fails SQLite's check."""


class DataFileInUse(BackupError):
    """Another connection (the window, a scheduled run, a database tool) has the data file open."""


@dataclasses.dataclass(frozen=True)
class Inspected:
    """What a ReturnSync data file holds: its schema version, its returns and its push-ledger rows."""

    file: Path
    schema: int
    returns: int
    ledger_rows: int


@dataclasses.dataclass(frozen=True)
class Backup:
    """A backup made by :func:`backup`: the file, its size in bytes, and what it holds."""

    file: Path
    size: int
    holds: Inspected


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore` did. ``kept``: where the data file it replaced is (``None``: there was none);
    ``carried``: the ledger rows carried over from it (``None``: none could be read or there was none);
    ``migrated_from``: the schema the file was brought up from (``None``: it was current); ``taken``: when the
    restored file was made (from an automatic copy's name, else the file's time)."""

    file: Path
    source: Path
    kept: Path | None
    carried: int | None
    migrated_from: int | None
    taken: datetime
    holds: Inspected


def _refuse_in_team_mode(data_file: Path) -> None:
    """A PC in team mode keeps only its own preferences in its data file: a copy of it would not hold the returns,
    the ledger or the log, which live in the shared database — say so rather than make a backup that is not one."""
    try:
        with contextlib.closing(sqlite3.connect(f"{data_file.resolve().as_uri()}?mode=ro", uri=True, timeout=1)) as con:
            found = con.execute("SELECT value FROM setting WHERE key = 'team.url'").fetchone()
    except sqlite3.DatabaseError:
        return  # not readable as ours: the backup itself says what is wrong with it
    if found and str(found[0] or "").strip():
        raise BackupError(
            "本机处于团队模式：退货单、推送台账和同步日志都在共享的 PostgreSQL 数据库里，本机的数据文件只保存窗口偏好。"
            "请在数据库服务器上备份共享数据库（例如用 pg_dump）。",
            "This PC is in team mode: the returns, the push ledger and the sync log live in the shared PostgreSQL "
            "database, and this PC's data file holds only its own preferences. Back up the shared database on the "
            "database server (with pg_dump, for example).",
            path=data_file,
        )


def inspect(file: Path | str) -> Inspected:
    """Check that ``file`` is a ReturnSync data file this version can use — an SQLite database with ReturnSync's
    tables, a schema no newer than :data:`core.store.SCHEMA_VERSION`, passing ``PRAGMA quick_check`` — reading it
    only. Raises :class:`NotReturnSyncFile`, :class:`NewerVersionFile` or :class:`DamagedFile`."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"找不到文件 {file}。", f"There is no file {file}.", path=file)
    try:
        with contextlib.closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=1)) as con:
            schema = con.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if schema > store.SCHEMA_VERSION:
                raise NewerVersionFile(
                    f"文件 {file} 来自更新版本的退货单同步助手（数据架构 {schema}，本程序只认识到 "
                    f"{store.SCHEMA_VERSION}），本程序无法使用它，没有做任何改动。请先升级本程序。",
                    f"The file {file} was written by a newer version of ReturnSync (schema {schema}; this one knows up "
                    f"to {store.SCHEMA_VERSION}) and cannot be used by this one; nothing was changed. Update "
                    "ReturnSync first.",
                    path=file,
                )
            if schema < 1 or not IDENTIFYING_TABLES.issubset(tables):
                raise _not_returnsync(file, "")
            verdict = "; ".join(str(row[0]) for row in con.execute("PRAGMA quick_check").fetchmany(5))
            if verdict != "ok":
                raise _damaged(file, verdict)
            returns = con.execute("SELECT count(*) FROM return_record").fetchone()[0]
            ledger_rows = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if store.is_busy(exc):
            raise _in_use(file, exc) from exc
        if store.is_damaged(exc) and "not a database" not in str(exc):
            raise _damaged(file, str(exc)) from exc
        raise _not_returnsync(file, str(exc)) from exc
    return Inspected(file=file, schema=schema, returns=returns, ledger_rows=ledger_rows)


def backup(source: Path | str | sqlite3.Connection | pw.Database | pw.DatabaseProxy, target: Path | str) -> Backup:
    """Copy the data file ``source`` — its path, or an open connection to it (sqlite3 or peewee, used on the calling
    thread) — into ``target`` with SQLite's online backup, consistent while others write. The copy is written next to
    ``target`` first, made self-contained (journal mode DELETE), checked (:func:`inspect`), then renamed to
    ``target``. An existing ``target`` is replaced only when it is a ReturnSync data file itself (an earlier backup),
    and never when it is the source. Raises :class:`BackupError` (and its kinds) with nothing changed."""
    target = Path(target)
    if isinstance(source, (pw.Database, pw.DatabaseProxy)):
        source = source.connection()
    if not isinstance(source, sqlite3.Connection):
        source = Path(source)
        if not source.is_file():
            raise BackupError(
                f"没有数据文件 {source}，无可备份。", f"There is no data file {source} to back up.", path=source
            )
        if target.exists() and target.resolve() == source.resolve():
            raise BackupError(
                f"备份文件不能是数据文件本身（{target}）。",
                f"The backup cannot be the data file itself ({target}).",
                path=target,
            )
        _refuse_in_team_mode(source)
    if target.is_dir():
        raise BackupError(
            f"{target} 是一个文件夹；请给出备份文件的名称。",
            f"{target} is a folder; the backup needs a file name.",
            path=target,
        )
    if target.exists():
        try:
            inspect(target)
        except BackupError as exc:
            raise BackupError(
                f"文件 {target} 已存在，且不是本程序能读取的退货单同步助手备份，没有覆盖它。",
                f"The file {target} exists and is not a ReturnSync backup this version can read; it was not "
                "overwritten.",
                path=target,
            ) from exc
    partial = target.with_name(f"{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        store.copy_database(source, partial)
        with contextlib.closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, whatever the source's journal
        holds = inspect(partial)
        os.replace(partial, target)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise store.data_file_error(exc, _name(source)) or BackupError(
            f"无法备份（{exc}）。", f"The backup could not be made ({exc}).", path=target
        ) from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(
            f"无法写入备份文件 {target}（{exc}）。", f"The backup {target} could not be written ({exc}).", path=target
        ) from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    made = Backup(file=target, size=target.stat().st_size, holds=dataclasses.replace(holds, file=target))
    log.info(
        "backup of %s written to %s (%d bytes, %d returns, %d ledger rows)",
        _name(source),
        target,
        made.size,
        holds.returns,
        holds.ledger_rows,
    )
    return made


def in_use(path: Path | str) -> bool:
    """Whether any connection — another process's or this one's — has the data file ``path`` open: its exclusive
    lock cannot be taken at once. A file that is missing or that SQLite cannot read is not in use."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as probe:
            probe.execute("PRAGMA locking_mode = EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
            probe.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        return store.is_busy(exc)
    return False


def refuse_if_in_use(path: Path | str) -> None:
    """Raise :class:`DataFileInUse` when :func:`in_use` says the data file ``path`` is open."""
    if in_use(path):
        raise _in_use(Path(path), None)


def restore(source_file: Path | str, data_folder: Path | str) -> RestoreResult:
    """Put the backup ``source_file`` in the place of the data file of ``data_folder``.

    Checks the file (:func:`inspect`) and that no connection has the data file open (:func:`in_use`; this process's
    own must be closed first, :func:`core.store.close_database`); then keeps the data file aside, puts a copy of the
    backup in its place and carries over the ledger rows of the file replaced (:func:`core.store.replace_with`); then
    migrates a file of an older schema. The backup itself is left as it is. Leaves no connection open (the store is
    bound to the restored file when it was migrated). Raises :class:`BackupError` and its kinds; on a refusal nothing
    was changed."""
    source = Path(source_file)
    path = paths.database_path(Path(data_folder))
    if path.exists() and source.exists() and source.resolve() == path.resolve():
        raise BackupError(f"{source} 就是当前的数据文件，无需恢复。", f"{source} is the data file itself.", path=source)
    holds = inspect(source)
    refuse_if_in_use(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        restored = store.replace_with(path, source, aside=KEPT_ASIDE)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise BackupError(
            f"无法把备份放到数据文件的位置（{exc}）：可能有另一个程序正在使用数据文件。数据文件没有改动。",
            f"The backup could not be put in place of the data file ({exc}): another program may be using it. The "
            "data file was not changed.",
            path=path,
        ) from exc
    migrated_from = None
    if holds.schema < store.SCHEMA_VERSION:
        store.open_database(path)  # the usual automatic copy, then the migrations
        store.close_database()
        migrated_from = holds.schema
    taken = restored.taken or datetime.fromtimestamp(source.stat().st_mtime)
    log.info(
        "data file %s restored from %s (schema %s%s); the file it replaced is kept as %s",
        path,
        source,
        holds.schema,
        f", migrated to {store.SCHEMA_VERSION}" if migrated_from else "",
        restored.kept,
    )
    return RestoreResult(
        file=path,
        source=source,
        kept=restored.kept,
        carried=restored.carried,
        migrated_from=migrated_from,
        taken=taken,
        holds=holds,
    )


def _name(source: Path | sqlite3.Connection) -> Path:
    if isinstance(source, Path):
        return source
    row = source.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else Path("?")


def _not_returnsync(file: Path, detail: str) -> NotReturnSyncFile:
    why_zh, why_en = (f"（{detail}）", f" ({detail})") if detail else ("", "")
    return NotReturnSyncFile(
        f"文件 {file} 不是退货单同步助手的数据文件或备份{why_zh}，没有做任何改动。",
        f"The file {file} is not a ReturnSync data file or backup{why_en}; nothing was changed.",
        path=file,
    )


def _damaged(file: Path, verdict: str) -> DamagedFile:
    return DamagedFile(
        f"文件 {file} 已损坏（{verdict}），不能使用，没有做任何改动。",
        f"The file {file} is damaged ({verdict}) and cannot be used; nothing was changed.",
        path=file,
    )


def _in_use(path: Path, exc: BaseException | None) -> DataFileInUse:
    detail_zh, detail_en = (f"（{exc}）", f" ({exc})") if exc else ("", "")
    return DataFileInUse(
        f"数据文件 {path} 正在被使用{detail_zh}：退货单同步助手的窗口、计划任务中的拉取或推送，或其他程序打开着它。"
        "没有做任何改动；请先关闭它们再恢复。",
        f"The data file {path} is in use{detail_en}: the ReturnSync window, a scheduled pull or push, or another "
        "program has it open. Nothing was changed; close them before restoring.",
        path=path,
    )
