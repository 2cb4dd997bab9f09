"""``team status``: the PCs seen in the shared database, their last activity, and the sheets still open — being sent
(with their holder and lease) or in state unknown."""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from core.states import SheetStatus
from core.team.move import Conflict, conflicts


@dataclass(frozen=True)
class Pc:
    pc: str
    os_user: str
    first_seen: str
    last_seen: str
    last_action: str


@dataclass(frozen=True)
class OpenSheet:
    sheet_id: str
    code: str
    status: str
    holder: str  # PC / OS user / process of the last claim
    claimed_at: str
    lease_left_seconds: float | None  # sending only: negative once it ran out


@dataclass
class TeamStatus:
    url: str
    versions: dict[str, int]
    pcs: list[Pc] = field(default_factory=list)
    open_sheets: list[OpenSheet] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "versions": self.versions,
            "pcs": [p.__dict__ for p in self.pcs],
            "open": [s.__dict__ for s in self.open_sheets],
            "conflicts": [c.__dict__ for c in self.conflicts],
        }


def _text(value: object) -> str:
    return "" if value is None else str(value)[:19]


def status(database: pw.Database, url: str) -> TeamStatus:
    from core.team.schema import versions

    found = TeamStatus(url, versions(database) or {})
    # Last activity: the newest log row of the PC and OS user (a pull, a push, a mark…), or their last start if later.
    rows = database.execute_sql(
        "SELECT p.pc, p.os_user, p.first_seen AT TIME ZONE 'Asia/Shanghai', "
        "GREATEST(p.last_seen AT TIME ZONE 'Asia/Shanghai', l.time), "
        "CASE WHEN l.time > p.last_seen AT TIME ZONE 'Asia/Shanghai' THEN l.action || ' ' || l.status "
        "ELSE p.last_action END "
        "FROM team_pc p LEFT JOIN LATERAL (SELECT time, action, status FROM sync_log s "
        "WHERE s.pc = p.pc AND s.os_user = p.os_user ORDER BY time DESC LIMIT 1) l ON true ORDER BY 4 DESC"
    ).fetchall()
    found.pcs = [Pc(pc, user, _text(first), _text(last), action) for pc, user, first, last, action in rows]
    rows = database.execute_sql(
        "SELECT sheet_id, code, status, claimed_host, claimed_user, claimed_pid, claimed_at, "
        "EXTRACT(EPOCH FROM lease_until - now()) FROM ledger_entry WHERE status IN (%s, %s) ORDER BY status, sheet_id",
        (SheetStatus.SENDING, SheetStatus.UNKNOWN),
    ).fetchall()
    found.open_sheets = [
        OpenSheet(
            sheet_id,
            code,
            state,
            f"{host or '?'} / {user or '?'} / {pid or '?'}",
            _text(claimed),
            float(left) if left is not None and state == SheetStatus.SENDING else None,
        )
        for sheet_id, code, state, host, user, pid, claimed, left in rows
    ]
    found.conflicts = conflicts(database)
    return found
