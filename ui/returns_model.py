"""The returns table: one row per pulled 退货单, read from the local store, with a tick box.

Each row carries what the push would decide (mapped and reviewed against the ledger): only a
ready row can be ticked, and the reasons of a blocked one are its tooltip. Rows pulled while a
pull runs are merged in as they are stored — appended with ``beginInsertRows`` or changed in
place — so the table fills window by window without a reset. Loading every row maps every return,
seconds on a large store, so the window runs :func:`load_rows` on a worker and hands the rows to
:meth:`ReturnsModel.set_rows` on the GUI thread.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from core import push
from core.cancel import CancelCheck, CancelSource
from core.i18n import t
from core.states import SheetStatus, status_text
from core.store import ReturnRecord

Index = QModelIndex | QPersistentModelIndex


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


_COLUMNS = 7
_BATCH = 500  # returns mapped between two looks at the cancel flag: a fraction of a second
_STATUS_COLOURS = {
    SheetStatus.POSTED: "#1b7f3b",
    SheetStatus.FAILED: "#b3261e",
    SheetStatus.UNKNOWN: "#b3261e",
    SheetStatus.SENDING: "#8a5a00",
}


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


class ReturnsModel(QAbstractTableModel):
    CODE, LEDGER, STATE, SHOP, RECEIVED, CREATED, PLATFORM = range(_COLUMNS)

    checked_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._checked: set[str] = set()

    def headers(self) -> list[str]:
        return [
            t("单据编号", "Code"),
            t("推送状态", "Push status"),
            t("单据状态", "State"),
            t("店铺", "Shop"),
            t("入库时间", "Received"),
            t("创建时间", "Created"),
            t("平台单号", "Platform order"),
        ]

    def reload(self) -> None:
        self.set_rows(load_rows())

    def set_rows(self, rows: list[Row]) -> None:
        """Show exactly ``rows`` (e.g. from :func:`load_rows` run on a worker); ticks stay on ready rows."""
        self.beginResetModel()
        self._rows = list(rows)
        self._index = {row.code: i for i, row in enumerate(self._rows)}
        self.endResetModel()
        self._drop_unready_ticks()

    def merge(self, rows: list[Row]) -> None:
        """Change known rows in place and append new ones."""
        new = []
        for row in rows:
            at = self._index.get(row.code)
            if at is None:
                new.append(row)
            elif self._rows[at] != row:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, self.columnCount() - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, row in enumerate(new):
                self._index[row.code] = first + offset
            self._rows.extend(new)
            self.endInsertRows()
        self._drop_unready_ticks()

    def _drop_unready_ticks(self) -> None:
        ready = {row.code for row in self._rows if row.ready}
        if self._checked - ready:
            self._checked &= ready
            self.checked_changed.emit()

    def code_at(self, row: int) -> str:
        return self._rows[row].code

    def checked_codes(self) -> list[str]:
        """Ticked codes, in table order."""
        return [row.code for row in self._rows if row.code in self._checked]

    def set_checked(self, codes: set[str]) -> None:
        """Tick exactly ``codes`` among the ready rows."""
        self._checked = {row.code for row in self._rows if row.ready and row.code in codes}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))
        self.checked_changed.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.CODE and self._rows[index.row()].ready:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != self.CODE:
            return False
        row = self._rows[index.row()]
        if not row.ready:
            return False
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self._checked.add(row.code)
        else:
            self._checked.discard(row.code)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()
        return True

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else _COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return astuple(row)[column]
        if role == Qt.ItemDataRole.CheckStateRole and column == self.CODE and row.ready:  # no box: cannot post
            return Qt.CheckState.Checked if row.code in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.CODE, self.LEDGER) and row.reasons:
            return row.reasons
        if role == Qt.ItemDataRole.ForegroundRole and column == self.LEDGER:
            colour = _STATUS_COLOURS.get(row.status) or (None if row.ready else "#6b6b6b")
            return QBrush(QColor(colour)) if colour else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None
