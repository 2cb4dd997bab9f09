"""The rules of the mapping: one field per ``mapping.*`` setting (SPEC §4), checked as a whole when built, so that
mapping a return meets only data problems, never a rule that cannot work."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from core import settings


@dataclass(frozen=True)
class MappingRules:
    """The ``mapping.*`` settings, typed; the defaults are SPEC §4's, the same as the settings table's."""

    date_source: Literal["receive", "create"] = "receive"
    date_format: str = "yyyy-MM-dd"
    qty_source: Literal["real_in", "qty"] = "real_in"
    price_source: Literal["price", "after_discount"] = "price"
    goods_code: Literal["sku_then_item", "item_code"] = "sku_then_item"
    red_value: str = "R"
    sign: Literal["positive", "negative"] = "positive"
    gifts: Literal["keep", "drop"] = "keep"
    remark_template: str = "管易退货单 {code} 平台单号 {platform_code} {reason}"
    remark_length: int = 200

    def __post_init__(self) -> None:
        # Refuse bad rules when they are built, so map_return only meets data problems. Each rule is held to its
        # setting's own choices and check, whose refusal names the setting and says what is wrong.
        for rule in fields(self):
            settings.validate(f"mapping.{rule.name}", str(getattr(self, rule.name)))

    @classmethod
    def from_settings(cls) -> MappingRules:
        """The rules as currently set (needs a bound database)."""
        stored = settings.all_settings()  # one query for all the keys
        values: dict[str, object] = {rule.name: stored[f"mapping.{rule.name}"] for rule in fields(cls)}
        values["remark_length"] = int(stored["mapping.remark_length"])
        return cls(**values)  # type: ignore[arg-type]
