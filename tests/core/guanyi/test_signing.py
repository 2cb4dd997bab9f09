"""The test vectors of SPEC §2.1 and §2.2, byte for byte."""

from __future__ import annotations

import json

import pytest

from core.guanyi import signing

DIRECT = (
    '{"appkey":"100001","sessionkey":"sess123","method":"gy.erp.trade.return.get","page_no":1,'
    '"page_size":100,"modify_start_date":"2024-01-01 00:00:00","modify_end_date":"2024-01-01 23:59:59"}'
)


def _direct_params() -> dict:
    return json.loads(DIRECT)  # dicts keep the key order of the text


def test_direct_vector_from_text():
    assert signing.guanyi_sign_text("testsecret", DIRECT) == "F2F1448E193597AB2D56D9180993C385"


def test_direct_json_is_the_signed_text():
    assert signing.guanyi_json(_direct_params()) == DIRECT


def test_direct_vector_with_chinese_shop_unescaped():
    params = _direct_params() | {"receive": 1, "shop_code": "店铺A"}
    assert '"shop_code":"店铺A"' in signing.guanyi_json(params)
    body = signing.guanyi_signed_body(params, "testsecret")
    assert body.endswith(b',"sign":"DEC4D62F81C1B374C64BB92AD3B2DEEE"}')
    assert body.startswith(signing.guanyi_json(params)[:-1].encode("utf-8"))


def test_direct_sign_depends_on_key_order():
    params = _direct_params()
    reordered = dict(sorted(params.items()))
    assert signing.guanyi_signed_body(reordered, "testsecret") != signing.guanyi_signed_body(params, "testsecret")


QIMEN = {
    "app_key": "12345678",
    "method": "gy.erp.trade.return.get",
    "timestamp": "2024-01-02 10:00:00",
    "format": "json",
    "v": "2.0",
    "sign_method": "md5",
    "target_app_key": "21226717",
    "appkey": "100001",
    "sessionkey": "sess123",
    "page_no": "1",
    "page_size": "100",
}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("md5", "A24BC0DEBD32763DC6F90C29308AC6D3"),
        ("hmac", "4448CB44D265F2367C01F929D91B2DBD"),
        ("hmac-sha256", "6AB348004738D0E52C3240A7161AD4C46ECC2BF79F7BD580A82627E3AEDB888A"),
    ],
)
def test_qimen_vectors(method, expected):
    assert signing.qimen_sign(QIMEN, "qmsecret", method) == expected


def test_qimen_byte_order_puts_app_key_before_appkey():
    text = signing.qimen_sign_string(QIMEN)
    assert text.index("app_key") < text.index("appkey")


def test_qimen_drops_empty_values_and_sign():
    extra = QIMEN | {"session": "", "sign": "XYZ", "customerId": None}
    assert signing.qimen_sign(extra, "qmsecret") == "A24BC0DEBD32763DC6F90C29308AC6D3"


def test_qimen_unknown_method():
    with pytest.raises(ValueError):
        signing.qimen_sign(QIMEN, "qmsecret", "sha1")
