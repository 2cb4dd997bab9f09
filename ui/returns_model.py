"""The returns table: one row per pulled 退货单, read from the local store.

Rows pulled while a pull runs are merged in as they are stored — appended with
``beginInsertRows`` or changed in place — so the table fills page by page without a reset.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core import ledger
from core.i18n import t
from core.store import LedgerEntry, ReturnRecord

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


def _state(record: ReturnRecord) -> str:
    if record.cancel:
        return t("已取消", "Cancelled")
    return t("已入库", "Received") if record.receive else t("未入库", "Not received")


def ledger_text(status: str | None) -> str:
    return ledger.status_text(status) if status else t("未推送", "Not posted")


def load_rows(since: datetime | None = None) -> list[Row]:
    """Every pulled return, or those pulled at or after ``since``, newest receipt first."""
    statuses = dict(LedgerEntry.select(LedgerEntry.code, LedgerEntry.status).tuples())
    query = ReturnRecord.select(
        ReturnRecord.code, ReturnRecord.shop_name, ReturnRecord.platform_code, ReturnRecord.create_date,
        ReturnRecord.receive_date, ReturnRecord.cancel, ReturnRecord.receive,
    ).order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code)
    if since is not None:
        query = query.where(ReturnRecord.last_pulled_at >= since)
    return [
        Row(r.code, ledger_text(statuses.get(r.code)), _state(r), r.shop_name or "", r.receive_date or "",
            r.create_date or "", r.platform_code or "")
        for r in query
    ]


class ReturnsModel(QAbstractTableModel):
    CODE, LEDGER, STATE, SHOP, RECEIVED, CREATED, PLATFORM = range(7)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}

    def headers(self) -> list[str]:
        return [t("单据编号", "Code"), t("推送状态", "Push status"), t("单据状态", "State"), t("店铺", "Shop"),
                t("入库时间", "Received"), t("创建时间", "Created"), t("平台单号", "Platform order")]

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = load_rows()
        self._index = {row.code: i for i, row in enumerate(self._rows)}
        self.endResetModel()

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

    def code_at(self, row: int) -> str:
        return self._rows[row].code

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 7

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return astuple(self._rows[index.row()])[index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None
