"""Each sheet line keeps the 管易云 line it comes from, the lines left off the sheet say why, and each problem about
lines names the numbers its text cites — none of which reaches 精诚."""

from __future__ import annotations

import json
import re

import pytest

from core.guanyi.returns import parse_return
from core.jingcheng.sheet import HEADER_LABELS, ITEM_LABELS
from core.mapping.mapper import LeftOut, LineOrigin, MappedReturn, map_return
from core.mapping.rules import MappingRules
from core.mapping.value_tables import ValueTables
from core.sandbox.generator import ReturnGenerator
from core.timeutil import now_china


def line(**fields) -> dict:
    base = {"sku_code": "", "item_code": "ITEM", "qty": 1, "real_in": 1, "price": "10.0000", "amount": "10.0000",
            "amount_after": "10.0000", "note": "", "is_gift": 0}
    base.update(fields)
    return base


def mapped(*details: dict, tables: ValueTables | None = None, **rules) -> MappedReturn:
    raw = {"id": 1, "code": "RGO1", "create_date": "2024-05-01 09:00:00", "receive_date": "2024-05-06 10:11:12",
           "cancel": False, "receive": 1, "shop_code": "S01", "shop_name": "店", "details": list(details)}
    return map_return(parse_return(raw), MappingRules(**rules), tables or ValueTables(goods={"SP1001-RED": "G1"}))


# The 管易云 lines of one return, and what becomes of each.
MIXED = (
    line(item_code="SP1001", sku_code="SP1001-RED"),  # 1: on the sheet, mapped by the goods table
    line(item_code="SP2002", real_in=0),  # 2: not received: left out
    line(item_code="SP3003", is_gift=1, price="0", amount="0"),  # 3: a gift, kept
    line(item_code="SP3004", sku_code="SP3004-XL", amount="99.0000"),  # 4: not in the table, amount differs
    line(item_code="SP5005", price=None),  # 5: no price: blocked, left out
)


def test_each_sheet_line_keeps_its_guanyi_line_and_codes():
    result = mapped(*MIXED)
    assert result.origins == (
        LineOrigin(1, "SP1001", "SP1001-RED", "SP1001-RED"),
        LineOrigin(3, "SP3003", "", "SP3003"),
        LineOrigin(4, "SP3004", "SP3004-XL", "SP3004-XL"),
    )
    assert [item.goods_id for item in result.sheet.items] == ["G1", "SP3003", "SP3004-XL"]
    assert result.left_out == (LeftOut(LineOrigin(2, "SP2002", "", "SP2002"), "not_received"),
                               LeftOut(LineOrigin(5, "SP5005", "", "SP5005"), "unusable"))


def test_the_code_is_the_one_the_rule_looks_up():
    result = mapped(line(item_code="SP1001", sku_code="SP1001-RED"), goods_code="item_code")
    assert result.origins == (LineOrigin(1, "SP1001", "SP1001-RED", "SP1001"),)


def test_dropped_gifts_are_left_out_as_such():
    result = mapped(line(item_code="A"), line(item_code="B", is_gift=1), gifts="drop")
    assert [o.number for o in result.origins] == [1]
    assert result.left_out == (LeftOut(LineOrigin(2, "B", "", "B"), "gift_dropped"),)


def test_problems_name_the_lines_their_text_cites():
    result = mapped(*MIXED)
    about = {p.code: p.lines for p in (*result.blocking, *result.warnings)}
    assert about == {"missing_price": (5,), "unknown_shop": (), "unknown_goods": (3, 4, 5), "gift_lines": (3,),
                     "amount_differs": (4,)}
    differs = next(p for p in result.warnings if p.code == "amount_differs")
    assert "第 4 行（商品 SP3004-XL）" in differs.zh


def _cited(text: str) -> set[int]:
    """The line numbers a Chinese message cites: 第 4 行, 第 2、3 行."""
    return {int(n) for group in re.findall(r"第 ([\d、]+) 行", text) for n in group.split("、")}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_drifted_returns_every_cited_line_is_named_and_every_origin_is_its_line(seed):
    generator = ReturnGenerator(seed, now_china(), 10)
    tables = ValueTables(goods={"SP3005": "JC1"})
    checked, named = 0, 0
    for raw in generator.generate(150):
        order = parse_return(raw)
        result = map_return(order, MappingRules(), tables)
        for problem in (*result.blocking, *result.warnings):
            if problem.code == "unknown_goods":  # cites codes, not numbers: each line of those codes
                codes = {o.code for o in (*result.origins, *(left.origin for left in result.left_out))
                         if o.number in problem.lines}
                assert codes and all(code in problem.zh for code in codes)
            else:
                assert set(problem.lines) == _cited(problem.zh), problem.zh
            named += bool(problem.lines)
        numbers = [o.number for o in result.origins] + [left.origin.number for left in result.left_out]
        assert len(numbers) == len(set(numbers)) and set(numbers) <= set(range(1, len(order.lines) + 1))
        for origin, item in zip(result.origins, result.sheet.items if result.sheet else (), strict=True):
            source = order.lines[origin.number - 1]
            assert (origin.item_code, origin.sku_code) == (source.item_code, source.sku_code)
            assert origin.code == (source.sku_code or source.item_code)
            assert item.goods_id == (tables.goods.get(origin.code) or origin.code)
            checked += 1
    assert checked > 100 and named > 10


def test_the_origins_are_not_in_the_body():
    sheet = mapped(*MIXED).sheet
    body = json.loads(sheet.body())
    assert list(body) == [*HEADER_LABELS, "Items"]
    assert all(list(item) == ["Qua", "GoodsID", "Price", "Amo", "Remark"] for item in body["Items"])
    assert set(ITEM_LABELS) == {"Qua", "GoodsID", "Price", "Amo", "Remark"}
    assert "SP3004\"" not in sheet.body().decode() and "SP1001" not in sheet.body().decode()
