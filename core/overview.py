"""The pulled returns as the accountant looks them over: the rows of the window's table, the ``list`` command's
listing, and one return's raw record as 管易云 sent it. Read only; the window and the command line show these and
never query the data file themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import push
from core.cancel import CancelCheck, CancelSource
from core.guanyi.returns import dump_raw, line_count, load_raw
from core.i18n import t
from core.states import SheetStatus, status_text
from core.store import LedgerEntry, ReturnRecord

_BATCH = 500  # returns mapped between two looks at the cancel flag: a fraction of a second
NEW = "new"  # the ``list`` status of a return with no ledger row yet
LIST_STATUSES = (NEW, *SheetStatus)


@dataclass(frozen=True)
class Row:
    code: str
    ledger: str
    state: str
    shop: str
    receive_date: str
    create_date: str
    platform_code: str
    # Not shown as columns:
    ready: bool = False
    status: str = ""  # ledger status, "" when never pushed
    reasons: str = ""  # blocking problems, then warnings, one per line


def _state(record: ReturnRecord) -> str:
    if record.cancel:
        return t("已取消", "Cancelled")
    return t("已入库", "Received") if record.receive else t("未入库", "Not received")


def _push_text(preview: push.Preview | None) -> str:
    if preview is not None and preview.entry is not None and preview.status != SheetStatus.READY:
        return status_text(preview.status)
    if preview is not None and preview.mapped.ready:
        return t("可推送", "Ready")
    return t("不能推送", "Blocked")


def _reasons(preview: push.Preview | None) -> str:
    if preview is None:
        return ""
    blocking = [t("✖ ", "✖ ") + str(p) for p in preview.mapped.blocking]
    return "\n".join(blocking + [t("⚠ ", "⚠ ") + str(p) for p in preview.mapped.warnings])


def pulled_codes(since: datetime) -> list[str]:
    """Codes stored at or after ``since``: cheap, no mapping."""
    return [code for (code,) in ReturnRecord.select(ReturnRecord.code).where(ReturnRecord.last_pulled_at >= since)
            .tuples()]


def load_rows(codes: list[str] | None = None, cancel: CancelSource = None) -> list[Row]:
    """Every pulled return (or those of ``codes``), newest receipt first, each with what the push would
    decide for it.

    Mapping every return takes seconds on a large store, so the window runs this on a worker; ``cancel``
    is checked between batches of returns (:class:`Cancelled`)."""
    query = ReturnRecord.select(
        ReturnRecord.code,
        ReturnRecord.shop_name,
        ReturnRecord.platform_code,
        ReturnRecord.create_date,
        ReturnRecord.receive_date,
        ReturnRecord.cancel,
        ReturnRecord.receive,
    ).order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code)
    if codes is not None:
        query = query.where(ReturnRecord.code.in_(codes))
    records = list(query)
    check = CancelCheck(cancel)
    previews: dict[str, push.Preview] = {}
    for start in range(0, len(records), _BATCH):
        check.raise_if_set()
        previews.update((p.code, p) for p in push.previews([r.code for r in records[start : start + _BATCH]]))
    rows = []
    for r in records:
        found = previews.get(r.code)
        rows.append(
            Row(
                r.code,
                _push_text(found),
                _state(r),
                r.shop_name or "",
                r.receive_date or "",
                r.create_date or "",
                r.platform_code or "",
                ready=bool(found and found.mapped.ready),
                status=found.entry.status if found and found.entry else "",
                reasons=_reasons(found),
            )
        )
    return rows


def raw_text(code: str) -> str | None:
    """The record of ``code`` as pulled, indented for reading, numbers exactly as sent (``146.10``); ``None`` if it
    was never pulled."""
    record = ReturnRecord.get_or_none(ReturnRecord.code == code)
    return None if record is None else dump_raw(load_raw(record.raw_json), indent=2)


def _ledger_statuses() -> dict[str, str]:
    statuses: dict[str, str] = {}
    # Oldest first, so the latest row of a code wins.
    for entry in LedgerEntry.select(LedgerEntry.code, LedgerEntry.status).order_by(LedgerEntry.updated_at):
        statuses[entry.code] = entry.status
    return statuses


def _line_count(raw_json: str) -> int:
    try:
        return line_count(load_raw(raw_json))
    except ValueError:
        return 0


def list_returns(status: str | None = None) -> list[dict]:
    """Every pulled return, newest receipt first, with its ledger status (:data:`NEW` when never pushed); only those
    of ``status`` when given. For the ``list`` command: plain values, no mapping."""
    ledger = _ledger_statuses()
    rows = []
    query = ReturnRecord.select().order_by(ReturnRecord.receive_date.desc(), ReturnRecord.code)
    for record in query:
        found = ledger.get(record.code, NEW)
        if status and found != status:
            continue
        rows.append({
            "code": record.code,
            "shop_code": record.shop_code or "",
            "shop_name": record.shop_name or "",
            "platform_code": record.platform_code or "",
            "create_date": record.create_date,
            "receive_date": record.receive_date,
            "modify_date": record.modify_date,
            "cancel": record.cancel,
            "receive": record.receive,
            "lines": _line_count(record.raw_json),
            "status": found,
        })
    return rows
