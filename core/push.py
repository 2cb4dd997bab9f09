"""Pushing returns to 精诚 (SPEC §5): map, check against the ledger, claim, send, record.

Each sheet costs two small transactions: its claim, committed before any byte leaves, and its
outcome, committed as soon as it is known. Each step writes its sync-log row in the same
transaction, so the ledger stays consistent whenever the run stops:
cancelled between sheets, killed mid-request (start-up recovery makes that sheet ``unknown``),
stopped because 精诚 refused the credentials or could not be reached, or because the data file
refused a write (a :class:`ConfigError` that names any outcome it could not store).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import ledger
from core.advice import Advice, for_state
from core.cancel import CancelCheck, CancelSource
from core.errors import ConfigError
from core.guanyi.returns import load_raw, parse_return
from core.i18n import t
from core.jingcheng.outcome import Outcome
from core.mapping.mapper import MappedReturn, map_return
from core.mapping.rules import MappingRules
from core.mapping.value_tables import ValueTables
from core.states import (
    FORCEABLE,
    PUSHABLE,
    TICKABLE,
    ItemStatus,
    ReturnState,
    SheetStatus,
    ledger_note,
    return_state,
    status_text,
)
from core.store import LedgerEntry, ReturnRecord, raw_json_of, write_log
from core.timeutil import elapsed_ms

if TYPE_CHECKING:
    from core.jingcheng.client import Client

# This many unknown outcomes in a row stop the run: 精诚 is in trouble, and every further sheet
# would be one more that the accountant has to check by hand.
UNKNOWN_STREAK_LIMIT = 3

Progress = Callable[[int, int, str, str], None]


@dataclass(frozen=True)
class PushItem:
    """What became of one sheet: ``message`` says what happened; ``advice`` the next step a person takes, if any
    (about this ``code`` and ``sheet_no``; any credentials it names are 精诚's), said by each front end its own way."""

    code: str
    status: str  # posted | failed | unknown | blocked | skipped | would_send | not_sent
    message: str = ""
    sheet_id: str | None = None
    sheet_no: str | None = None
    advice: Advice | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"code": self.code, "sheet_id": self.sheet_id, "status": self.status,
                "message": self.message, "sheet_no": self.sheet_no, "advice": self.advice}


@dataclass
class PushResult:
    items: list[PushItem] = field(default_factory=list)
    dry_run: bool = False
    all_ready: bool = False
    cancelled: bool = False
    # Set when the run stopped early because of 精诚 itself (credentials refused, unreachable,
    # several unknown replies in a row): the reason, in the user's language.
    stopped: str = ""
    stopped_advice: Advice | None = None  # what to do about the reason it stopped, if anything
    not_ready: int = 0  # --all-ready: pulled returns left out because their mapping blocks them
    duration_ms: int = 0

    def counts(self) -> dict[str, int]:
        return dict(Counter(item.status for item in self.items))

    @property
    def all_done(self) -> bool:
        """Every sheet asked for went through (was posted, or would be in a dry run). With --all-ready a
        sheet skipped because another run took it meanwhile is not a failure of this one."""
        done = {ItemStatus.WOULD_SEND if self.dry_run else SheetStatus.POSTED}
        if self.all_ready:
            done.add(ItemStatus.SKIPPED)
        return not self.cancelled and not self.stopped and all(item.status in done for item in self.items)

    def summary(self) -> str:
        counts = self.counts()
        order = (SheetStatus.POSTED, ItemStatus.WOULD_SEND, SheetStatus.FAILED, SheetStatus.UNKNOWN, ItemStatus.BLOCKED,
                 ItemStatus.SKIPPED, ItemStatus.NOT_SENT)
        parts = [t(f"{status_text(key)} {counts[key]}", f"{counts[key]} {status_text(key)}")
                 for key in order if counts.get(key)]
        if self.not_ready:
            parts.append(t(f"未就绪 {self.not_ready}", f"{self.not_ready} not ready"))
        if not any(counts.values()):
            parts.insert(0, t("没有需要推送的单据", "nothing to push"))
        text = t("，".join(parts), ", ".join(parts))
        if self.cancelled:
            text += t("。推送已中止。", ". The push was cancelled.")
        if self.stopped:
            text += t(f"。已停止：{self.stopped}", f". Stopped: {self.stopped}")
        return text

    def as_json(self) -> dict:
        return {"ok": self.all_done, "dry_run": self.dry_run, "cancelled": self.cancelled, "stopped": self.stopped,
                "stopped_advice": self.stopped_advice, "counts": self.counts(), "not_ready": self.not_ready,
                "duration_ms": self.duration_ms, "items": [item.as_json() for item in self.items]}


@dataclass(frozen=True)
class Preview:
    """A return as the push would see it now: the sheet it maps to, with the mapping's problems, and its ledger
    row; together, its state."""

    code: str
    mapped: MappedReturn
    entry: LedgerEntry | None

    @property
    def status(self) -> str:
        return self.entry.status if self.entry is not None else SheetStatus.READY

    @property
    def state(self) -> ReturnState:
        sheet = self.mapped.sheet
        return return_state(self.entry.status if self.entry else None, self.mapped.ready,
                            sheet.digest() if sheet else None, self.entry.sheet_hash if self.entry else None)

    @property
    def ready(self) -> bool:
        """It may be ticked and pushed without a person confirming a possible double."""
        return self.state in TICKABLE

    @property
    def note(self) -> str:
        """What the ledger adds to the mapping's problems: 精诚's number, the last failure, why it is in doubt."""
        return ledger_note(self.state, self.entry.sheet_no if self.entry else None,
                           self.entry.message if self.entry else "")


def preview(code: str) -> Preview:
    """The mapped sheet of one pulled return and its ledger row (:class:`ConfigError` if it was never pulled)."""
    found = previews([code])
    if not found:
        raise ConfigError(
            f"本地没有退货单“{code}”。请先拉取。",
            f"There is no return '{code}' here. Pull it first.",
        )
    return found[0]


def previews(codes: Sequence[str]) -> list[Preview]:
    """Like :func:`preview` for many codes at once (unknown codes left out), e.g. for the returns table."""
    mapped = _map(codes)
    entries = ledger.entries(_sheet_id(m, code) for code, m in mapped.items())
    result = []
    for code, m in mapped.items():
        entry = entries.get(_sheet_id(m, code))
        result.append(Preview(code, m, entry))
    return result


def _sheet_id(mapped: MappedReturn, code: str) -> str:
    return mapped.sheet.sheet_id if mapped.sheet is not None else code


def _map(codes: Sequence[str]) -> dict[str, MappedReturn]:
    """The mapped sheets of the pulled returns among ``codes``, in the order asked."""
    rules, tables = MappingRules.from_settings(), ValueTables.load()
    wanted = list(dict.fromkeys(codes))
    found = raw_json_of(wanted)
    return {code: map_return(parse_return(load_raw(found[code])), rules, tables) for code in wanted if code in found}


def _ready_codes() -> list[str]:
    """Pulled returns whose sheet is not posted, unknown or being sent — the candidates of --all-ready."""
    taken = ledger.codes_with_status((SheetStatus.POSTED, SheetStatus.UNKNOWN, SheetStatus.SENDING))
    return [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code)
            if row.code not in taken]


def _problems(problems: Sequence[object]) -> str:
    return " ".join(map(str, problems))  # each problem is a sentence with its own stop


def _refusal(claimed_status: str, entry_sheet_no: str | None = None) -> tuple[str, Advice | None]:
    """Why the ledger did not let a sheet go, and the next step."""
    if claimed_status == SheetStatus.POSTED:
        number = t(f"（精诚单号 {entry_sheet_no}）", f" (sheet {entry_sheet_no})") if entry_sheet_no else ""
        return t(f"已推送过{number}，未再次发送。", f"Already posted{number}; not sent again."), Advice.CONFIRM_REPUSH
    if claimed_status == SheetStatus.UNKNOWN:
        return t("状态未知，未发送。", "State unknown; not sent."), Advice.CHECK_UNKNOWN
    return t("此单正在由另一处推送，未发送。", "This sheet is being sent elsewhere; not sent."), None


class _Run:
    def __init__(self, client: Client | None, *, dry_run: bool, force: bool, all_ready: bool,
                 progress: Progress | None, cancel: CancelCheck) -> None:
        self.client = client
        self.dry_run = dry_run
        self.force = force
        self.progress = progress or (lambda index, count, code, status: None)
        self.cancel = cancel
        self.result = PushResult(dry_run=dry_run, all_ready=all_ready)
        self.unknown_streak = 0

    def prepare(self, codes: Sequence[str], all_ready: bool) -> list[tuple[str, MappedReturn | None, str]]:
        """``(code, mapped or None, reason it cannot be mapped)`` for every code to go through."""
        found = _map(codes)
        prepared: list[tuple[str, MappedReturn | None, str]] = []
        for code in dict.fromkeys(codes):
            mapped = found.get(code)
            if mapped is None:
                prepared.append((code, None, t(f"本地没有退货单“{code}”，请先拉取。",
                                               f"There is no return '{code}' here; pull it first.")))
                continue
            if all_ready and not mapped.ready:
                self.result.not_ready += 1
                continue
            prepared.append((code, mapped, ""))
        return prepared

    def run(self, prepared: list[tuple[str, MappedReturn | None, str]]) -> None:
        count = len(prepared)
        entries = ledger.entries(_sheet_id(m, code) for code, m, _ in prepared if m is not None) if self.dry_run else {}
        for index, (code, mapped, reason) in enumerate(prepared, start=1):
            if not self.result.cancelled and self.cancel.is_set():
                self.result.cancelled = True
            if self.result.cancelled or self.result.stopped:
                why = self.result.stopped or t("推送已中止，未发送。", "The push was cancelled; not sent.")
                sheet_id = _sheet_id(mapped, code) if mapped else None
                self.add(index, count, PushItem(code, ItemStatus.NOT_SENT, why, sheet_id))
            elif mapped is None or not mapped.ready:
                self.block(index, count, code, mapped, reason)
            elif self.dry_run:
                self.dry(index, count, code, mapped, entries.get(mapped.sheet.sheet_id))
            else:
                self.send(index, count, code, mapped)

    def add(self, index: int, count: int, item: PushItem) -> None:
        self.result.items.append(item)
        self.progress(index, count, item.code, item.status)

    def block(self, index: int, count: int, code: str, mapped: MappedReturn | None, reason: str) -> None:
        message = reason or _problems(mapped.blocking if mapped else ()) or t("无法生成精诚单据。", "No sheet.")
        if not self.dry_run:
            write_log("push", ItemStatus.BLOCKED, message, code=code)
        self.add(index, count, PushItem(code, ItemStatus.BLOCKED, message, _sheet_id(mapped, code) if mapped else None))

    def dry(self, index: int, count: int, code: str, mapped: MappedReturn, entry: LedgerEntry | None) -> None:
        status = entry.status if entry is not None else SheetStatus.READY
        allowed = FORCEABLE if self.force else PUSHABLE
        sheet_id = mapped.sheet.sheet_id
        if status in allowed:
            text = t("将推送。", "Would be sent.") + (f" {_problems(mapped.warnings)}" if mapped.warnings else "")
            self.add(index, count, PushItem(code, ItemStatus.WOULD_SEND, text.strip(), sheet_id))
        else:
            refusal, advice = _refusal(status, entry.sheet_no if entry else None)
            self.add(index, count, PushItem(code, ItemStatus.SKIPPED, refusal, sheet_id,
                                            entry.sheet_no if entry else None, advice))

    def send(self, index: int, count: int, code: str, mapped: MappedReturn) -> None:
        assert self.client is not None and mapped.sheet is not None
        sheet = mapped.sheet
        claim = ledger.claim(sheet, code, force=self.force)
        if not claim.ok:
            entry = ledger.find(sheet.sheet_id)
            message, advice = _refusal(claim.previous, entry.sheet_no if entry else None)
            write_log("push", ItemStatus.SKIPPED, message, code=code)
            self.add(index, count, PushItem(code, ItemStatus.SKIPPED, message, sheet.sheet_id,
                                            entry.sheet_no if entry else None, advice))
            return
        try:
            self.progress(index, count, code, SheetStatus.SENDING)
            try:
                outcome = self.client.send(sheet.body())
            except BaseException as exc:
                # Interrupted or broken while the request may have left: only "unknown" is honest.
                ledger.record(claim, Outcome(SheetStatus.UNKNOWN, t(
                    f"推送被中断（{type(exc).__name__}），此单可能已发出，状态未知。",
                    f"The push was interrupted ({type(exc).__name__}) when the sheet may have left. State unknown.")))
                raise
            # Committed before anything else happens, so a crash after a reply loses nothing.
            ledger.record(claim, outcome)
        finally:
            ledger.release(claim)
        advice = outcome.advice or for_state(outcome.status)
        self.add(index, count, PushItem(code, outcome.status, outcome.message, sheet.sheet_id, outcome.sheet_no,
                                        advice))
        self.unknown_streak = self.unknown_streak + 1 if outcome.status == SheetStatus.UNKNOWN else 0
        if outcome.auth_refused or outcome.unreachable:
            self.result.stopped = outcome.message
            self.result.stopped_advice = outcome.advice
        elif self.unknown_streak >= UNKNOWN_STREAK_LIMIT:
            self.result.stopped = t(
                f"精诚连续 {self.unknown_streak} 次没有给出可确认的回复，为免更多单据状态未知，已停止推送。",
                f"Jingcheng gave no confirmable reply {self.unknown_streak} times in a row; stopped so that no "
                "more sheets end up in state unknown.",
            )


def push(
    codes: Sequence[str] = (),
    *,
    all_ready: bool = False,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    cancel: CancelSource = None,
    client: Client | None = None,
) -> PushResult:
    """Push the given codes, or (``all_ready``) every pulled return that is ready and not yet sent.

    ``progress(index, count, code, status)`` is called when a sheet is being sent (status
    ``sending``) and once more with its final state, once that is committed to the ledger.
    ``cancel`` is checked between sheets. Without ``client`` one is built from the settings and
    the keyring (:class:`CredentialsError` if the credentials are missing — before anything is
    claimed). Network problems never raise: they are outcomes in the result.
    """
    if all_ready and force:
        raise ConfigError(
            "强制重推只能用于指定的单号，不能用于全部待推送的单据。",
            "A forced re-push is for given codes only, never for every ready return.",
        )
    if not all_ready and not codes:
        raise ConfigError("没有给出要推送的单号。", "No codes were given to push.")
    started = time.perf_counter()
    own_client = client is None and not dry_run
    if own_client:
        from core.jingcheng.client import Client  # requests loads on the first push, not when the app starts

        client = Client.from_settings()
    try:
        with ledger.writing("已发出的单据结果都已记录，其余没有发出。",
                            "What was sent is recorded; the rest was not sent."):
            if not dry_run:
                ledger.recover()
            run = _Run(client, dry_run=dry_run, force=force, all_ready=all_ready, progress=progress,
                       cancel=CancelCheck(cancel))
            run.run(run.prepare(_ready_codes() if all_ready else codes, all_ready))
            result = run.result
            result.duration_ms = elapsed_ms(started)
            write_log("push", _run_status(result), result.summary(), duration_ms=result.duration_ms)
    finally:
        if own_client and client is not None:
            client.close()
    return result


def _run_status(result: PushResult) -> str:
    if result.dry_run:
        return "dry-run"
    if result.cancelled:
        return "cancelled"
    if result.stopped:
        return "stopped"
    return "ok" if result.all_done else "partial"
