"""Parsing of 退货单 records: every drift of SPEC §2.5."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.guanyi.returns import (
    _DATE_FORMATS,
    InvalidRecord,
    dump_raw,
    load_raw,
    parse_return,
    record_code,
    to_bool,
    to_datetime,
    to_decimal,
    to_text,
)
from tests.support.samples import SAMPLE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, Decimal("2")),
        (2.0, Decimal("2.0")),
        ("2", Decimal("2")),
        ("146.0000", Decimal("146.0000")),
        ("0", Decimal("0")),
        (146.1, Decimal("146.1")),
        (0.1, Decimal("0.1")),
        (" 1,234.50 ", Decimal("1234.50")),
        (None, None),
        ("", None),
        ("null", None),
        ("abc", None),
        ("NaN", None),
        ("Infinity", None),
        (True, None),
    ],
)
def test_to_decimal(value, expected):
    result = to_decimal(value)
    assert result == expected
    if expected is not None:
        assert isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("1", True), ("0", False), ("true", True),
     ("false", False), (None, False), ("", False), ("2", True), (1.0, True)],
)
def test_to_bool(value, expected):
    assert to_bool(value) is expected


def test_to_bool_default_for_missing():
    assert to_bool(None, default=True) is True
    assert to_bool("", default=True) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-09 10:00:12", datetime(2021, 3, 9, 10, 0, 12)),
        ("2021-03-09T10:00:12", datetime(2021, 3, 9, 10, 0, 12)),
        ("2021-03-09 10:00:12.0", datetime(2021, 3, 9, 10, 0, 12)),
        ("2021-03-09", datetime(2021, 3, 9)),
        ("2021/3/9 10:00", datetime(2021, 3, 9, 10, 0)),
        ("2021/03/09", datetime(2021, 3, 9)),
        (None, None),
        ("", None),
        ("yesterday", None),
    ],
)
def test_to_datetime(value, expected):
    assert to_datetime(value) == expected


def _by_strptime(text: str) -> datetime | None:
    """to_datetime as it was before its quick path for the usual form: every format through strptime."""
    text = text.strip()
    text = text.split(".")[0] if "." in text[10:] else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


@pytest.mark.parametrize(
    "text",
    ["2021-02-30 10:00:00", "2021-13-01 00:00:00", "2021-03-09 24:00:00", "2021-03-09 10:60:00",
     "2021-03-09 10:00:60", "0000-01-01 00:00:00", "2021-3-9 10:00:12", "２０２１-03-09 10:00:12"],
)
def test_dates_that_do_not_exist_or_are_written_otherwise_read_as_strptime_reads_them(text):
    assert to_datetime(text) == _by_strptime(text)


@given(st.from_regex(r"[0-9０-９]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?",
                     fullmatch=True))
def test_the_quick_date_path_agrees_with_strptime(text):
    assert to_datetime(text) == _by_strptime(text)


@pytest.mark.parametrize("raw", [{"code": " R9 "}, {"code": 123456789012, "id": 1}])
def test_record_code_is_the_text_of_code(raw):
    assert record_code(raw) == to_text(raw["code"])


def test_ids_stay_exact_text():
    assert to_text(315677284382) == "315677284382"
    assert to_text(12345678901234567890) == "12345678901234567890"
    assert to_text("315677282722") == "315677282722"
    assert to_text(None) == ""


def test_real_sample_is_parsed():
    raw = json.loads(SAMPLE.read_text("utf-8"))["tradeReturns"][0]
    order = parse_return(raw)
    assert order.code == "RGO315677282722"
    assert order.id == "315677282722"
    assert order.cancel is True
    assert order.receive is False and order.approve is False
    assert order.receive_date is None
    assert order.create_date == datetime(2021, 3, 9, 10, 0, 12)
    (line,) = order.lines
    assert line.price == Decimal("146.0000") and line.amount == Decimal("292.0000")
    assert line.qty == Decimal(2) and line.real_in == Decimal(0)
    assert line.sku_code == "" and line.item_code == ""
    assert line.is_gift is False
    assert order.payments[0]["payment"] == 292
    assert order.raw["platform_status"] == "退换货/退款成功"  # unlisted fields are kept


def test_payments_under_details_are_collected():
    raw = {"code": "R1", "details": [{"qty": 1, "payments": [{"payment": "9.90"}]}], "payments": None}
    assert parse_return(raw).payments == ({"payment": "9.90"},)


def test_null_lists_and_fields():
    order = parse_return({"code": "R2", "details": None, "payments": None, "shop_code": None, "cancel": None})
    assert order.lines == () and order.payments == ()
    assert order.shop_code == "" and order.cancel is False


def test_numeric_code_becomes_text():
    assert parse_return({"code": 123456789012}).code == "123456789012"


@pytest.mark.parametrize("raw", [{}, {"code": None}, {"code": "  "}, []])
def test_record_without_code_is_refused(raw):
    with pytest.raises(InvalidRecord):
        parse_return(raw)
    with pytest.raises(InvalidRecord):
        record_code(raw)


_number_forms = st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False).flatmap(
    lambda d: st.sampled_from([str(d), d, float(d) if abs(d) < 10**6 else str(d)])
)


@given(_number_forms)
def test_to_decimal_never_returns_float(value):
    result = to_decimal(value)
    assert isinstance(result, Decimal)


@given(st.integers(min_value=10**11, max_value=10**18))
def test_big_ids_survive_json_round_trip(big_id):
    raw = json.loads(json.dumps({"code": "R", "id": big_id, "details": [{"item_id": big_id}]}))
    order = parse_return(raw)
    assert order.id == str(big_id)
    assert order.lines[0].item_id == str(big_id)


def test_ids_parsed_as_exact_decimals_stay_integer_text():
    """A reply is parsed with JSON decimals as Decimal: an id sent as ``315677282722.0`` is still the id."""
    assert to_text(Decimal("315677282722.0")) == "315677282722"
    assert to_text(Decimal("1234567890123456789.00")) == "1234567890123456789"
    assert to_text(Decimal("12.5")) == "12.5"


def test_load_and_dump_raw_keep_every_number_exactly():
    text = '{"id":315677282722,"price":146.10,"amount":12345678901234567.8912,"n":"1.0","x":null,"名":"店铺A"}'
    raw = load_raw(text)
    assert raw["price"] == Decimal("146.10") and isinstance(raw["amount"], Decimal)
    assert dump_raw(raw) == text
    assert parse_return({"code": "R", **raw}).id == "315677282722"


_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20), st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**12, max_value=10**12),
    st.sampled_from(["2", "2.0", "146.0000", "0", "null", "", "2021-03-09 10:00:12", "0000-00-00 00:00:00", "1"]),
)
_json_values = st.recursive(
    _json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = ["id", "code", "cancel", "receive", "approve", "create_date", "receive_date", "modify_date", "shop_code",
           "details", "payments", "sanwu_package"]
_LINE_FIELDS = ["qty", "real_in", "price", "amount", "amount_after", "is_gift", "sku_code", "item_code", "payments"]
_records = st.fixed_dictionaries({}, optional={
    **{name: _json_values for name in _FIELDS},
    "details": st.one_of(_json_values, st.lists(st.fixed_dictionaries(
        {}, optional={name: _json_values for name in _LINE_FIELDS}), max_size=3)),
})


@given(_records)
def test_any_record_sent_as_json_parses_or_is_refused_clearly(raw):
    """Whatever a tenant sends, read the way the client reads a reply: a typed record, or InvalidRecord."""
    text = dump_raw(raw)
    again = load_raw(text)
    assert dump_raw(again) == text
    try:
        order = parse_return(again)
    except InvalidRecord as exc:
        assert str(exc)
        return
    assert order.code and order.code == order.code.strip()
    for line in order.lines:
        for number in (line.qty, line.real_in, line.price, line.amount, line.amount_after):
            assert number is None or isinstance(number, Decimal)


def test_dump_raw_indented_keeps_numbers_as_sent():
    from core.guanyi.returns import dump_raw, load_raw

    text = dump_raw(load_raw('{"price":146.10,"lines":[{"qty":2.0}],"name":"店"}'), indent=2)
    assert '"price": 146.10' in text and '"qty": 2.0' in text and '"name": "店"' in text
    assert load_raw(text) == load_raw('{"price":146.10,"lines":[{"qty":2.0}],"name":"店"}')


def test_half_an_emoji_becomes_a_replacement_character_not_a_crash(db):
    from core.guanyi.returns import load_raw
    from core.pull import store_window
    from core.store import ReturnRecord
    from core.timeutil import now_china

    text = '{"code":"R-EMOJI","reason":"\\ud83d 破损 \\ud83d\\ude00","details":[{"note":"\\ude00","qty":1}]}'
    record = load_raw(text)
    assert record["reason"] == "\ufffd 破损 😀" and record["details"][0]["note"] == "\ufffd"
    store_window({"R-EMOJI": record}, now_china())
    assert "😀" in ReturnRecord.get_by_id("R-EMOJI").raw_json
    assert parse_return(load_raw(text.encode("utf-8"))).reason == "\ufffd 破损 😀"


def test_load_raw_takes_bytes_with_a_bom_and_mends_surrogates_there_too():
    from core.guanyi.returns import load_raw

    assert load_raw(b'\xef\xbb\xbf{"price":146.10,"r":"\\ud83d x"}') == {"price": Decimal("146.10"), "r": "\ufffd x"}
