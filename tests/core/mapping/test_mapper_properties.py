"""Every random, drifted 退货单 either maps to a self-consistent sheet or is blocked with a reason — never raises."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.guanyi.returns import parse_return
from core.mapping.mapper import MappedReturn, map_return
from core.mapping.numbers import round_half_up
from core.mapping.rules import MappingRules
from core.mapping.value_tables import Customer, ValueTables

KNOWN_CODES = {
    "cancelled", "nothing_received", "empty_sheet_id", "empty_date", "empty_customer", "empty_goods_id",
    "negative_price", "missing_quantity", "missing_price", "negative_quantity", "implausible_number",
    "unknown_shop", "unknown_goods", "gift_lines", "amount_differs", "amount_unreadable",
}
QUANTITY = re.compile(r"-?(0|[1-9]\d*)(\.\d*[1-9])?")
PRICE = re.compile(r"-?(0|[1-9]\d*)\.\d{2,4}")
AMOUNT = re.compile(r"-?(0|[1-9]\d*)\.\d{2}")
SHOPS = ["S01", "S02", "03", ""]
GOODS = ["SKU-1", "SKU-2", "ITEM-1", "ITEM-2", ""]



def mostly(usual: st.SearchStrategy, unusual: st.SearchStrategy) -> st.SearchStrategy:
    """Drift in about one field of four, so that a good share of returns map all the way to a ready sheet."""
    return st.integers(min_value=0, max_value=3).flatmap(lambda draw: unusual if draw == 0 else usual)


numbers = st.one_of(
    st.none(),
    st.integers(min_value=-5, max_value=10**6),
    st.integers(),
    st.floats(),  # NaN, infinities and 1e300 included: a tenant's float goes through str()
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-100, max_value=10**5).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["", "0", "0.0", "146.0000", "33.3333", "0.125", "2.00005", "1E+2", "1E-30", "-0", " 2 ",
                     "null", "1,234.5", "abc", "-3.00"]),
)
small_numbers = st.one_of(
    st.integers(min_value=1, max_value=50),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=Decimal("0.0001"), max_value=1000).map(str),
)
flags = st.one_of(st.none(), st.booleans(), st.sampled_from([0, 1, "0", "1", "true", "false", "", "yes", 2]))
codes = st.one_of(st.none(), st.sampled_from(GOODS), st.text(max_size=6), st.integers(min_value=0))
dates = st.one_of(
    st.none(),
    st.sampled_from(["", "garbage", "2021-03-09 10:00:12", "2024-02-29 00:00:00", "2024-01-01", "0000-00-00 00:00:00"]),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
)
texts = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["7天无理由退换货", "  尺码\n不合适 ", "{code}"]))

good_dates = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
)
lines = st.fixed_dictionaries(
    {
        "qty": mostly(small_numbers, numbers), "real_in": mostly(small_numbers, numbers),
        "price": mostly(small_numbers, numbers), "sku_code": mostly(st.sampled_from(GOODS[:-1]), codes),
        "item_code": mostly(st.sampled_from(GOODS[:-1]), codes), "is_gift": mostly(st.just(0), flags),
        "amount_after": mostly(small_numbers, numbers),
    },
    optional={"amount": numbers, "item_name": texts, "note": texts},
)
returns = st.fixed_dictionaries(
    {
        "code": st.one_of(st.text(min_size=1, max_size=12).filter(str.strip), st.integers(min_value=1)),
        "create_date": mostly(good_dates, dates), "receive_date": mostly(good_dates, dates),
        "shop_code": mostly(st.sampled_from(SHOPS[:-1]), codes), "cancel": mostly(st.just(False), flags),
        "details": mostly(st.lists(lines, min_size=1, max_size=6),
                          st.one_of(st.none(), st.just([]), st.lists(st.one_of(lines, st.just("x"), st.none()),
                                                                     max_size=4))),
    },
    optional={
        "id": st.one_of(st.none(), st.integers(min_value=10**11, max_value=10**13)),
        "reason": texts, "platform_code": st.one_of(texts, st.integers(min_value=0)), "receive": flags,
        "shop_name": texts,
    },
)
rules = st.builds(
    MappingRules,
    date_source=st.sampled_from(["receive", "create"]),
    date_format=st.sampled_from(["yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd", "yy.M.d", "yyyy年M月d日"]),
    qty_source=st.sampled_from(["real_in", "qty"]),
    price_source=st.sampled_from(["price", "after_discount"]),
    goods_code=st.sampled_from(["sku_then_item", "item_code"]),
    red_value=st.sampled_from(["R", "红", "-1"]),
    sign=st.sampled_from(["positive", "negative"]),
    gifts=st.sampled_from(["keep", "drop"]),
    remark_template=st.sampled_from(
        ["管易退货单 {code} 平台单号 {platform_code} {reason}", "{reason}（{code}）", "固定备注"]
    ),
    remark_length=st.integers(min_value=1, max_value=300),
)
tables = st.builds(
    ValueTables,
    shops=st.dictionaries(st.sampled_from(SHOPS), st.builds(Customer, st.sampled_from(["C1", ""]), texts.map(str))),
    goods=st.dictionaries(st.sampled_from(GOODS), st.sampled_from(["G1", "G2", ""])),
)


def assert_consistent(result: MappedReturn, rules: MappingRules) -> None:
    for problem in result.blocking + result.warnings:
        assert problem.code in KNOWN_CODES
        assert problem.zh.strip() and problem.en.strip()
    if not result.ready:
        assert result.blocking, "a return that cannot be posted must say why"
    sheet = result.sheet
    if sheet is None:
        return
    assert sheet.items
    assert all(isinstance(value, str) for value in sheet.as_dict().values() if not isinstance(value, list))
    assert QUANTITY.fullmatch(sheet.qua) and AMOUNT.fullmatch(sheet.amo), (sheet.qua, sheet.amo)
    assert len(sheet.remark) <= rules.remark_length
    with localcontext() as exact:
        exact.prec = 200  # checking with more precision than the mapping ever needs
        for item in sheet.items:
            assert QUANTITY.fullmatch(item.qua) and PRICE.fullmatch(item.price) and AMOUNT.fullmatch(item.amo), item
            assert Decimal(item.amo) == round_half_up(Decimal(item.qua) * Decimal(item.price), 2), item
            assert len(item.remark) <= rules.remark_length
            assert Decimal(item.qua) != 0
            assert (Decimal(item.qua) > 0) == (rules.sign == "positive")
        assert Decimal(sheet.qua) == sum(Decimal(item.qua) for item in sheet.items)
        assert Decimal(sheet.amo) == sum(Decimal(item.amo) for item in sheet.items)
    if result.ready:
        assert sheet.sheet_id and sheet.sheet_date and sheet.customer_code and sheet.red_blue
        assert all(item.goods_id and Decimal(item.price) >= 0 for item in sheet.items)
        assert sheet.digest()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=returns, rules=rules, tables=tables)
def test_every_random_return_maps_or_is_blocked_with_a_reason(raw, rules, tables):
    result = map_return(parse_return(raw), rules, tables)
    event("ready" if result.ready else "blocked with a sheet" if result.sheet else "blocked without a sheet")
    for p in result.blocking:
        event(p.code)
    assert_consistent(result, rules)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(small_numbers, small_numbers), min_size=1, max_size=60), rules)
def test_well_formed_returns_are_ready_and_sum_to_the_cent(pairs, rules):
    raw = {"code": "RGO1", "create_date": "2024-05-01 09:00:00", "receive_date": "2024-05-06 10:11:12",
           "shop_code": "S01", "details": [{"sku_code": f"SKU-{n}", "item_code": f"ITEM-{n}", "qty": quantity,
                                            "real_in": quantity, "price": price, "amount_after": price}
                                           for n, (quantity, price) in enumerate(pairs)]}
    result = map_return(parse_return(raw), rules, ValueTables())
    assert_consistent(result, rules)
    if any(Decimal(str(quantity)) > 0 for quantity, _ in pairs):
        assert result.ready, [str(p) for p in result.blocking]


def _half_up_exact(numerator: Fraction) -> Decimal:
    """Half-up to 4 decimals by integer arithmetic, as a reference free of any Decimal context."""
    scaled = numerator * 10**4
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    return Decimal(whole + (1 if 2 * rest >= scaled.denominator else 0)).scaleb(-4)


six_places = st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=Decimal("0.000001"),
                         max_value=Decimal("999999999999.999999"))


@settings(max_examples=300, deadline=None)
@given(amount_after=six_places, qty=six_places)
def test_after_discount_price_is_exactly_half_up(amount_after, qty):
    raw = {"code": "RGO1", "create_date": "2024-05-01 09:00:00", "shop_code": "S01",
           "details": [{"sku_code": "A", "real_in": 1, "qty": str(qty), "amount_after": str(amount_after)}]}
    result = map_return(parse_return(raw), MappingRules(price_source="after_discount"), ValueTables())
    expected = _half_up_exact(Fraction(amount_after) / Fraction(qty))
    if expected.adjusted() >= 12:
        assert [p.code for p in result.blocking] == ["implausible_number"]
    else:
        assert Decimal(result.sheet.items[0].price) == expected
