"""Filling the value tables in a test as a user would, one row at a time (through core's own set_row)."""

from __future__ import annotations

from core.mapping.value_tables import GOODS, SHOPS, set_row


def set_shop(shop_code: str, customer_code: str, customer_name: str = "") -> bool:
    """Map a 管易云 shop to a 精诚 customer; True when the shop was not mapped before."""
    return set_row(SHOPS, {"shop_code": shop_code, "customer_code": customer_code, "customer_name": customer_name})


def set_goods(code: str, goods_id: str) -> bool:
    """Map a 管易云 sku/item code to a 精诚 GoodsID; True when the code was not mapped before."""
    return set_row(GOODS, {"code": code, "goods_id": goods_id})
