"""The rules of the mapping: one field per ``mapping.*`` setting (SPEC §4), checked as a whole when built, so that
mapping a return meets only data problems, never a rule that cannot work."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from core import settings
from core.errors import ConfigError
from core.mapping.dates import check_date_pattern
from core.mapping.remark import check_template


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
        # Refuse bad rules when they are built, so map_return only meets data problems.
        for rule in fields(self):
            choices = settings.KEYS[f"mapping.{rule.name}"].choices
            if choices and getattr(self, rule.name) not in choices:
                raise ConfigError(
                    f"设置 mapping.{rule.name} 只能取：{'、'.join(choices)}（现为“{getattr(self, rule.name)}”）。",
                    f"The setting mapping.{rule.name} takes one of: {', '.join(choices)} "
                    f"(it is '{getattr(self, rule.name)}').",
                )
        if not self.red_value.strip():
            # A blank RedBlue could book the return as a blue (sales) sheet in 精诚.
            raise ConfigError("设置 mapping.red_value（红单的 RedBlue 值）不能为空。",
                              "The setting mapping.red_value (RedBlue of a red sheet) must not be empty.")
        if self.remark_length < 1:
            raise ConfigError(
                "设置 mapping.remark_length（备注最大字节数，汉字计 2 个字节）"
                f"必须是正整数（现为 {self.remark_length}）。",
                "The setting mapping.remark_length (the remark's maximum length in bytes, a Chinese character counting "
                f"2) must be a positive whole number (it is {self.remark_length}).",
            )
        check_date_pattern(self.date_format)
        check_template(self.remark_template)

    @classmethod
    def from_settings(cls) -> MappingRules:
        """The rules as currently set (needs a bound database)."""
        stored = settings.all_settings()  # one query for all the keys
        values: dict[str, object] = {rule.name: stored[f"mapping.{rule.name}"] for rule in fields(cls)}
        values["remark_length"] = int(stored["mapping.remark_length"])
        return cls(**values)  # type: ignore[arg-type]
