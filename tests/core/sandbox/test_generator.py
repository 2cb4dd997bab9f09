"""The seeded returns: deterministic, and as varied as real tenants' data (SPEC §2.5, §9)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from core.sandbox.generator import ReturnGenerator
from core.timeutil import parse_datetime
from tests.support.wire import END


def _records(seed: int = 1, count: int = 200, days: int = 30) -> list[dict]:
    return ReturnGenerator(seed, END, days).generate(count)


def _lines(records: list[dict]) -> list[dict]:
    return [line for record in records for line in record["details"]]


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def _flag(value: object) -> bool:
    return str(value).lower() in ("1", "true")


def test_same_seed_and_end_give_the_same_records():
    assert json.dumps(_records(), ensure_ascii=False) == json.dumps(_records(), ensure_ascii=False)


def test_other_seed_or_end_give_other_records():
    assert _records(seed=1) != _records(seed=2)
    assert ReturnGenerator(1, END, 30).generate(50) != ReturnGenerator(1, END - timedelta(days=1), 30).generate(50)


def test_codes_and_ids_look_real_and_are_unique():
    records = _records()
    assert len({r["code"] for r in records}) == len(records)
    for record in records:
        assert re.fullmatch(r"RGO\d{12}", record["code"])
        assert record["code"] == f"RGO{record['id']}"
        for line in record["details"]:
            assert isinstance(line["id"], int) and len(str(line["id"])) == 12
    kinds = {type(r["id"]) for r in records}
    assert kinds == {int, str}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_hundred_records_hold_every_case(seed):
    records = _records(seed=seed)
    lines = _lines(records)
    received = [r for r in records if _flag(r["receive"])]
    assert any(_flag(line["is_gift"]) for line in lines), "gifts"
    assert any(_flag(line["is_gift"]) and _dec(line["price"]) == 0 for line in lines), "free gifts"
    assert any(0 < _dec(line["real_in"]) < _dec(line["qty"]) for line in lines), "partial receipts"
    assert any(_dec(line["real_in"]) == 0 for r in received for line in r["details"]), "zero receipts"
    assert any(r["cancel"] is True and r["cancel_date"] for r in records), "cancelled"
    assert any(r["receive"] == 0 and r["receive_date"] is None for r in records), "unreceived"
    assert {type(line["price"]) for line in lines} >= {str, float}, "money as text and as numbers"
    assert any(re.fullmatch(r"\d+\.\d{4}", str(line["price"])) for line in lines), '"146.0000" style'
    assert any(isinstance(line["price"], str) and "." not in line["price"] for line in lines), '"146" style'
    assert any(line["amount"] == "0" or line["amount_after"] == "0" for line in lines), '"0" as text'
    assert {type(line["qty"]) for line in lines} >= {int, str, float}, "quantities in three forms"
    assert any(line["sku_code"] in (None, "") for line in lines), "lines without sku_code"
    for field in ("platform_code", "vip_code", "reason", "express_code", "receiver_phone", "approve_date"):
        assert any(r[field] is None for r in records), f"null {field}"
    assert any("payments" in r and r["payments"] for r in records), "payments at the top level"
    assert any(line.get("payments") for line in lines), "payments under the lines"
    assert any(r.get("payments", []) is None for r in records), "payments null"
    assert any(r["id"] == str(r["id"]) for r in records), "id as a string"


def test_shops_and_items_are_chinese_and_six_to_ten_shops():
    records = _records()
    shops = {(r["shop_code"], r["shop_name"]) for r in records}
    assert 6 <= len(shops) <= 10
    assert all(re.search(r"[\u4e00-\u9fff]", name) for _, name in shops)
    names = [line["item_name"] for line in _lines(records) if line["item_name"]]
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in names)


def test_dates_are_ordered_and_inside_the_period():
    start = END - timedelta(days=30)
    for record in _records():
        created = parse_datetime(record["create_date"])
        modified = parse_datetime(record["modify_date"])
        assert start <= created <= modified <= END
        if record["receive_date"]:
            assert created <= parse_datetime(record["receive_date"]) <= modified
        if record["approve_date"]:
            assert created <= parse_datetime(record["approve_date"]) <= modified
        if record["cancel_date"]:
            assert created <= parse_datetime(record["cancel_date"]) <= modified
        assert _flag(record["receive"]) == (record["receive_date"] is not None)


def test_amounts_mostly_consistent_with_a_few_deliberate_exceptions():
    lines = [line for line in _lines(_records()) if not _flag(line["is_gift"])]
    consistent = [line for line in lines if _dec(line["qty"]) * _dec(line["price"]) == _dec(line["amount"])]
    assert 0.8 * len(lines) <= len(consistent) < len(lines)
    assert all(_dec(line["amount_after"]) <= _dec(line["amount"]) for line in lines)
    assert any(0 < _dec(line["amount_after"]) < _dec(line["amount"]) for line in lines)


def test_floats_are_exact_short_decimals():
    """A float in the output was built from a Decimal's text: it reads back with at most 4 decimals."""
    for line in _lines(_records()):
        for field in ("price", "amount", "amount_after", "qty", "real_in"):
            if isinstance(line[field], float):
                assert -_dec(line[field]).as_tuple().exponent <= 4


def test_extra_records_keep_new_codes():
    generator = ReturnGenerator(1, END, 30)
    codes = {r["code"] for r in generator.generate(100)}
    extra = [generator.extra()["code"] for _ in range(20)]
    assert len(set(extra)) == 20 and not codes & set(extra)
    wanted = generator.extra(lambda code: code.endswith("7"))
    assert wanted["code"].endswith("7")
