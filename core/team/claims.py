"""The ledger's claim in the shared database: exactly once across PCs (SPEC §5, §11).

A claim is one transaction committed before any byte is sent: the row is locked (``SELECT … FOR UPDATE``), and one
conditional ``UPDATE … WHERE status IN (…)`` takes it — of two PCs claiming the same SheetID, the second waits for
the first's commit and then finds ``sending``. The claim names its holder (PC, OS user, process) and carries a lease
taken from the database's clock, since PC clocks disagree. A ``sending`` row whose lease ran out — its PC crashed,
lost the network or the database — becomes ``unknown`` for everyone, never ``ready``. Process ids mean nothing
across machines and are not used here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection

from core import settings
from core.i18n import t
from core.jingcheng.sheet import Sheet
from core.states import SheetStatus
from core.store import LedgerEntry, db, os_user, write_log

HOST = socket.gethostname()
_USER = os_user()
_TABLE = LedgerEntry._meta.table_name
# The database's clock, as the naive China time every other stamp in the tables has.
NOW = "(now() AT TIME ZONE 'Asia/Shanghai')"


def _lease() -> str:
    """The lease's length, read by the database itself from the team's setting as it takes the claim (no round trip
    of its own, never stale): ``team.lease_seconds``, else its default."""
    default = float(settings.KEYS["team.lease_seconds"].default)
    setting = "(SELECT value FROM setting WHERE key = 'team.lease_seconds')::float"
    return f"make_interval(secs => COALESCE({setting}, {default}))"


def claim(sheet: Sheet, code: str, allowed: tuple[str, ...], token: str) -> tuple[bool, str, tuple | None]:
    """Take the sheet (the caller holds the transaction): ``(taken, status found, (body, hash) found)``.

    The first statement inserts the row as ready or, when there is one, locks it and reads it as it is (a claim of
    another PC being committed is waited for); the second is the decision."""
    previous, body, digest = db.execute_sql(
        f"INSERT INTO {_TABLE} (sheet_id, code, status, attempts, message, updated_at) "
        f"VALUES (%s, %s, %s, 0, '', {NOW}) ON CONFLICT (sheet_id) DO UPDATE SET sheet_id = EXCLUDED.sheet_id "
        "RETURNING status, request_body, sheet_hash",
        (sheet.sheet_id, code, SheetStatus.READY),
    ).fetchone()
    taken = db.execute_sql(
        f"UPDATE {_TABLE} SET status = %s, code = %s, attempts = attempts + 1, request_body = %s, sheet_hash = %s, "
        "message = '', claimed_by = %s, claimed_pid = %s, claimed_host = %s, claimed_user = %s, "
        f"claimed_at = {NOW}, updated_at = {NOW}, lease_until = now() + {_lease()} "
        "WHERE sheet_id = %s AND status = ANY(%s)",
        (
            SheetStatus.SENDING,
            code,
            sheet.body().decode("utf-8"),
            sheet.digest(),
            token,
            os.getpid(),
            HOST,
            _USER,
            sheet.sheet_id,
            list(allowed),
        ),
    ).rowcount
    return bool(taken), previous, (body, digest)


def recover(token: str, in_flight: Collection[str]) -> list[str]:
    """``sending`` rows whose lease ran out (and this process's own that it no longer works on) become ``unknown``;
    returns their SheetIDs. Rows another PC is still working on within its lease are left alone."""
    recovered = []
    with db.atomic():
        rows = db.execute_sql(
            f"SELECT sheet_id, code, claimed_host, claimed_user, claimed_pid, claimed_at FROM {_TABLE} "
            "WHERE status = %s AND NOT (sheet_id = ANY(%s)) "
            "AND (claimed_by = %s OR lease_until IS NULL OR lease_until < now()) FOR UPDATE SKIP LOCKED",
            (SheetStatus.SENDING, list(in_flight), token),
        ).fetchall()
        for sheet_id, code, host, user, pid, started in rows:
            holder = f"{host or '?'} / {user or '?'} / {pid or '?'}"
            started = str(started)[:19] if started else "?"
            message = t(
                f"推送中断（{holder} 于 {started} 开始，租约已到期，没有记下结果），不知此单是否已入账。状态未知。",
                f"A push was interrupted ({holder} started it at {started}; its lease ran out with no outcome "
                "recorded), so whether the sheet was booked is not known. State unknown.",
            )
            db.execute_sql(
                f"UPDATE {_TABLE} SET status = %s, message = %s, updated_at = {NOW} WHERE sheet_id = %s",
                (SheetStatus.UNKNOWN, message, sheet_id),
            )
            write_log("recover", SheetStatus.UNKNOWN, message, code=code)
            recovered.append(sheet_id)
    return recovered


def seen(action: str) -> None:
    """This PC (and OS user) was active now: what ``team status`` lists."""
    db.execute_sql(
        "INSERT INTO team_pc (pc, os_user, last_action) VALUES (%s, %s, %s) "
        "ON CONFLICT (pc, os_user) DO UPDATE SET last_seen = now(), last_action = EXCLUDED.last_action",
        (HOST, os_user(), action),
    )
