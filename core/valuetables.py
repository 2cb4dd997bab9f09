"""The value tables of the mapping (SPEC §4): shop → 精诚 customer, goods code → 精诚 GoodsID."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.store import GoodsMap, ShopMap


@dataclass(frozen=True)
class Customer:
    code: str
    name: str


@dataclass
class ValueTables:
    """A snapshot of both tables, read once per preview or push run."""

    shops: dict[str, Customer] = field(default_factory=dict)
    goods: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ValueTables:
        return cls(
            shops={r.shop_code: Customer(r.customer_code, r.customer_name) for r in ShopMap.select()},
            goods={r.code: r.goods_id for r in GoodsMap.select()},
        )
