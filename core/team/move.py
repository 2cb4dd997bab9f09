"""``team move``: copy this PC's data folder into the shared database — nothing lost, nothing doubled.

The local file is read read-only; each table is written in its own transactions, every row by a rule that gives the
same result when run again, so a move that stopped half-way is finished by running it again, and one run twice
changes nothing. Per table: returns — the later pull wins; value tables and settings — the team's wins; watermarks —
the later one; the sync log — each row once (its origin: this folder and its id); the ledger — a sheet the team has
not seen comes in as it is; one the team holds as ready or failed takes this folder's posted or unknown state (the
sheet may be in 精诚: it must not be sent again); a sheet that is posted or unknown here AND posted, unknown or being
sent in the team database (from another PC) is a conflict — possibly booked twice — recorded in ``team_conflict`` and
reported for the accountant, never merged.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from core import settings
from core.states import SheetStatus
from core.store import LedgerEntry, ReturnRecord, SyncLog
from core.team.claims import HOST

CHUNK = 1000
_BOOKED = (SheetStatus.POSTED, SheetStatus.UNKNOWN)  # the sheet may be in 精诚
_LEDGER_COLUMNS = tuple(f.column_name for f in LedgerEntry._meta.sorted_fields)
_RETURN_COLUMNS = tuple(f.column_name for f in ReturnRecord._meta.sorted_fields)
_LOG_COLUMNS = tuple(f.column_name for f in SyncLog._meta.sorted_fields if f.column_name != "id")


@dataclass(frozen=True)
class Conflict:
    sheet_id: str
    code: str
    moved_status: str
    moved_sheet_no: str | None
    shared_status: str
    shared_sheet_no: str | None


@dataclass
class MoveResult:
    origin: str
    counts: dict[str, int] = field(default_factory=dict)  # rows written, per table
    conflicts: list[Conflict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"origin": self.origin, "counts": self.counts, "conflicts": [c.__dict__ for c in self.conflicts]}


def origin_of(path: Path) -> str:
    """Where moved rows came from: this PC and its data file."""
    return f"{HOST}:{path.resolve()}"


@contextlib.contextmanager
def _read(path: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as source:
        yield source


def _chunks(source: sqlite3.Connection, sql: str) -> Iterator[list[tuple]]:
    cursor = source.execute(sql)
    while rows := cursor.fetchmany(CHUNK):
        yield rows


def _write(
    shared: pw.Database,
    source: sqlite3.Connection,
    select: str,
    insert: str,
    convert: Callable[[tuple], tuple] | None = None,
) -> int:
    written = 0
    for rows in _chunks(source, select):
        rows = [convert(row) for row in rows] if convert else rows
        with shared.atomic():
            cursor = shared.connection().executemany(insert, rows)
            written += max(cursor.rowcount, 0)
    return written


def _listed(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def move(path: Path, shared: pw.Database) -> MoveResult:
    """Copy the data file ``path`` into ``shared`` (see the module's text)."""
    origin = origin_of(path)
    result = MoveResult(origin)
    with _read(path) as source:
        per_pc = ", ".join(f"'{key}'" for key in sorted(settings.PER_PC))
        result.counts["settings"] = _write(
            shared,
            source,
            f"SELECT key, value FROM setting WHERE key NOT IN ({per_pc})",
            "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        )
        listed = _listed(_RETURN_COLUMNS)
        kept = [c for c in _RETURN_COLUMNS if c not in ("code", "first_pulled_at")]
        result.counts["returns"] = _write(
            shared,
            source,
            f"SELECT {listed} FROM return_record",
            f"INSERT INTO return_record ({listed}) VALUES ({', '.join('?' * len(_RETURN_COLUMNS))}) "
            f"ON CONFLICT (code) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in kept)}, "
            "first_pulled_at = LEAST(return_record.first_pulled_at, EXCLUDED.first_pulled_at) "
            "WHERE EXCLUDED.last_pulled_at > return_record.last_pulled_at",
            _return_row,
        )
        result.counts["shop_map"] = _write(
            shared,
            source,
            "SELECT shop_code, customer_code, customer_name FROM shop_map",
            "INSERT INTO shop_map (shop_code, customer_code, customer_name) VALUES (?, ?, ?) "
            "ON CONFLICT (shop_code) DO NOTHING",
        )
        result.counts["goods_map"] = _write(
            shared,
            source,
            "SELECT code, goods_id FROM goods_map",
            "INSERT INTO goods_map (code, goods_id) VALUES (?, ?) ON CONFLICT (code) DO NOTHING",
        )
        result.counts["watermarks"] = _write(
            shared,
            source,
            "SELECT axis, value FROM watermark",
            "INSERT INTO watermark (axis, value) VALUES (?, ?) "
            "ON CONFLICT (axis) DO UPDATE SET value = EXCLUDED.value WHERE EXCLUDED.value > watermark.value",
        )
        result.counts["ledger"] = _move_ledger(shared, source, origin)
        listed = _listed(_LOG_COLUMNS)
        result.counts["sync_log"] = _write(
            shared,
            source,
            f"SELECT {listed}, '{origin.replace(chr(39), chr(39) * 2)}#' || id FROM sync_log",
            f"INSERT INTO sync_log ({listed}, origin) VALUES ({', '.join('?' * (len(_LOG_COLUMNS) + 1))}) "
            "ON CONFLICT (origin) DO NOTHING",
        )
    result.conflicts = conflicts(shared, origin)
    return result


_FLAGS = [i for i, f in enumerate(ReturnRecord._meta.sorted_fields) if isinstance(f, pw.BooleanField)]


def _return_row(row: tuple) -> tuple:
    """SQLite's 0/1 flags as PostgreSQL's booleans."""
    return tuple(bool(value) if i in _FLAGS else value for i, value in enumerate(row))


def _move_ledger(shared: pw.Database, source: sqlite3.Connection, origin: str) -> int:
    listed = _listed(_LEDGER_COLUMNS)
    sheet = _LEDGER_COLUMNS.index("sheet_id")
    status = _LEDGER_COLUMNS.index("status")
    number = _LEDGER_COLUMNS.index("sheet_no")
    written = 0
    for rows in _chunks(source, f"SELECT {listed} FROM ledger_entry ORDER BY sheet_id"):
        with shared.atomic():
            ids = [row[sheet] for row in rows]
            found = {
                r[0]: r[1:]
                for r in shared.execute_sql(
                    "SELECT sheet_id, status, sheet_no, moved_from FROM ledger_entry "
                    "WHERE sheet_id = ANY(%s) FOR UPDATE",
                    (ids,),
                ).fetchall()
            }
            for row in rows:
                here = found.get(row[sheet])
                if here is None:
                    shared.execute_sql(
                        f"INSERT INTO ledger_entry ({listed}, moved_from) VALUES "
                        f"({', '.join('%s' for _ in _LEDGER_COLUMNS)}, %s)",
                        (*row, origin),
                    )
                    written += 1
                    continue
                team_status, team_no, moved_from = here
                if moved_from == origin or row[status] not in _BOOKED:
                    continue  # moved before, or nothing here the team needs
                if team_status in (*_BOOKED, SheetStatus.SENDING):
                    if not (team_no and team_no == row[number]):  # the same 精诚 number is the same booking
                        shared.execute_sql(
                            "INSERT INTO team_conflict (sheet_id, origin, code, moved_status, moved_sheet_no, "
                            "shared_status, shared_sheet_no) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                            "ON CONFLICT (sheet_id, origin) DO NOTHING",
                            (
                                row[sheet],
                                origin,
                                row[_LEDGER_COLUMNS.index("code")],
                                row[status],
                                row[number],
                                team_status,
                                team_no,
                            ),
                        )
                    continue
                changes = [c for c in _LEDGER_COLUMNS if c != "sheet_id"]
                shared.execute_sql(
                    f"UPDATE ledger_entry SET {', '.join(f'{c} = %s' for c in changes)}, moved_from = %s "
                    "WHERE sheet_id = %s",
                    (*(row[_LEDGER_COLUMNS.index(c)] for c in changes), origin, row[sheet]),
                )
                written += 1
    return written


def conflicts(shared: pw.Database, origin: str | None = None) -> list[Conflict]:
    """The conflicts moves found (those of one ``origin``, or all)."""
    sql = (
        "SELECT sheet_id, code, moved_status, moved_sheet_no, shared_status, shared_sheet_no FROM team_conflict"
        + (" WHERE origin = %s" if origin else "")
        + " ORDER BY sheet_id"
    )
    return [Conflict(*row) for row in shared.execute_sql(sql, (origin,) if origin else ()).fetchall()]


def sending_rows(path: Path) -> int:
    """Sheets another ReturnSync on this PC is sending now from this data file."""
    with _read(path) as source:
        query = "SELECT count(*) FROM ledger_entry WHERE status = ?"
        return source.execute(query, (SheetStatus.SENDING,)).fetchone()[0]
