"""The push ledger (SPEC §5): one row per 精诚 SheetID, so that a sheet is posted exactly once.

A sheet is claimed by ONE conditional UPDATE committed before any byte is sent; SQLite
serialises writers, so of two processes claiming the same SheetID exactly one sees a changed
row. Each transition writes its sync-log row in the same transaction as the ledger change, so
the log never says more or less than the ledger holds.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import peewee as pw

from core import settings
from core.advice import Advice
from core.errors import ConfigError, DataFileFull
from core.i18n import t
from core.jingcheng.outcome import Outcome
from core.jingcheng.sheet import Sheet
from core.states import FORCEABLE, PUSHABLE, SheetStatus, status_text
from core.store import CODES_PER_QUERY, LedgerEntry, database_file, db, is_full, write_log
from core.team import claims as team_claims
from core.team.connection import is_lost, lost, shared
from core.timeutil import format_datetime, now_china

HOST = socket.gethostname()
# Added to connect + read timeout before a claim counts as abandoned — only where the claimer cannot
# be told apart from another process that got its pid (another host, a system without start times).
CLAIM_MARGIN_SECONDS = 60.0
# Tries at storing an outcome while another program holds the file's write lock; each waits the
# database's busy timeout (10 s), so an outcome is given up only after a minute.
RECORD_ATTEMPTS = 6

# SheetIDs this process has claimed and is still working on (a count: two threads may race for one).
# Recovery leaves them alone, and takes back this process's own claims that are not among them — one
# whose outcome could not be stored would otherwise stay "being sent" for as long as the window is open.
_in_flight: Counter[str] = Counter()
_in_flight_lock = threading.Lock()


@dataclass(frozen=True)
class Claim:
    """The result of :func:`claim`. ``ok``: this process now holds the sheet and may send it.
    ``previous``: the status found — the one it was taken from, or the one that refused it."""

    sheet_id: str
    code: str
    ok: bool
    previous: str
    forced: bool = False
    # A forced claim's row as it was: what 精诚 holds, put back if 精诚 refuses the re-push.
    previous_body: str | None = None
    previous_hash: str | None = None


def entries(sheet_ids: Iterable[str]) -> dict[str, LedgerEntry]:
    """The ledger rows of these SheetIDs (absent ones are ``ready``)."""
    ids = list(dict.fromkeys(sheet_ids))
    found: dict[str, LedgerEntry] = {}
    for chunk in pw.chunked(ids, CODES_PER_QUERY):
        found.update((e.sheet_id, e) for e in LedgerEntry.select().where(LedgerEntry.sheet_id.in_(chunk)))
    return found


def find(code_or_sheet_id: str) -> LedgerEntry | None:
    """The row of a SheetID, or else of a 管易云 code."""
    row = LedgerEntry.get_or_none(LedgerEntry.sheet_id == code_or_sheet_id)
    return row or LedgerEntry.get_or_none(LedgerEntry.code == code_or_sheet_id)


def codes_with_status(statuses: Iterable[str]) -> set[str]:
    """管易云 codes whose sheet is in one of ``statuses``."""
    query = LedgerEntry.select(LedgerEntry.code).where(LedgerEntry.status.in_(list(statuses)))
    return {row.code for row in query}


# The claim and the outcome run once per sheet on the push's critical path, so they are plain SQL:
# peewee's query building costs more here than the statements themselves.
_TABLE = LedgerEntry._meta.table_name


def _hold(sheet_id: str) -> None:
    with _in_flight_lock:
        _in_flight[sheet_id] += 1


def _unhold(sheet_id: str) -> None:
    with _in_flight_lock:
        _in_flight[sheet_id] -= 1
        if _in_flight[sheet_id] <= 0:
            del _in_flight[sheet_id]


def release(claimed: Claim) -> None:
    """The sender is done with a claim it won: its outcome is stored, or it gave up."""
    _unhold(claimed.sheet_id)


def _busy(exc: pw.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


@contextlib.contextmanager
def writing(zh: str, en: str) -> Iterator[None]:
    """A write the data file refused (locked by another program past the busy timeout, disk full)
    becomes an error that says what it means for the sheets, not a traceback."""
    try:
        yield
    except Exception as exc:
        if shared() and is_lost(exc):  # the shared database stopped answering: the run stops, saying so
            raise lost(zh, en, exc) from exc
        if not isinstance(exc, pw.OperationalError):
            raise
        if is_full(exc):
            raise DataFileFull(
                f"无法写入数据文件：磁盘已满（{exc}）。{zh} 请腾出磁盘空间后重试。",
                f"The data file could not be written: the disk is full ({exc}). {en} Free some disk space and try "
                "again.",
                path=str(database_file()),
            ) from exc
        raise ConfigError(
            f"无法写入数据文件（{exc}）。{zh} 可能有另一个程序（另一个退货单同步助手、数据库工具、备份软件）"
            "正占用它，或磁盘已满；请稍后重试。",
            f"The data file could not be written ({exc}). {en} Another program (another ReturnSync, a database "
            "tool, a backup) may be holding it, or the disk is full; try again shortly.",
        ) from exc


def claim(sheet: Sheet, code: str, *, force: bool = False) -> Claim:
    """Take the sheet for sending: status ``sending``, request body and hash stored, committed.

    Refused (``ok`` false) unless the row is ready or failed — or, with ``force``, posted or
    unknown; a forced claim writes its own sync-log row naming the status it overrode. A claim won
    is this process's until :func:`release`.
    """
    allowed = FORCEABLE if force else PUSHABLE
    stamp = format_datetime(now_china())
    # Held before the commit, so recovery in another thread never sees the claim as left behind.
    _hold(sheet.sheet_id)
    try:
        taken, previous, forced, was = _claim(sheet, code, allowed, stamp)
    except BaseException:
        _unhold(sheet.sheet_id)
        raise
    if not taken:
        _unhold(sheet.sheet_id)
    return Claim(sheet.sheet_id, code, taken, previous, forced, *was)


def _claim(sheet: Sheet, code: str, allowed: tuple[str, ...],
           stamp: str) -> tuple[bool, str, bool, tuple[str | None, str | None]]:
    with writing(f"“{code}”没有发出。", f"'{code}' was not sent."), db.atomic("IMMEDIATE"):
        if shared():
            taken, previous, was = team_claims.claim(sheet, code, allowed, PROCESS_TOKEN)
        else:
            taken, previous, was = _take(sheet, code, allowed, stamp)
        forced = bool(taken) and previous not in PUSHABLE
        if forced:
            write_log(
                "force", previous,
                t(f"用户确认强制重新推送（原状态：{status_text(previous)}）。",
                  f"Forced re-push confirmed by the user (was: {status_text(previous)})."),
                code=code,
            )
        if taken:
            write_log("push", SheetStatus.SENDING, t("开始推送。", "Sending."), code=code)
    return bool(taken), previous, forced, (tuple(was) if forced else (None, None))


def _take(sheet: Sheet, code: str, allowed: tuple[str, ...], stamp: str) -> tuple[int, str, tuple]:
    """The claim in the local file, whose write lock the caller holds: (rows taken, status found, (body, hash)
    found)."""
    inserted = db.execute_sql(
        f"INSERT OR IGNORE INTO {_TABLE} (sheet_id, code, status, attempts, message, updated_at) "
        "VALUES (?, ?, ?, 0, '', ?)",
        (sheet.sheet_id, code, SheetStatus.READY, stamp),
    ).rowcount
    # The write lock is held since BEGIN IMMEDIATE, so this read cannot go stale before the
    # update; the update's WHERE repeats the condition, so it alone is still the decision.
    previous, *was = (SheetStatus.READY, None, None) if inserted else db.execute_sql(
        f"SELECT status, request_body, sheet_hash FROM {_TABLE} WHERE sheet_id = ?", (sheet.sheet_id,)
    ).fetchone()
    taken = db.execute_sql(
        f"UPDATE {_TABLE} SET status = ?, code = ?, attempts = attempts + 1, request_body = ?, sheet_hash = ?, "
        "message = '', claimed_by = ?, claimed_pid = ?, claimed_host = ?, claimed_at = ?, updated_at = ? "
        f"WHERE sheet_id = ? AND status IN ({', '.join('?' * len(allowed))})",
        (SheetStatus.SENDING, code, sheet.body().decode("utf-8"), sheet.digest(), PROCESS_TOKEN, os.getpid(), HOST,
         stamp, stamp, sheet.sheet_id, *allowed),
    ).rowcount
    return taken, previous, was


def record(claimed: Claim, outcome: Outcome) -> bool:
    """Store what the attempt came to. Returns ``False`` if the claim was no longer ours (a person
    marked or force-pushed the sheet meanwhile); the outcome is then only logged.

    While another program holds the file's write lock this keeps trying, for the outcome is known
    only here; if it still cannot be stored, the :class:`ConfigError` says what 精诚 answered, and its advice how
    to record that by hand (the sheet shows as ``unknown`` once recovered)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            with db.atomic("IMMEDIATE"):
                return _store_outcome(claimed, outcome, format_datetime(now_china()))
        except Exception as exc:
            if shared() and is_lost(exc):
                raise _unstored(claimed, outcome, exc) from exc
            if not isinstance(exc, pw.OperationalError):
                raise
            if attempts >= RECORD_ATTEMPTS or not _busy(exc):
                raise _unstored(claimed, outcome, exc) from exc


_UNSTORED_ADVICE = {SheetStatus.POSTED: Advice.RECORD_POSTED, SheetStatus.FAILED: Advice.RECORD_FAILED}


def _unstored(claimed: Claim, outcome: Outcome, exc: Exception) -> ConfigError:
    where_zh, where_en = ("共享数据库", "the shared database") if shared() else ("数据文件", "the data file")
    full_zh, full_en = ("磁盘已满：", "the disk is full: ") if is_full(exc) else ("", "")
    return ConfigError(
        f"“{claimed.code}”已发出。精诚的结果：{outcome.message} 但无法写入{where_zh}（{full_zh}{exc}），"
        "此单将显示为状态未知。",
        f"'{claimed.code}' was sent and Jingcheng answered: {outcome.message} But {where_en} could not be "
        f"written ({full_en}{exc}). The sheet will show as unknown.",
        advice=_UNSTORED_ADVICE.get(outcome.status, Advice.CHECK_UNKNOWN), code=claimed.code,
        sheet_no=outcome.sheet_no,
    )


def _store_outcome(claimed: Claim, outcome: Outcome, stamp: str) -> bool:
    changes: dict[str, str | None] = {"status": outcome.status, "message": outcome.message, "updated_at": stamp}
    if outcome.status == SheetStatus.POSTED:
        changes.update(sheet_no=outcome.sheet_no, posted_at=stamp)
    elif outcome.status == SheetStatus.FAILED and claimed.forced:
        # 精诚 refused a forced re-push of a posted (or unknown) sheet: what it already held is unchanged,
        # so the sheet keeps that status — as "failed" a later --all-ready would send it again, unforced —
        # and the body and hash of what 精诚 holds: the refused body was never booked, and a sheet that changed
        # after posting must still show as changed.
        changes.update(status=claimed.previous, request_body=claimed.previous_body, sheet_hash=claimed.previous_hash)
        changes["message"] = t(
            f"强制重推被精诚拒绝：{outcome.message} 状态仍为“{status_text(claimed.previous)}”。",
            f"A forced re-push was refused by Jingcheng: {outcome.message} The status stays "
            f"'{status_text(claimed.previous)}'.",
        )
    # Still ours: claimed by this process and not marked by a person meanwhile ("unknown" is
    # what recovery by age leaves, and a late real outcome is better than that).
    stored = db.execute_sql(
        f"UPDATE {_TABLE} SET {', '.join(f'{name} = ?' for name in changes)} "
        "WHERE sheet_id = ? AND claimed_by = ? AND status IN (?, ?)",
        (*changes.values(), claimed.sheet_id, PROCESS_TOKEN, SheetStatus.SENDING, SheetStatus.UNKNOWN),
    ).rowcount
    log_text = outcome.message + (f" | {outcome.reply[:500]}" if outcome.reply else "")
    if not stored:
        log_text = t("（推送期间此单已被他人处理，以下结果未写入台账）",
                     "(taken over meanwhile; not stored) ") + log_text
    write_log("push", outcome.status, log_text, code=claimed.code, duration_ms=outcome.duration_ms)
    return bool(stored)


def claim_limit_seconds() -> float:
    """After this long a claim is abandoned whoever holds it: no reply can still be coming."""
    return (
        settings.get_float("jingcheng.connect_timeout")
        + settings.get_float("jingcheng.read_timeout")
        + CLAIM_MARGIN_SECONDS
    )


def recover(limit_seconds: float | None = None) -> list[str]:
    """At start-up: ``sending`` rows whose sender is gone become ``unknown``. A row held by a live
    process (this one, or another still waiting for its reply) is left alone. Returns the SheetIDs. In the shared
    database a claim's lease decides, not process ids (:func:`core.team.claims.recover`)."""
    if shared():
        with _in_flight_lock:
            held = set(_in_flight)
        with writing("未能把中断的推送标为状态未知。", "Interrupted pushes were not marked unknown."):
            return team_claims.recover(PROCESS_TOKEN, held)
    limit = timedelta(seconds=claim_limit_seconds() if limit_seconds is None else limit_seconds)
    now = now_china()
    recovered = []
    for row in LedgerEntry.select().where(LedgerEntry.status == SheetStatus.SENDING):
        if not _abandoned(row, now, limit):
            continue
        message = t(
            f"推送中断（{format_datetime(row.claimed_at or row.updated_at)} 开始，没有记下结果），不知此单是否已入账。"
            "状态未知。",
            f"A push was interrupted (started {format_datetime(row.claimed_at or row.updated_at)}; no outcome was "
            "recorded), so whether the sheet was booked is not known. State unknown.",
        )
        with writing("未能把中断的推送标为状态未知。", "Interrupted pushes were not marked unknown."), \
                db.atomic("IMMEDIATE"):
            flipped = (
                LedgerEntry.update(status=SheetStatus.UNKNOWN, message=message, updated_at=now)
                .where((LedgerEntry.sheet_id == row.sheet_id) & (LedgerEntry.status == SheetStatus.SENDING)
                       & (LedgerEntry.claimed_by == row.claimed_by))
                .execute()
            )
            if flipped:
                write_log("recover", SheetStatus.UNKNOWN, message, code=row.code)
                recovered.append(row.sheet_id)
    return recovered


def _abandoned(row: LedgerEntry, now: datetime, limit: timedelta) -> bool:
    if row.claimed_by == PROCESS_TOKEN:
        with _in_flight_lock:
            return row.sheet_id not in _in_flight
    if row.claimed_by is None or row.claimed_at is None:
        return True
    if row.claimed_host == HOST and row.claimed_pid is not None:
        # Our own pid under another token is an earlier process that happened to have the same pid.
        if row.claimed_pid == os.getpid() or not pid_alive(row.claimed_pid):
            return True
        # A live process with the claimer's pid is the claimer exactly when it started when the
        # claimer did: then it may still be waiting for 精诚, however long that takes.
        claimer_started = row.claimed_by.partition(":")[2]
        started = process_started(row.claimed_pid)
        if claimer_started and started is not None:
            return started != claimer_started
    return now - row.claimed_at > limit


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as gone)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_bytes()  # Linux: the state letter follows the name
        return stat.rsplit(b")", 1)[1].split()[0] != b"Z"
    return True


def process_started(pid: int) -> str | None:
    """When process ``pid`` started, as an opaque text that is the same each time it is read for the
    same process (Linux, Windows), or ``None`` when it cannot be read."""
    if sys.platform == "win32":
        return _windows_process_started(pid)
    with contextlib.suppress(OSError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
        return fields[19].decode("ascii")  # field 22, starttime: ticks after boot
    return None


def _windows_process_started(pid: int) -> str | None:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return None
    try:
        times = [wintypes.FILETIME() for _ in range(4)]  # creation, exit, kernel, user
        if not kernel32.GetProcessTimes(wintypes.HANDLE(handle), *(ctypes.byref(time) for time in times)):
            return None
        return str(times[0].dwHighDateTime << 32 | times[0].dwLowDateTime)
    finally:
        kernel32.CloseHandle(wintypes.HANDLE(handle))


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) on Windows would send CTRL_C_EVENT, so ask the process table instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, we may not look
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


# Identifies this process's claims: a pid alone can be reused after a crash. The start time after the
# colon lets recovery in another process tell this process from a later one with the same pid.
PROCESS_TOKEN = f"{uuid.uuid4().hex}:{process_started(os.getpid()) or ''}"


def mark(code_or_sheet_id: str, status: str, *, sheet_no: str | None = None) -> LedgerEntry:
    """A person checked 精诚 and says what became of an ``unknown`` sheet: ``posted`` (optionally
    with 精诚's number) or ``failed`` (then it may be pushed again)."""
    if status not in (SheetStatus.POSTED, SheetStatus.FAILED):
        raise ValueError(f"mark takes posted or failed, not {status!r}")
    row = find(code_or_sheet_id)
    if row is None:
        raise ConfigError(
            f"台账里没有“{code_or_sheet_id}”：它从未推送过。",
            f"'{code_or_sheet_id}' is not in the push ledger: it was never pushed.",
        )
    if row.status != SheetStatus.UNKNOWN:
        raise ConfigError(
            f"“{row.code}”的状态是“{status_text(row.status)}”，只有状态未知的单据需要手工标记。",
            f"'{row.code}' is {status_text(row.status)}; only sheets in state unknown are marked by hand.",
        )
    now = now_china()
    if status == SheetStatus.POSTED:
        message = t(f"经核对精诚，手工标记为已入账{f'（单号 {sheet_no}）' if sheet_no else ''}。",
                    f"Marked posted by hand after checking Jingcheng{f' (sheet {sheet_no})' if sheet_no else ''}.")
        changes = {"sheet_no": sheet_no or row.sheet_no, "posted_at": now}
    else:
        message = t("经核对精诚，手工标记为失败（未入账），可重新推送。",
                    "Marked failed by hand after checking Jingcheng (not booked); it can be pushed again.")
        changes = {}
    with writing("没有标记。", "Nothing was marked."), db.atomic("IMMEDIATE"):
        changed = (
            LedgerEntry.update(status=status, message=message, updated_at=now, **changes)
            .where((LedgerEntry.sheet_id == row.sheet_id) & (LedgerEntry.status == SheetStatus.UNKNOWN))
            .execute()
        )
        if changed:
            write_log("mark", status, message, code=row.code)
    if not changed:
        raise ConfigError(
            f"“{row.code}”的状态刚被另一处改变，请重新查看。",
            f"The state of '{row.code}' was just changed elsewhere; look again.",
        )
    return LedgerEntry.get(LedgerEntry.sheet_id == row.sheet_id)
