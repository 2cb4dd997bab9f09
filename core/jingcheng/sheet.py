"""A 精诚 ``ExtApi_RecvExSheet`` sheet (SPEC §3.1): every field a string, in the published order."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


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
        """The default profile's request body: one compact JSON object, UTF-8."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def digest(self) -> str:
        """What the ledger keeps to notice a return that changed after posting."""
        return hashlib.sha256(self.body()).hexdigest()
