"""The 奇门 gateway in front of Guanyi (SPEC §2.2): its signature, its checks, then Guanyi's keys."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.guanyi.signing import QIMEN_SIGN_METHODS
from core.timeutil import format_datetime, now_china
from tests.support.wire import qimen, qimen_parts, qimen_post


def _gateway_error(sb, business: dict | None = None, **kwargs) -> dict:
    query, body = qimen_parts(sb, business or {}, **kwargs)
    reply = qimen_post(sb, query, body)
    assert reply.status_code == 200
    response = reply.json()["response"]
    assert response["flag"] == "failure"
    assert {"code", "message", "sub_message", "request_id"} <= set(response)
    return response


@pytest.mark.parametrize("sign_method", QIMEN_SIGN_METHODS)
def test_each_sign_method_is_accepted(shared, sign_method):
    business = {"receive": 1, "cancel": 0, "page_no": 1, "page_size": 100}
    response = qimen(shared, business, sign_method=sign_method)
    assert response["success"] is True
    expected = shared.guanyi.matching(business)
    assert response["total"] == len(expected)
    assert [r["code"] for r in response["tradeReturns"]] == [r["code"] for r in expected][:100]


@pytest.mark.parametrize("sign_method", QIMEN_SIGN_METHODS)
def test_each_sign_method_refuses_a_wrong_secret(shared, sign_method):
    response = _gateway_error(shared, sign_method=sign_method, secret="wrong")
    assert int(response["code"]) == 25 and response["message"] == "Invalid signature"


def test_the_signature_covers_the_body_too(shared):
    query, body = qimen_parts(shared, {"page_size": 5})
    body["page_size"] = "6"
    assert int(qimen_post(shared, query, body).json()["response"]["code"]) == 25


def test_a_signature_of_another_method_is_refused(shared):
    query, body = qimen_parts(shared, {}, sign_method="hmac")
    query["sign_method"] = "md5"
    assert int(qimen_post(shared, query, body).json()["response"]["code"]) == 25


def test_code_comes_as_number_and_as_string(shared):
    codes = [_gateway_error(shared, secret="wrong")["code"] for _ in range(12)]
    assert {type(code) for code in codes} == {int, str}


def test_chinese_business_values_round_trip(shared):
    response = qimen(shared, {"shop_code": "店铺A", "page_size": 100})
    assert response["total"] == len(shared.guanyi.matching({"shop_code": "店铺A"}))


def test_wrong_app_key(shared):
    response = _gateway_error(shared, app_key="99999999")
    assert int(response["code"]) == 29 and response["message"] == "Invalid app Key"


def test_wrong_or_missing_target_app_key(shared):
    assert _gateway_error(shared, target_app_key="12345678")["message"]
    assert _gateway_error(shared, target_app_key=None)["message"]


@pytest.mark.parametrize("timestamp", [None, "2024-01-02T10:00:00", "yesterday",
                                       "+11 minutes", "-11 minutes"])
def test_bad_timestamps(shared, timestamp):
    if timestamp and timestamp.endswith("minutes"):
        timestamp = format_datetime(now_china() + timedelta(minutes=int(timestamp.split()[0])))
    assert "timestamp" in _gateway_error(shared, timestamp=timestamp)["message"].lower()


def test_a_timestamp_a_few_minutes_off_is_fine(shared):
    assert qimen(shared, {}, timestamp=format_datetime(now_china() - timedelta(minutes=5)))["success"] is True


@pytest.mark.parametrize(("override", "code"), [
    ({"method": None}, 21), ({"method": "gy.erp.trade.get"}, 22), ({"app_key": None}, 28), ({"v": "1.0"}, 34),
    ({"format": "xml"}, 23), ({"sign_method": "sha1"}, 41),
])
def test_other_gateway_checks(shared, override, code):
    query, body = qimen_parts(shared, {}, **{k: v for k, v in override.items() if k != "sign_method"})
    query.update({k: v for k, v in override.items() if k == "sign_method"})
    assert int(qimen_post(shared, query, body).json()["response"]["code"]) == code


def test_missing_sign(shared):
    query, body = qimen_parts(shared, {})
    del query["sign"]
    assert int(qimen_post(shared, query, body).json()["response"]["code"]) == 24


@pytest.mark.parametrize("field", ["appkey", "sessionkey"])
def test_guanyi_keys_are_checked_behind_the_gateway(shared, field):
    response = qimen(shared, {field: "wrong"})  # signed for the gateway: only Guanyi can object
    assert response["success"] is False and field in response["errorDesc"]


def test_string_parameters_filter_like_numbers(shared):
    response = qimen(shared, {"receive": "1", "page_size": "500", "page_no": "1"})
    assert response["total"] == len(shared.guanyi.matching({"receive": 1}))
    assert len(response["tradeReturns"]) == min(100, response["total"])


def test_param_err_behind_the_gateway(shared):
    response = qimen(shared, {"start_create": "2024-13-01 00:00:00"})
    assert response["success"] is False and response["errorDesc"] == "PARAM ERR"
