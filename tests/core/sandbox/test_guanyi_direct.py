"""The direct 管易云 transport (SPEC §2.1, §2.3): strict signature on the bytes, filters, paging."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.guanyi import signing
from core.timeutil import format_datetime, parse_datetime
from tests.support.wire import END, direct, direct_params, fetch_all, post_direct_bytes

SUCCESS_KEYS = {"success", "errorCode", "subErrorCode", "errorDesc", "subErrorDesc", "requestMethod",
                "tradeReturns", "total"}


def _codes(records: list[dict]) -> list[str]:
    return [r["code"] for r in records]


def test_a_correctly_signed_call_gets_the_envelope(shared):
    params = direct_params(shared, page_no=1, page_size=20, receive=1, shop_code=shared.guanyi.records[0]["shop_code"])
    reply = direct(shared, params)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json()
    assert SUCCESS_KEYS <= set(body) <= SUCCESS_KEYS | {"flag"}
    assert body["success"] is True and body["requestMethod"] == "gy.erp.trade.return.get"
    expected = shared.guanyi.matching(params)
    assert body["total"] == len(expected) > 0
    assert _codes(body["tradeReturns"]) == _codes(expected)[:20]


def test_chinese_values_are_signed_unescaped(shared):
    params = direct_params(shared, shop_code="店铺A", page_size=100)
    assert direct(shared, params).json()["total"] == len(shared.guanyi.matching(params))


def test_key_order_varies_and_flag_null_comes_and_goes(shared):
    params = direct_params(shared, page_size=1)
    bodies = [direct(shared, params).json() for _ in range(20)]
    assert len({tuple(body) for body in bodies}) > 1
    assert any("flag" in body for body in bodies) and any("flag" not in body for body in bodies)
    assert all(body.get("flag", None) is None for body in bodies)


def _refusal(reply) -> dict:
    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is False
    assert body["requestMethod"] == "gy.erp.trade.return.get"
    assert {"errorCode", "subErrorCode", "errorDesc", "subErrorDesc"} <= set(body)
    return body


def test_wrong_secret_is_a_sign_error(shared):
    body = _refusal(direct(shared, direct_params(shared), secret="not-the-secret"))
    assert "sign" in body["errorDesc"] and body["subErrorDesc"] == "签名验证失败"


def test_the_signature_covers_the_exact_bytes(shared):
    params = direct_params(shared, page_no=1, page_size=10)
    secret = shared.credentials["guanyi"]["secret"]
    sign = signing.guanyi_sign_text(secret, signing.guanyi_json(params))
    spaced = json.dumps(params, ensure_ascii=False)[:-1] + f', "sign": "{sign}"}}'
    reordered = signing.guanyi_json(dict(sorted(params.items())))[:-1] + f',"sign":"{sign}"}}'
    escaped = signing.guanyi_json(params | {"shop_code": "店铺A"})
    escaped_sign = signing.guanyi_sign_text(secret, escaped)
    ascii_body = json.dumps(params | {"shop_code": "店铺A"}, separators=(",", ":"))[:-1] + f',"sign":"{escaped_sign}"}}'
    sign_first = '{"sign":"' + sign + '",' + signing.guanyi_json(params)[1:]
    lower = signing.guanyi_json(params)[:-1] + f',"sign":"{sign.lower()}"}}'
    for body in (spaced, reordered, ascii_body, sign_first, lower):
        assert "sign" in _refusal(post_direct_bytes(shared, body.encode("utf-8")))["errorDesc"], body
    no_sign = signing.guanyi_json(params).encode("utf-8")
    assert "sign" in _refusal(post_direct_bytes(shared, no_sign))["errorDesc"]


@pytest.mark.parametrize(("field", "word"), [("appkey", "appkey"), ("sessionkey", "sessionkey")])
def test_wrong_keys_name_the_key(shared, field, word):
    params = direct_params(shared) | {field: "wrong"}
    body = _refusal(direct(shared, params))
    assert word in body["errorDesc"]
    assert "sign" not in body["errorDesc"]


def test_wrong_method_is_refused_but_not_as_auth(shared):
    body = _refusal(direct(shared, direct_params(shared) | {"method": "gy.erp.trade.get"}))
    assert not any(word in body["errorDesc"] for word in ("sign", "appkey", "sessionkey"))


@pytest.mark.parametrize("bad", [
    {"start_create": "2024/03/01"},
    {"in_end_time": "2024-03-01"},
    {"modify_start_date": 20240301},
    {"page_no": 0},
    {"page_no": "x"},
    {"page_size": -5},
    {"receive": 2},
    {"cancel": "yes"},
])
def test_bad_parameters_are_param_err(shared, bad):
    body = _refusal(direct(shared, direct_params(shared, **bad)))
    assert body["errorDesc"] == "PARAM ERR"
    assert next(iter(bad)) in body["subErrorDesc"]


def test_a_body_that_is_not_json_is_param_err(shared):
    assert _refusal(post_direct_bytes(shared, b"appkey=1&sessionkey=2"))["errorDesc"] == "PARAM ERR"
    assert _refusal(post_direct_bytes(shared, b"\xff\xfe{}"))["errorDesc"] == "PARAM ERR"


def test_paging_reads_each_matching_record_once(shared):
    filters = {"receive": 1, "cancel": 0}
    codes, totals = fetch_all(shared, filters, page_size=7)
    expected = _codes(shared.guanyi.matching(filters))
    assert codes == expected and len(set(codes)) == len(codes)
    assert totals == {len(expected)}


def test_order_is_stable_but_neither_by_code_nor_by_date(shared):
    served = _codes(shared.guanyi.matching({}))
    assert served == _codes(shared.guanyi.matching({}))
    assert served != sorted(served)
    assert served != _codes(sorted(shared.guanyi.records, key=lambda r: r["create_date"]))


def test_page_size_defaults_to_10_and_is_capped_at_100(shared):
    assert len(direct(shared, direct_params(shared)).json()["tradeReturns"]) == 10
    body = direct(shared, direct_params(shared, page_size=500)).json()
    assert body["success"] is True and body["total"] == 200 and len(body["tradeReturns"]) == 100
    assert len(direct(shared, direct_params(shared, page_size=500, page_no=2)).json()["tradeReturns"]) == 100


def test_a_page_past_the_end_is_empty_with_the_total(shared):
    body = direct(shared, direct_params(shared, page_no=99, page_size=50)).json()
    assert body["success"] is True and body["total"] == 200 and not body["tradeReturns"]


def _window(records: list[dict], field: str) -> tuple[str, str]:
    """A window on ``field`` whose ends are exactly the dates of two records (both ends inclusive)."""
    dates = sorted(r[field] for r in records if r[field])
    return dates[len(dates) // 4], dates[len(dates) // 2]


@pytest.mark.parametrize(("low", "high", "field"), [
    ("start_create", "end_create", "create_date"),
    ("in_begin_time", "in_end_time", "receive_date"),
    ("modify_start_date", "modify_end_date", "modify_date"),
])
def test_each_time_axis_is_an_inclusive_range(shared, low, high, field):
    start, end = _window(shared.guanyi.records, field)
    filters = {low: start, high: end}
    expected = {r["code"] for r in shared.guanyi.records if r[field] and start <= r[field] <= end}
    assert {r["code"] for r in shared.guanyi.matching(filters)} == expected
    codes, _ = fetch_all(shared, filters, page_size=50)
    assert set(codes) == expected and len(codes) == len(expected)
    one_second_in = format_datetime(parse_datetime(start) + timedelta(seconds=1))
    narrower = {r["code"] for r in shared.guanyi.matching({low: one_second_in, high: end})}
    assert narrower < expected


def test_open_ended_ranges(shared):
    middle = _window(shared.guanyi.records, "create_date")[1]
    after = shared.guanyi.matching({"start_create": middle})
    before = shared.guanyi.matching({"end_create": middle})
    assert all(r["create_date"] >= middle for r in after) and all(r["create_date"] <= middle for r in before)
    assert len(after) + len(before) == len(shared.guanyi.records) + sum(
        r["create_date"] == middle for r in shared.guanyi.records)


def test_receive_time_never_selects_an_unreceived_return(shared):
    everything = shared.guanyi.matching({"in_begin_time": "2000-01-01 00:00:00", "in_end_time": "2100-01-01 00:00:00"})
    assert everything and all(r["receive_date"] for r in everything)
    assert len(everything) == sum(1 for r in shared.guanyi.records if r["receive_date"])


def _flag(value: object) -> int:
    return 1 if str(value).lower() in ("1", "true") else 0


FLAG_FIELDS = {"receive": "receive", "cancel": "cancel", "agree": "agree_refuse", "no_parcel": "sanwu_package"}
TEXT_FIELDS = {"code": "code", "shop_code": "shop_code", "platform_code": "platform_code",
               "return_type": "return_type", "express_no": "express_num", "vip_name": "vip_name",
               "receiver_name": "receiver_name", "receiver_phone": "receiver_phone",
               "warehousein_code": "warehousein_code", "warehouseout_code": "warehouseout_code"}


@pytest.mark.parametrize("param", sorted(FLAG_FIELDS))
@pytest.mark.parametrize("wanted", [0, 1])
def test_flag_filters(shared, param, wanted):
    field = FLAG_FIELDS[param]
    expected = {r["code"] for r in shared.guanyi.records if _flag(r[field]) == wanted}
    assert expected, f"the seed has no {param}={wanted}"
    assert {r["code"] for r in shared.guanyi.matching({param: wanted})} == expected
    assert {r["code"] for r in shared.guanyi.matching({param: str(wanted)})} == expected
    codes, _ = fetch_all(shared, {param: wanted}, page_size=100)
    assert set(codes) == expected


@pytest.mark.parametrize("param", sorted(TEXT_FIELDS))
def test_text_filters(shared, param):
    field = TEXT_FIELDS[param]
    value = next(r[field] for r in reversed(shared.guanyi.records) if r[field] not in (None, ""))
    expected = {r["code"] for r in shared.guanyi.records if r[field] is not None and str(r[field]) == str(value)}
    assert {r["code"] for r in shared.guanyi.matching({param: value})} == expected
    codes, _ = fetch_all(shared, {param: value}, page_size=100)
    assert set(codes) == expected
    assert not shared.guanyi.matching({param: "没有这个值"})


def test_filters_combine(shared):
    filters = {"receive": 1, "cancel": 0, "shop_code": shared.guanyi.records[3]["shop_code"],
               "in_begin_time": format_datetime(END - timedelta(days=20)), "in_end_time": format_datetime(END)}
    codes, _ = fetch_all(shared, filters, page_size=5)
    assert codes == _codes(shared.guanyi.matching(filters)) and codes


def test_empty_values_are_no_filter(shared):
    assert len(shared.guanyi.matching({"shop_code": "", "receive": None})) == 200
    assert direct(shared, direct_params(shared, shop_code="", page_size=1)).json()["total"] == 200


def test_request_count_counts_api_calls(shared):
    before = shared.guanyi.request_count
    direct(shared, direct_params(shared, page_size=1))
    direct(shared, direct_params(shared, page_size=1), secret="bad")
    assert shared.guanyi.request_count == before + 2


def test_a_body_signed_over_itself_but_not_in_the_compact_form_is_refused(shared):
    """J of SPEC §2.1 is the compact text, non-ASCII unescaped: a client that signs what it sends, but sends
    spaces or \\u escapes, would be refused by Guanyi (which computes J) and so is refused here."""
    params = direct_params(shared, page_no=1, page_size=10, shop_code="店铺A")
    secret = shared.credentials["guanyi"]["secret"]
    for text in (json.dumps(params, ensure_ascii=False), json.dumps(params, separators=(",", ":"))):
        body = text[:-1] + f',"sign":"{signing.guanyi_sign_text(secret, text)}"}}'
        assert "sign" in _refusal(post_direct_bytes(shared, body.encode("utf-8")))["errorDesc"], text
    assert direct(shared, params).json()["success"] is True
