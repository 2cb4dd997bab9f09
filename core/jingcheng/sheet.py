"""A 精诚 ``ExtApi_RecvExSheet`` sheet (SPEC §3.1): every field a string, in the published order."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# Each field's name in the accountant's words (Chinese, English), for every place that shows a sheet: the header's
# fields in the order of SPEC §3.1, then a line's.
HEADER_LABELS: dict[str, tuple[str, str]] = {
    "SheetID": ("单据编号", "Sheet number"),
    "SheetDate": ("单据日期", "Sheet date"),
    "CustomerCode": ("客户编码", "Customer code"),
    "CustomerName": ("客户名称", "Customer name"),
    "RedBlue": ("红蓝字", "Red/blue"),
    "Qua": ("数量合计", "Total quantity"),
    "Amo": ("金额合计", "Total amount"),
    "Remark": ("备注", "Remark"),
}
ITEM_LABELS: dict[str, tuple[str, str]] = {
    "Qua": ("数量", "Quantity"),
    "GoodsID": ("商品编号", "Goods ID"),
    "Price": ("单价", "Price"),
    "Amo": ("金额", "Amount"),
    "Remark": ("备注", "Remark"),
}


@dataclass(frozen=True)
class SheetLine:
    qua: str
    goods_id: str
    price: str
    amo: str
    remark: str

    def as_dict(self) -> dict[str, str]:
        return {"Qua": self.qua, "GoodsID": self.goods_id, "Price": self.price, "Amo": self.amo,
                "Remark": self.remark}


@dataclass(frozen=True)
class Sheet:
    sheet_id: str
    sheet_date: str
    customer_code: str
    customer_name: str
    red_blue: str
    qua: str
    amo: str
    remark: str
    items: tuple[SheetLine, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "SheetID": self.sheet_id,
            "SheetDate": self.sheet_date,
            "CustomerCode": self.customer_code,
            "CustomerName": self.customer_name,
            "RedBlue": self.red_blue,
            "Qua": self.qua,
            "Amo": self.amo,
            "Remark": self.remark,
            "Items": [line.as_dict() for line in self.items],
        }

    def body(self) -> bytes:
        """The request body, exactly as the push sends it (and the ledger keeps it): one compact JSON object, UTF-8.
        The profile puts its credentials in headers or the query, never here."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def digest(self) -> str:
        """What the ledger keeps to notice a return that changed after posting."""
        return hashlib.sha256(self.body()).hexdigest()
