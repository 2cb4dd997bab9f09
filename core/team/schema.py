"""The shared database's schema: the store's own tables and migrations (:data:`core.store.MIGRATIONS`, the same steps
as the local file's), plus what only a team needs, each with its version in the table ``returnsync_schema`` (the
local file keeps its version in ``PRAGMA user_version``).

Team steps, appended only: the ledger's lease (from the database's clock) and the claim's OS user, where a moved row
came from, the sync log's origin (so that a move is never logged twice) and PC, the PCs seen, the conflicts a move
found.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from core import store
from core.errors import ConfigError

VERSION_TABLE = "returnsync_schema"
# pg_advisory_xact_lock key: one PC at a time creates or upgrades the schema.
_LOCK_KEY = 0x52535943


def _team_1(database: pw.Database) -> None:
    for statement in (
        "ALTER TABLE ledger_entry ADD COLUMN lease_until TIMESTAMPTZ",
        "ALTER TABLE ledger_entry ADD COLUMN claimed_user TEXT",
        "ALTER TABLE ledger_entry ADD COLUMN moved_from TEXT",
        "ALTER TABLE sync_log ADD COLUMN pc TEXT",
        "ALTER TABLE sync_log ADD COLUMN origin TEXT UNIQUE",
        "CREATE TABLE team_pc (pc TEXT NOT NULL, os_user TEXT NOT NULL, first_seen TIMESTAMPTZ NOT NULL DEFAULT now(), "
        "last_seen TIMESTAMPTZ NOT NULL DEFAULT now(), last_action TEXT NOT NULL DEFAULT '', "
        "PRIMARY KEY (pc, os_user))",
        "CREATE TABLE team_conflict (sheet_id TEXT NOT NULL, origin TEXT NOT NULL, code TEXT NOT NULL, "
        "moved_status TEXT NOT NULL, moved_sheet_no TEXT, shared_status TEXT NOT NULL, shared_sheet_no TEXT, "
        "found_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (sheet_id, origin))",
        "CREATE INDEX ledger_entry_sending_lease ON ledger_entry (lease_until) WHERE status = 'sending'",
    ):
        database.execute_sql(statement)


def _team_2(database: pw.Database) -> None:
    # The SQLite functions the store's own queries use (the log's export, the returns table's notes).
    database.execute_sql(
        "CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE "
        "AS 'SELECT strpos(haystack, needle)'"
    )
    database.execute_sql(
        "CREATE FUNCTION strftime(format TEXT, moment TIMESTAMP) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ "
        "SELECT to_char(moment, replace(replace(replace(replace(replace(replace(format, '%Y', 'YYYY'), '%m', 'MM'), "
        "'%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%S', 'SS')) $$"
    )


def _team_3(database: pw.Database) -> None:
    # Each log row names the PC that wrote it, from its connection's application_name ("ReturnSync <PC> <pid>",
    # core.team.connection): team status reads every PC's last activity from the log.
    database.execute_sql(
        "ALTER TABLE sync_log ALTER COLUMN pc SET DEFAULT "
        "NULLIF(split_part(current_setting('application_name'), ' ', 2), '')"
    )
    database.execute_sql("CREATE INDEX sync_log_pc_time ON sync_log (pc, os_user, time)")


# TEAM_MIGRATIONS[i] takes the team part from version i to i + 1. Append only; never edit a step.
TEAM_MIGRATIONS: list[Callable[[pw.Database], None]] = [_team_1, _team_2, _team_3]
PARTS = {"store": store.MIGRATIONS, "team": TEAM_MIGRATIONS}


def versions(database: pw.Database) -> dict[str, int] | None:
    """The versions of each part, or ``None`` when the database holds no ReturnSync schema."""
    if VERSION_TABLE not in database.get_tables():
        return None
    return dict(database.execute_sql(f"SELECT part, version FROM {VERSION_TABLE}").fetchall())


def is_empty(database: pw.Database) -> bool:
    return not database.get_tables()


def _migrate(database: pw.Database) -> None:
    """Bring every part up to this program's version, in one transaction, one PC at a time."""
    with database.bind_ctx(store.MODELS), database.atomic():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        database.execute_sql(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (part TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        found = dict(database.execute_sql(f"SELECT part, version FROM {VERSION_TABLE}").fetchall())
        for part, steps in PARTS.items():
            for version in range(found.get(part, 0), len(steps)):
                steps[version](database)
            database.execute_sql(
                f"INSERT INTO {VERSION_TABLE} (part, version) VALUES (%s, %s) "
                "ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version",
                (part, len(steps)),
            )


def create(database: pw.Database, url: str) -> None:
    """``team init``: the schema in an empty database (:class:`ConfigError` if it holds any table)."""
    if not is_empty(database):
        raise ConfigError(
            f"数据库 {url} 不是空的，没有建立任何内容（团队数据库只建立在空数据库里）。",
            f"The database {url} is not empty; nothing was created (a team database is only set up in an empty one).",
        )
    _migrate(database)


def check(database: pw.Database, url: str) -> None:
    """The schema is there and not newer than this program; an older one is brought up to date."""
    found = versions(database)
    if found is None:
        raise ConfigError(
            f"数据库 {url} 里没有退货单同步助手的团队数据：团队数据库还没有建立。",
            f"The database {url} holds no ReturnSync team data: no team database has been set up there yet.",
            setting="team.url",
        )
    newer = [part for part, steps in PARTS.items() if found.get(part, 0) > len(steps)]
    if newer:
        raise ConfigError(
            f"共享数据库 {url} 由更新的版本建立（{found}），请先升级本程序。",
            f"The shared database {url} was set up by a newer version ({found}); please update ReturnSync first.",
            setting="team.url",
        )
    if any(found.get(part, 0) < len(steps) for part, steps in PARTS.items()):
        _migrate(database)
