"""The simulator's index and cached record texts serve exactly what a plain scan of the records would.

Each check compares the simulator with the reference it replaced: every record that ``Query.matches``,
sorted (stably) by the md5 of its code, the page written with ``dump_raw``. Random parameter sets run on
every axis and filter, between drift faults and changes made to the records from outside.
"""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import timedelta
from decimal import Decimal

import pytest

from core.guanyi.returns import dump_raw, load_raw
from core.guanyi.signing import guanyi_signed_body
from core.sandbox import Sandbox
from core.sandbox.guanyi_sim import DIRECT_PATH, METHOD
from core.sandbox.httpserver import Request
from core.sandbox.query import FLAGS, RANGES, TEXTS, parse_query
from core.timeutil import format_datetime
from tests.support.wire import END


def _reference(records: list[dict], params: dict) -> list[dict]:
    query = parse_query({k: v for k, v in params.items() if k not in ("page_no", "page_size")})
    chosen = [r for r in records if query.matches(r)]
    return sorted(chosen, key=lambda r: hashlib.md5(r["code"].encode("utf-8")).hexdigest())


def _random_params(rng: random.Random, records: list[dict]) -> dict:
    params: dict = {}
    for low, high in RANGES:
        if rng.random() < 0.5:
            start = END - timedelta(days=rng.randint(0, 32), seconds=rng.randint(0, 86_400))
            if rng.random() < 0.85:
                params[low] = format_datetime(start)
            if rng.random() < 0.85:
                params[high] = format_datetime(start + timedelta(seconds=rng.randint(-3600, 6 * 86_400)))
    sample = rng.choice(records)
    for name, field in TEXTS.items():
        if rng.random() < 0.08 and sample.get(field) is not None:
            params[name] = sample[field] if rng.random() < 0.7 else str(sample[field])
    for name in FLAGS:
        if rng.random() < 0.25:
            params[name] = rng.choice((0, 1, "0", "1", "true", "false"))
    return params


def _call(sandbox: Sandbox, params: dict) -> bytes:
    credentials = sandbox.credentials["guanyi"]
    body = guanyi_signed_body({"appkey": credentials["appkey"], "sessionkey": credentials["sessionkey"],
                               "method": METHOD, **params}, credentials["secret"])
    return sandbox.guanyi(Request("POST", DIRECT_PATH, "", {}, body)).body


def _check(sandbox: Sandbox, rng: random.Random, params: dict) -> None:
    guanyi = sandbox.guanyi
    expected = _reference(guanyi.records, params)
    served = guanyi.matching(params)
    assert [id(r) for r in served] == [id(r) for r in expected], params
    page_no, page_size = rng.choice((1, 1, 2, 3, 7)), rng.choice((1, 10, 100))
    start = (page_no - 1) * page_size
    page = copy.deepcopy(expected[start : start + page_size])  # what the old simulator wrote out
    body = _call(sandbox, {**params, "page_no": page_no, "page_size": page_size})
    reply = load_raw(body)
    assert reply["success"] is True and reply["total"] == len(expected), params
    if reply["tradeReturns"] is None:
        assert not page
    else:
        assert reply["tradeReturns"] == load_raw(dump_raw(page))
        assert ('"tradeReturns":' + dump_raw(page)).encode("utf-8") in body


def _change_from_outside(sandbox: Sandbox, rng: random.Random) -> None:
    records = sandbox.guanyi.records
    target = rng.choice(records)
    kind = rng.randrange(7)
    if kind == 0:
        target["modify_date"] = format_datetime(END - timedelta(seconds=rng.randint(0, 20 * 86_400)))
    elif kind == 1 and target.get("details"):
        target["details"][0].update(price=Decimal("146.10"), qty=rng.randint(1, 9))
    elif kind == 2:
        target["shop_code"] = rng.choice([r["shop_code"] for r in records[:20]])
    elif kind == 3:
        records.append(dict(target, code="", id=rng.randint(1, 10**9)))  # a plain dict, kept as it is
    elif kind == 4:
        outside = [{"sku": "X", "qty": 1}]
        target["details"] = outside
        outside[0]["qty"] = rng.randint(2, 9)  # changed through the caller's own reference
    elif kind == 5:
        del records[rng.randrange(len(records))]
    else:
        target.update(receive=rng.choice((0, 1, "1", None)), create_date=format_datetime(END - timedelta(days=3)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_served_records_and_pages_match_a_plain_scan(seed):
    rng = random.Random(seed)
    sandbox = Sandbox(returns=300, days=30, seed=seed, end=END)
    for _ in range(150):
        _check(sandbox, rng, _random_params(rng, sandbox.guanyi.records))


def test_after_drift_and_changes_from_outside_it_still_matches_a_plain_scan():
    rng = random.Random(11)
    sandbox = Sandbox(returns=300, days=30, seed=4, end=END)
    for round_no in range(250):
        params = _random_params(rng, sandbox.guanyi.records)
        if round_no % 3 == 0:
            sandbox.guanyi.faults.push("drift")
            _call(sandbox, {**params, "page_no": rng.randint(1, 3), "page_size": 10})
        if round_no % 4 == 1:
            _change_from_outside(sandbox, rng)
        _check(sandbox, rng, params)


def test_a_record_changed_in_place_is_served_changed():
    sandbox = Sandbox(returns=50, days=10, seed=5, end=END)
    params = {"page_no": 1, "page_size": 100}
    before = load_raw(_call(sandbox, params))["tradeReturns"]
    target = sandbox.guanyi.matching({})[0]
    target["details"][0]["price"] = Decimal("146.10")
    target["note"] = "改过的备注"
    body = _call(sandbox, params)
    after = load_raw(body)["tradeReturns"]
    assert after[0]["note"] == "改过的备注" and after[0] != before[0] and after[1:] == before[1:]
    assert b'"price":146.10' in body


def test_records_still_copy_and_compare_as_plain_data():
    sandbox = Sandbox(returns=20, days=10, seed=6, end=END)
    records = sandbox.guanyi.records
    copied = copy.deepcopy(records)
    assert copied == records and type(copied) is list and type(copied[0]) is dict
    assert type(copied[0]["details"]) is list and type(copy.copy(records[0])) is dict
    copied[0]["note"] = "only the copy"
    assert records[0]["note"] != "only the copy"


@pytest.mark.parametrize("field, low, high", [(field, low, high) for (low, high), field in RANGES.items()])
def test_a_record_whose_date_moves_is_found_in_its_new_range(field, low, high):
    sandbox = Sandbox(returns=100, days=30, seed=7, end=END)
    rng = random.Random(field)
    window = {low: format_datetime(END - timedelta(days=40)), high: format_datetime(END - timedelta(days=39))}
    assert sandbox.guanyi.matching(window) == []
    moved = rng.sample(list(sandbox.guanyi.records), 3)
    for record in moved:
        record[field] = format_datetime(END - timedelta(days=39, hours=rng.randint(1, 23)))
    moved[0]["code"] = "RGO0"  # a new code: a new place in the order
    expected = _reference(sandbox.guanyi.records, window)
    assert [id(r) for r in sandbox.guanyi.matching(window)] == [id(r) for r in expected] and len(expected) == 3
    _check(sandbox, rng, window)
    sandbox.guanyi.records.remove(moved[1])
    assert [id(r) for r in sandbox.guanyi.matching(window)] == [id(r) for r in _reference(sandbox.guanyi.records,
                                                                                           window)]
