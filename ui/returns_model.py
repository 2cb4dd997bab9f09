"""The returns table: one row per pulled 退货单, read from the local store."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core import ledger
from core.i18n import t
from core.store import LedgerEntry, ReturnRecord

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Row:
    code: str
    shop: str
    platform_code: str
    create_date: str
    receive_date: str
    state: str
    ledger: str


def _state(record: ReturnRecord) -> str:
    if record.cancel:
        return t("已取消", "Cancelled")
    return t("已入库", "Received") if record.receive else t("未入库", "Not received")


def ledger_text(status: str | None) -> str:
    return ledger.status_text(status) if status else t("未推送", "Not posted")


def load_rows() -> list[Row]:
    statuses = dict(LedgerEntry.select(LedgerEntry.code, LedgerEntry.status).tuples())
    query = ReturnRecord.select(
        ReturnRecord.code,
        ReturnRecord.shop_name,
        ReturnRecord.platform_code,
        ReturnRecord.create_date,
        ReturnRecord.receive_date,
        ReturnRecord.cancel,
        ReturnRecord.receive,
    ).order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code)
    return [
        Row(
            r.code,
            r.shop_name or "",
            r.platform_code or "",
            r.create_date or "",
            r.receive_date or "",
            _state(r),
            ledger_text(statuses.get(r.code)),
        )
        for r in query
    ]


class ReturnsModel(QAbstractTableModel):
    CODE, SHOP, PLATFORM, CREATED, RECEIVED, STATE, LEDGER = range(7)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def headers(self) -> list[str]:
        return [
            t("单据编号", "Code"),
            t("店铺", "Shop"),
            t("平台单号", "Platform order"),
            t("创建时间", "Created"),
            t("入库时间", "Received"),
            t("单据状态", "State"),
            t("推送状态", "Push status"),
        ]

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = load_rows()
        self.endResetModel()

    def code_at(self, row: int) -> str:
        return self._rows[row].code

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 7

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return (row.code, row.shop, row.platform_code, row.create_date, row.receive_date, row.state, row.ledger)[
                index.column()
            ]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None
