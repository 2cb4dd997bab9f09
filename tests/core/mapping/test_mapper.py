"""Mapping of a 退货单 to a 精诚 sheet: SPEC §4 row by row, every setting, the problems and their messages."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from core import i18n, settings
from core.errors import ConfigError
from core.guanyi.returns import parse_return
from core.mapping.mapper import MappedReturn, Problem, map_return
from core.mapping.rules import MappingRules
from core.mapping.value_tables import Customer, ValueTables
from tests.support.samples import SAMPLE

NO_TABLES = ValueTables()


def detail(**fields) -> dict:
    line = {"sku_code": "SKU-1", "item_code": "ITEM-1", "item_name": "连衣裙", "qty": 2, "real_in": 2,
            "price": "146.0000", "amount": "292.0000", "amount_after": "292.0000", "note": "", "is_gift": 0}
    line.update(fields)
    return line


def record(*details: dict, **fields) -> dict:
    raw = {"id": 315677282722, "code": "RGO1", "reason": "7天无理由退换货", "create_date": "2024-05-01 09:00:00",
           "receive_date": "2024-05-06 10:11:12", "cancel": False, "receive": 1, "shop_code": "S01",
           "shop_name": "天猫旗舰店", "platform_code": "P123", "details": list(details) or [detail()]}
    raw.update(fields)
    return raw


def mapped(raw: dict, tables: ValueTables = NO_TABLES, **rules) -> MappedReturn:
    return map_return(parse_return(raw), MappingRules(**rules), tables)


def codes(problems: tuple[Problem, ...]) -> list[str]:
    return [problem.code for problem in problems]


def sheet_of(raw: dict, tables: ValueTables = NO_TABLES, **rules):
    result = mapped(raw, tables, **rules)
    assert result.sheet is not None, [str(p) for p in result.blocking]
    return result.sheet


# --- the real sample ---------------------------------------------------------------------------------------


def test_real_sample_is_blocked_as_cancelled_and_not_received():
    raw = json.loads(SAMPLE.read_text("utf-8"))["tradeReturns"][0]
    result = map_return(parse_return(raw), MappingRules(), ValueTables())
    assert not result.ready
    assert result.sheet is None
    assert codes(result.blocking) == ["cancelled", "nothing_received"]
    assert str(result.blocking[0]) == "该退货单已在管易云中作废（取消），不能推送。"


def test_real_sample_received_maps_to_the_spec_figures():
    raw = json.loads(SAMPLE.read_text("utf-8"))["tradeReturns"][0]
    raw["cancel"] = False
    raw["details"][0].update(real_in=2, sku_code="ABC-01")
    result = map_return(parse_return(raw), MappingRules(), ValueTables())
    assert result.ready
    assert result.sheet.as_dict() == {
        "SheetID": "RGO315677282722",
        "SheetDate": "2021-03-09",  # receive_date is null: the creation date
        "CustomerCode": "03",
        "CustomerName": "天猫-示例专卖店",
        "RedBlue": "R",
        "Qua": "2",
        "Amo": "292.00",
        "Remark": "管易退货单 RGO315677282722 平台单号 1560753362709029282 7天无理由退换货",
        "Items": [{"Qua": "2", "GoodsID": "ABC-01", "Price": "146.00", "Amo": "292.00", "Remark": "7天无理由退换货"}],
    }
    assert codes(result.warnings) == ["unknown_shop", "unknown_goods"]


# --- SPEC §4, row by row -------------------------------------------------------------------------------------


def test_sheet_id_is_the_code():
    assert sheet_of(record(code="RGO777")).sheet_id == "RGO777"


def test_sheet_date_is_the_date_part_of_receive_date():
    assert sheet_of(record()).sheet_date == "2024-05-06"


def test_sheet_date_falls_back_to_create_date():
    assert sheet_of(record(receive_date=None)).sheet_date == "2024-05-01"


def test_sheet_date_from_create_date_setting():
    assert sheet_of(record(), date_source="create").sheet_date == "2024-05-01"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("yyyy-MM-dd", "2024-05-06"), ("yyyy/MM/dd", "2024/05/06"), ("yyyyMMdd", "20240506"), ("dd.MM.yyyy", "06.05.2024"),
     ("yy-M-d", "24-5-6"), ("yyyy年M月d日", "2024年5月6日"), ("yyyy MM dd", "2024 05 06")],
)
def test_sheet_date_format(pattern, expected):
    assert sheet_of(record(), date_format=pattern).sheet_date == expected


@pytest.mark.parametrize("pattern", ["YYYY-MM-DD", "yyyy-mm-dd", "yyyy-MM", "MM-dd", "yyyy-MMM-dd", "yyy-MM-dd",
                                     "yyyy-MM-dd HH:mm", "", "yyyy-MM-dd-yyyy"])
def test_bad_date_format_is_refused_clearly(pattern):
    with pytest.raises(ConfigError) as caught:
        MappingRules(date_format=pattern)
    assert "yyyy" in str(caught.value) and "yyyy" in caught.value.en


def test_customer_from_the_shop_table():
    tables = ValueTables(shops={"S01": Customer("C-100", "广州某某贸易")})
    result = mapped(record(), tables)
    assert (result.sheet.customer_code, result.sheet.customer_name) == ("C-100", "广州某某贸易")
    assert "unknown_shop" not in codes(result.warnings)


def test_customer_falls_back_to_the_shop_and_warns():
    result = mapped(record())
    assert (result.sheet.customer_code, result.sheet.customer_name) == ("S01", "天猫旗舰店")
    assert codes(result.warnings) == ["unknown_shop", "unknown_goods"]
    assert str(result.warnings[0]) == "店铺 S01（天猫旗舰店）不在店铺对照表中，客户编码直接使用店铺编码 S01。"


def test_customer_table_entry_without_a_name_keeps_the_shop_name():
    tables = ValueTables(shops={"S01": Customer("C-100", "")})
    assert sheet_of(record(), tables).customer_name == "天猫旗舰店"


def test_red_blue_default_and_setting():
    assert sheet_of(record()).red_blue == "R"
    assert sheet_of(record(), red_value="红").red_blue == "红"


def test_goods_id_prefers_sku_code_then_item_code():
    raw = record(detail(sku_code="SKU-1"), detail(sku_code=None, item_code="ITEM-2"), detail(sku_code="", item_code=7))
    assert [item.goods_id for item in sheet_of(raw).items] == ["SKU-1", "ITEM-2", "7"]


def test_goods_id_item_code_setting():
    raw = record(detail(sku_code="SKU-1", item_code="ITEM-1"))
    assert sheet_of(raw, goods_code="item_code").items[0].goods_id == "ITEM-1"


def test_goods_id_from_the_goods_table():
    tables = ValueTables(goods={"SKU-1": "G0001", "ITEM-2": ""})
    raw = record(detail(sku_code="SKU-1"), detail(sku_code="", item_code="ITEM-2"))
    result = mapped(raw, tables)
    # An empty table cell is "not mapped": the code itself goes, never an empty GoodsID.
    assert [item.goods_id for item in result.sheet.items] == ["G0001", "ITEM-2"]
    assert codes(result.warnings) == ["unknown_shop", "unknown_goods"]
    assert str(result.warnings[1]) == "商品 ITEM-2 不在商品对照表中，精诚商品编号直接使用管易云编码。"


def test_quantity_is_real_in_by_default_and_qty_by_setting():
    raw = record(detail(qty=3, real_in=1, amount="438.0000"))
    assert sheet_of(raw).items[0].qua == "1"
    assert sheet_of(raw, qty_source="qty").items[0].qua == "3"


def test_partial_receipt_posts_what_was_received_and_warns_about_the_amount():
    raw = record(detail(qty=2, real_in=1), detail(sku_code="SKU-2", qty=1, real_in=1, price="10", amount="10"))
    result = mapped(raw)
    assert result.ready
    assert [(i.qua, i.amo) for i in result.sheet.items] == [("1", "146.00"), ("1", "10.00")]
    assert (result.sheet.qua, result.sheet.amo) == ("2", "156.00")
    assert "amount_differs" in codes(result.warnings)
    assert ("第 1 行（商品 SKU-1）按数量 1 × 单价 146.00 计算的金额 146.00 与管易云金额 292.00 相差 146.00。"
            in map(str, result.warnings))


@pytest.mark.parametrize(
    ("price", "expected"),
    [("146.0000", "146.00"), ("12.5", "12.50"), ("33.33333", "33.3333"), ("2.00005", "2.0001"), ("2.00004999", "2.00"),
     (0.125, "0.125"), ("1E+2", "100.00"), (146, "146.00"), (146.1, "146.10"), ("0.00001", "0.00")],
)
def test_price_is_rounded_half_up_to_four_decimals(price, expected):
    assert sheet_of(record(detail(price=price, amount=None))).items[0].price == expected


def test_after_discount_price():
    raw = record(detail(qty=3, real_in=3, price="40", amount="120", amount_after="100"))
    sheet = sheet_of(raw, price_source="after_discount")
    assert (sheet.items[0].price, sheet.items[0].amo) == ("33.3333", "100.00")


def test_after_discount_price_divides_by_qty_not_by_what_was_received():
    raw = record(detail(qty=4, real_in=1, price="30", amount="120", amount_after="100"))
    sheet = sheet_of(raw, price_source="after_discount")
    assert (sheet.items[0].qua, sheet.items[0].price, sheet.items[0].amo) == ("1", "25.00", "25.00")


@pytest.mark.parametrize("qty", [0, None, "0.0", -1])
def test_after_discount_price_without_qty_blocks(qty):
    result = mapped(record(detail(qty=qty, real_in=1, amount_after="100")), price_source="after_discount")
    assert codes(result.blocking) == ["missing_price"]
    assert str(result.blocking[0]).startswith("第 1 行（商品 SKU-1）的待入库数（qty）为 0 或为空")


@pytest.mark.parametrize(("qty", "amount_after"), [("1", "100.0000001"), ("0.0000001", "1"), ("0.000001", "1E+7")])
def test_after_discount_price_from_implausible_numbers_blocks(qty, amount_after):
    result = mapped(record(detail(qty=qty, amount_after=amount_after)), price_source="after_discount")
    assert codes(result.blocking) == ["implausible_number"]


def test_after_discount_price_without_amount_after_blocks():
    result = mapped(record(detail(amount_after=None)), price_source="after_discount")
    assert codes(result.blocking) == ["missing_price"]


@pytest.mark.parametrize(
    ("qua", "price", "amo"),
    [(1, "0.125", "0.13"), (1, "0.135", "0.14"), (3, "0.005", "0.02"), (1, "2.00005", "2.00"), (2, "0.0025", "0.01"),
     ("1.5", "3.3333", "5.00"), (3, "33.3333", "100.00"), (7, "0.0714", "0.50")],
)
def test_line_amount_is_quantity_times_sent_price_half_up(qua, price, amo):
    sheet = sheet_of(record(detail(real_in=qua, price=price, amount=None)))
    assert sheet.items[0].amo == amo


def test_line_amount_uses_the_rounded_price_that_is_sent():
    # Unrounded 1000 × 1.00004 would be 1000.04; the sheet says Price 1.00, so Amo must be 1000.00.
    sheet = sheet_of(record(detail(real_in=1000, qty=1000, price="1.00004", amount="1000.04")))
    assert (sheet.items[0].price, sheet.items[0].amo) == ("1.00", "1000.00")


def test_line_remark_is_the_note_and_gifts_are_prefixed():
    raw = record(detail(note="尺码不合适"), detail(sku_code="GIFT", note="赠送袜子", is_gift=1, price="0", amount="0"),
                 detail(sku_code="GIFT2", note=None, is_gift="1", price="0", amount="0"))
    assert [item.remark for item in sheet_of(raw).items] == ["尺码不合适", "赠品 赠送袜子", "赠品"]


def test_gift_note_that_already_says_gift_is_not_prefixed_twice():
    raw = record(detail(sku_code="GIFT", note="赠品", is_gift=1, price="0", amount="0"),
                 detail(sku_code="GIFT2", note="赠品-袜子", is_gift=1, price="0", amount="0"))
    assert [item.remark for item in sheet_of(raw).items] == ["赠品", "赠品-袜子"]


def test_unmapped_goods_are_one_warning_listing_each_code_once():
    raw = record(detail(sku_code="A-1"), detail(sku_code="B-2"), detail(sku_code="A-1"))
    (warning,) = [w for w in map_return(parse_return(raw), MappingRules(), ValueTables()).warnings
                  if w.code == "unknown_goods"]
    assert str(warning) == "商品 A-1、B-2 不在商品对照表中，精诚商品编号直接使用管易云编码。"


def test_header_sums_over_the_items():
    raw = record(detail(real_in=2, price="146"), detail(sku_code="B", real_in="1.5", price="10.005", amount=None),
                 detail(sku_code="C", real_in=0))
    sheet = sheet_of(raw)
    assert [(i.qua, i.amo) for i in sheet.items] == [("2", "292.00"), ("1.5", "15.01")]
    assert (sheet.qua, sheet.amo) == ("3.5", "307.01")


def test_many_lines_sum_to_the_cent():
    raw = record(*[detail(sku_code=f"SKU-{n}", qty=3, real_in=3, price="33.3333", amount="100.00") for n in range(37)])
    result = mapped(raw)
    assert {(i.qua, i.price, i.amo) for i in result.sheet.items} == {("3", "33.3333", "100.00")}
    assert (result.sheet.qua, result.sheet.amo) == ("111", "3700.00")
    assert "amount_differs" not in codes(result.warnings)


def test_rounding_that_adds_up_over_the_lines_warns_once_for_the_return():
    # Each line is within a cent of 管易云's amount; together they are 0.37 away.
    raw = record(*[detail(sku_code=f"SKU-{n}", qty=3, real_in=3, price="33.3333", amount="99.99") for n in range(37)])
    result = mapped(raw)
    assert codes(result.warnings).count("amount_differs") == 1
    assert "相差 0.37" in str(result.warnings[-1])


def test_amount_within_a_cent_is_not_a_warning():
    result = mapped(record(detail(real_in=3, qty=3, price="33.3333", amount="99.99")))
    assert "amount_differs" not in codes(result.warnings)


def test_amount_check_compares_with_amount_also_with_the_after_discount_price():
    # SPEC §4: the warning is about the source `amount`. 3 × 33.3333 = 100.00 is 20.00 below it: the accountant sees
    # the discount the sheet carries, and why.
    raw = record(detail(qty=3, real_in=3, price="40", amount="120", amount_after="100"))
    result = mapped(raw, price_source="after_discount")
    assert codes(result.warnings) == ["unknown_shop", "unknown_goods", "amount_differs"]
    assert str(result.warnings[-1]) == ("第 1 行（商品 SKU-1）按数量 3 × 让利后单价 33.3333 计算的金额 100.00 "
                                        "与管易云金额 120.00 相差 20.00。")
    i18n.set_language("en")
    assert str(result.warnings[-1]) == ("Line 1 (item SKU-1): 3 × after-discount price 33.3333 = 100.00, but Guanyi "
                                        "shows 120.00 (a difference of 20.00).")


def test_after_discount_amount_of_zero_is_not_a_silent_zero_sheet():
    # The real sample carries amount_after "0" beside amount "292.0000": with the after-discount price the sheet would
    # say 0.00, and comparing with amount_after would have hidden it.
    raw = record(detail(qty=2, real_in=2, price="146.0000", amount="292.0000", amount_after="0"))
    result = mapped(raw, price_source="after_discount")
    assert result.sheet.amo == "0.00"
    assert "amount_differs" in codes(result.warnings)
    assert "相差 292.00" in str(result.warnings[-1])


# --- Remark template -----------------------------------------------------------------------------------------


def test_default_remark():
    assert sheet_of(record()).remark == "管易退货单 RGO1 平台单号 P123 7天无理由退换货"


def test_empty_platform_code_drops_its_label():
    assert sheet_of(record(platform_code=None)).remark == "管易退货单 RGO1 7天无理由退换货"


def test_empty_reason_leaves_no_trailing_space():
    assert sheet_of(record(reason="")).remark == "管易退货单 RGO1 平台单号 P123"


def test_whitespace_inside_values_is_collapsed():
    assert sheet_of(record(reason="  尺码\n 不合适\t")).remark == "管易退货单 RGO1 平台单号 P123 尺码 不合适"


def test_other_placeholders_and_literal_braces():
    raw = record(shop_name="天猫旗舰店", express_num=75443686708148)
    template = "{shop_name}：{code}，快递 {express_num} {{原样}}"
    assert sheet_of(raw, remark_template=template).remark == "天猫旗舰店：RGO1，快递 75443686708148 {原样}"


def test_empty_placeholder_in_brackets_leaves_nothing_behind():
    template = "退货 {code}（原因：{reason}） 平台 {platform_code}"
    assert sheet_of(record(reason=""), remark_template=template).remark == "退货 RGO1 平台 P123"
    assert sheet_of(record(), remark_template=template).remark == "退货 RGO1（原因：7天无理由退换货） 平台 P123"


def test_a_value_that_looks_like_a_placeholder_is_not_expanded():
    assert sheet_of(record(reason="{code}")).remark == "管易退货单 RGO1 平台单号 P123 {code}"


def test_remark_is_cut_to_the_configured_length_in_gbk_bytes():
    # 精诚 runs on SQL Server, where a varchar(200) Remark holds 200 bytes of GBK: 100 Chinese characters. Counting
    # bytes that way never overflows such a column, nor an nvarchar one of the same length.
    sheet = sheet_of(record(reason="很长的原因" * 100))
    assert len(sheet.remark.encode("gbk")) == 200
    assert sheet.remark.startswith("管易退货单 RGO1 平台单号 P123 很长的原因")
    assert sheet_of(record(), remark_length=16).remark == "管易退货单 RGO1"  # the space before the cut is dropped
    assert sheet_of(record(), remark_length=15).remark == "管易退货单 RGO1"
    assert sheet_of(record(), remark_length=18).remark == "管易退货单 RGO1 平"
    assert sheet_of(record(), remark_length=17).remark == "管易退货单 RGO1"  # never half a character
    assert sheet_of(record(), remark_length=1).remark == ""


def test_remark_length_counts_ascii_as_one_byte_and_characters_beyond_gbk_as_four():
    assert sheet_of(record(reason="👍👍", platform_code=""), remark_length=24).remark == "管易退货单 RGO1 👍👍"
    assert sheet_of(record(reason="👍👍", platform_code=""), remark_length=23).remark == "管易退货单 RGO1 👍"
    assert sheet_of(record(reason="", platform_code=""), remark_length=15).remark == "管易退货单 RGO1"


def test_remark_length_applies_to_line_remarks_too():
    assert sheet_of(record(detail(note="备注" * 20)), remark_length=5).items[0].remark == "备注"
    assert sheet_of(record(detail(note="备注 ABC")), remark_length=6).items[0].remark == "备注 A"


@pytest.mark.parametrize("template", ["{unknown}", "退货 {code", "退货 code}", "{code!r}", "{code:>10}"])
def test_bad_template_is_refused_clearly(template):
    with pytest.raises(ConfigError, match="备注模板"):
        MappingRules(remark_template=template)


# --- lines left out, gifts, sign -----------------------------------------------------------------------------


def test_lines_whose_quantity_is_zero_are_left_out():
    raw = record(detail(sku_code="A", real_in=0), detail(sku_code="B", real_in="1"),
                 detail(sku_code="C", real_in="0.00"))
    result = mapped(raw)
    assert [item.goods_id for item in result.sheet.items] == ["B"]
    assert result.ready


def test_nothing_received_blocks():
    result = mapped(record(detail(real_in=0), detail(sku_code="B", real_in="0")))
    assert result.sheet is None
    assert codes(result.blocking) == ["nothing_received"]
    assert not result.ready


def test_no_lines_at_all_blocks():
    result = mapped(record(details=None))
    assert codes(result.blocking) == ["nothing_received"]


def test_nothing_received_is_about_the_chosen_quantity():
    raw = record(detail(qty=2, real_in=0))
    assert mapped(raw, qty_source="qty").ready
    assert "待入库数" in str(mapped(record(detail(qty=0)), qty_source="qty").blocking[0])


def test_gift_lines_are_kept_by_default_with_a_warning():
    raw = record(detail(), detail(sku_code="GIFT", is_gift=True, price="0", amount="0"))
    result = mapped(raw)
    assert [item.goods_id for item in result.sheet.items] == ["SKU-1", "GIFT"]
    assert "gift_lines" in codes(result.warnings)
    assert "第 2 行是赠品，已保留" in str(result.warnings[-1])


def test_gift_lines_dropped_by_setting():
    raw = record(detail(), detail(sku_code="GIFT", is_gift=True, price="5", amount="5", real_in=1))
    result = mapped(raw, gifts="drop")
    assert [item.goods_id for item in result.sheet.items] == ["SKU-1"]
    assert (result.sheet.qua, result.sheet.amo) == ("2", "292.00")
    assert "第 2 行是赠品，已按设置剔除" in str(result.warnings[-1])


def test_only_gifts_dropped_is_nothing_to_post():
    result = mapped(record(detail(is_gift=1)), gifts="drop")
    assert result.sheet is None
    assert codes(result.blocking) == ["nothing_received"]
    assert "赠品" in str(result.blocking[0])


def test_negative_sign_setting():
    raw = record(detail(real_in=2), detail(sku_code="GIFT", is_gift=1, price="0", amount="0", real_in="1.5"))
    sheet = sheet_of(raw, sign="negative")
    assert [(i.qua, i.price, i.amo) for i in sheet.items] == [("-2", "146.00", "-292.00"), ("-1.5", "0.00", "0.00")]
    assert (sheet.qua, sheet.amo) == ("-3.5", "-292.00")


def test_negative_sign_does_not_trip_the_amount_check():
    assert "amount_differs" not in codes(mapped(record(), sign="negative").warnings)


# --- blocking problems ---------------------------------------------------------------------------------------


def test_cancelled_blocks_even_with_a_sheet():
    result = mapped(record(cancel="1"))
    assert result.sheet is not None
    assert codes(result.blocking) == ["cancelled"]
    assert not result.ready


def test_empty_sheet_id_blocks():
    order = dataclasses.replace(parse_return(record()), code="")
    result = map_return(order, MappingRules(), NO_TABLES)
    assert codes(result.blocking) == ["empty_sheet_id"]


@pytest.mark.parametrize(
    ("rules", "message"), [({}, "入库时间和创建时间都为空"), ({"date_source": "create"}, "创建时间为空")]
)
def test_empty_date_blocks(rules, message):
    result = mapped(record(receive_date=None, create_date=None), **rules)
    assert codes(result.blocking) == ["empty_date"]
    assert message in str(result.blocking[0])
    assert mapped(record(create_date=None), date_source="create").blocking[0].code == "empty_date"


def test_empty_customer_blocks():
    result = mapped(record(shop_code=None))
    assert codes(result.blocking) == ["empty_customer"]
    assert result.sheet.customer_code == ""


def test_empty_goods_id_blocks():
    result = mapped(record(detail(), detail(sku_code=None, item_code="")))
    assert codes(result.blocking) == ["empty_goods_id"]
    assert str(result.blocking[0]) == (
        "第 2 行（无商品编码）没有商品编码（sku_code 与 item_code 都为空），无法确定精诚商品编号。"
    )
    assert codes(mapped(record(detail(item_code=None)), goods_code="item_code").blocking) == ["empty_goods_id"]


def test_negative_price_blocks_with_the_line_and_item_named():
    result = mapped(record(detail(), detail(sku_code="ABC-01", price="-3", amount="-6")))
    assert codes(result.blocking) == ["negative_price"]
    assert str(result.blocking[0]) == "第 2 行（商品 ABC-01）单价为负数：-3.00"
    i18n.set_language("en")
    assert str(result.blocking[0]) == "Line 2 (item ABC-01) has a negative price: -3.00"


def test_missing_quantity_blocks():
    result = mapped(record(detail(), detail(sku_code="B", real_in=None)))
    assert codes(result.blocking) == ["missing_quantity"]
    assert str(result.blocking[0]) == "第 2 行（商品 B）缺少实际入库数（real_in），无法确定数量。"
    assert len(result.sheet.items) == 1  # the preview still shows the usable line


def test_all_quantities_missing_is_not_called_nothing_received():
    result = mapped(record(detail(real_in=None)))
    assert codes(result.blocking) == ["missing_quantity"]
    assert result.sheet is None


@pytest.mark.parametrize("price", [None, "", "abc", "NaN"])
def test_missing_price_blocks(price):
    result = mapped(record(detail(price=price)))
    assert codes(result.blocking) == ["missing_price"]
    assert str(result.blocking[0]) == "第 1 行（商品 SKU-1）缺少单价（price）。"


def test_negative_quantity_blocks():
    result = mapped(record(detail(real_in=-1)))
    assert codes(result.blocking) == ["negative_quantity"]
    assert str(result.blocking[0]) == "第 1 行（商品 SKU-1）的实际入库数（real_in）为负数：-1。"


@pytest.mark.parametrize(("field", "value"), [("real_in", "1E+12"), ("real_in", "0.0000001"), ("price", "1E+15"),
                                               ("real_in", "1E-999999")])
def test_implausible_numbers_block_rather_than_round(field, value):
    result = mapped(record(detail(**{field: value})))
    assert codes(result.blocking) == ["implausible_number"]
    assert value in str(result.blocking[0])


def test_problems_in_both_languages():
    raw = record(detail(real_in=0), cancel=True, shop_code="S09", shop_name="")
    result = mapped(raw)
    zh = [str(p) for p in result.blocking + result.warnings]
    i18n.set_language("en")
    en = [str(p) for p in result.blocking + result.warnings]
    assert zh == [p.zh for p in result.blocking + result.warnings]
    assert en == [
        "This return was cancelled in Guanyi and cannot be posted.",
        "There is nothing to post: every line's received quantity (real_in) is 0 (or there are no lines).",
        "Shop S09 is not in the shop table; the shop code S09 is used as the CustomerCode.",
    ]


def test_every_message_is_a_sentence_in_each_language():
    raw = record(detail(price="-1"), detail(sku_code="", item_code="", real_in=None), detail(sku_code="G", is_gift=1),
                 detail(sku_code="X", price=None), detail(sku_code="Y", real_in=-2), detail(sku_code="Z", real_in=1),
                 cancel=True, receive_date=None, create_date=None, shop_code="")
    result = mapped(raw)
    for problem in result.blocking + result.warnings:
        assert problem.zh and problem.en and problem.zh != problem.en
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in problem.en.replace("赠品", "")), problem.en


# --- rules and settings --------------------------------------------------------------------------------------


def test_rule_defaults_are_the_settings_defaults():
    defaults = MappingRules()
    for rule in dataclasses.fields(MappingRules):
        assert str(getattr(defaults, rule.name)) == settings.KEYS[f"mapping.{rule.name}"].default


def test_rules_from_settings(db):
    assert MappingRules.from_settings() == MappingRules()
    changes = {"date_source": "create", "date_format": "yyyy/MM/dd", "qty_source": "qty",
               "price_source": "after_discount", "goods_code": "item_code", "red_value": "红", "sign": "negative",
               "gifts": "drop", "remark_template": "{code}", "remark_length": "50"}
    for name, value in changes.items():
        settings.set_value(f"mapping.{name}", value)
    rules = MappingRules.from_settings()
    assert rules == MappingRules(**{**changes, "remark_length": 50})
    assert isinstance(rules.remark_length, int)


@pytest.mark.parametrize(("key", "value"), [("mapping.date_format", "YYYY-MM-DD"), ("mapping.remark_template", "{x}"),
                                            ("mapping.remark_length", "0"), ("mapping.sign", "minus")])
def test_config_set_refuses_bad_mapping_values(db, key, value):
    with pytest.raises(ConfigError):
        settings.set_value(key, value)


@pytest.mark.parametrize("rules", [{"sign": "minus"}, {"gifts": "maybe"}, {"red_value": " "}, {"remark_length": 0},
                                   {"qty_source": "received"}])
def test_bad_rules_are_refused(rules):
    with pytest.raises(ConfigError):
        MappingRules(**rules)


def test_sheet_body_is_all_strings_in_the_published_order():
    body = json.loads(sheet_of(record()).body())
    assert list(body) == ["SheetID", "SheetDate", "CustomerCode", "CustomerName", "RedBlue", "Qua", "Amo", "Remark",
                          "Items"]
    assert all(isinstance(v, str) for v in body.values() if not isinstance(v, list))
    assert all(isinstance(v, str) for item in body["Items"] for v in item.values())
    assert Decimal(body["Amo"]) == sum(Decimal(item["Amo"]) for item in body["Items"])


def test_half_an_emoji_in_the_source_does_not_break_the_sheet():
    # A platform that cut a reason inside an emoji sends a lone surrogate ("\ud83d"); UTF-8 cannot encode it, so
    # the request body could not be built (preview and push failed with a traceback).
    raw = json.loads('{"code":"RGO1","create_date":"2024-05-01 09:00:00","shop_code":"S01","reason":"\\ud83d坏了",'
                     '"details":[{"sku_code":"A","real_in":1,"price":"1","note":"赠\\udc4d"}]}')
    sheet = sheet_of(raw, remark_length=21)
    assert sheet.remark == "管易退货单 RGO1 ?坏了" and sheet.items[0].remark == "赠?"
    assert json.loads(sheet.body())["Remark"] == "管易退货单 RGO1 ?坏了"
    assert sheet_of(raw, remark_length=20).remark == "管易退货单 RGO1 ?坏"
