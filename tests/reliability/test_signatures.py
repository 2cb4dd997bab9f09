"""Signatures as the real gateways compute them, checked by the sandbox's own verification over loopback.

- A blank optional value — ``None``, ``""`` or whitespace only, as the TOP gateway's ``StringUtils.isEmpty`` counts
  it (Java's ``Character.isWhitespace``) — is neither signed nor sent: the 奇门 ``session`` and ``customerId``
  (``qimen.customer_id``), and every business parameter, on both paths.
- Chinese, ``/``, ``&``, ``=``, ``<``, quotes and emoji in every signed field — credentials, system and business
  parameters — sign and verify on both paths and with every 奇门 sign method.
- SPEC §2's test vectors still hold (tests/core/guanyi/test_signing.py keeps them; one is repeated here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core import credentials, settings
from core.guanyi import signing
from core.guanyi.client import GuanyiClient
from core.guanyi.signing import QIMEN_SIGN_METHODS, blank, qimen_sign
from core.guanyi.transports import DirectTransport, QimenTransport, transport_from_settings
from core.sandbox import Sandbox
from core.sandbox.httpserver import Request
from tests.support.guanyi import FAST

END = datetime(2024, 6, 10, 15, 0, 0)
HOSTILE = "店铺/&=<>\"'😀 a+b%20"
# Whitespace only, as Java counts it: ASCII space and tab, the ideographic space, a line separator.
BLANKS = ["", " ", "   ", "\t", "\u3000", " \u2028 "]


@pytest.fixture(scope="module")
def sb():
    with Sandbox(returns=10, days=2, seed=31, latency_ms=0, end=END) as sandbox:
        yield sandbox


@contextmanager
def _hostile_credentials(sb) -> Iterator[dict[str, str]]:
    """The sandbox's 管易云 and 奇门 credentials made of hostile characters for the time of a test."""
    guanyi, gateway = sb.credentials["guanyi"], sb.guanyi._gateway
    saved = dict(guanyi), (gateway.app_key, gateway.secret)
    guanyi.update(appkey="应用/&=<\"😀1", sessionkey="会话/&=<'😀2", secret="密钥/&=<\"😀3")
    gateway.app_key, gateway.secret = "奇门/&=<\"😀4", "奇门密钥/&=<'😀5"
    try:
        yield {"app_key": gateway.app_key, "secret": gateway.secret}
    finally:
        guanyi.clear()
        guanyi.update(saved[0])
        gateway.app_key, gateway.secret = saved[1]


@contextmanager
def _recorded(sb) -> Iterator[list[Request]]:
    """Every request the sandbox's 管易云 (and 奇门) port receives, as it arrived."""
    server = next(s for s in sb._servers if s.app is sb.guanyi)
    seen: list[Request] = []

    def app(request: Request):
        seen.append(request)
        return sb.guanyi(request)

    server.app = app
    try:
        yield seen
    finally:
        server.app = sb.guanyi


def _qimen(sb, qimen: dict[str, str], sign_method: str = "md5", **extra: str) -> QimenTransport:
    guanyi = sb.credentials["guanyi"]
    return QimenTransport(sb.qimen_url, qimen["app_key"], qimen["secret"], guanyi["appkey"], guanyi["sessionkey"],
                          sign_method=sign_method, **extra)


def _direct(sb) -> DirectTransport:
    guanyi = sb.credentials["guanyi"]
    return DirectTransport(sb.guanyi_url, guanyi["appkey"], guanyi["sessionkey"], guanyi["secret"])


PARAMS = {"page_no": 1, "page_size": 5, "modify_start_date": "2024-06-09 00:00:00",
          "modify_end_date": "2024-06-10 23:59:59"}


def test_spec_vector_still_holds():
    text = ('{"appkey":"100001","sessionkey":"sess123","method":"gy.erp.trade.return.get","page_no":1,'
            '"page_size":100,"modify_start_date":"2024-01-01 00:00:00","modify_end_date":"2024-01-01 23:59:59"}')
    assert signing.guanyi_sign_text("testsecret", text) == "F2F1448E193597AB2D56D9180993C385"


@pytest.mark.parametrize("value", BLANKS + [None])
def test_blank_is_what_the_top_gateway_leaves_out(value):
    assert blank(value)
    base = {"app_key": "1", "method": "m"}
    assert qimen_sign(base | {"session": value, "customerId": value}, "s") == qimen_sign(base, "s")


@pytest.mark.parametrize("value", ["\u00a0", "\u202f", "\u2007", "a ", " 0", 0, False])
def test_what_java_does_not_count_as_whitespace_is_signed(value):
    # U+00A0, U+2007 and U+202F are the three separators Java's isWhitespace leaves out (no line break at them).
    assert not blank(value)


@pytest.mark.parametrize("value", BLANKS)
def test_a_blank_session_and_customer_id_are_never_signed_or_sent(db, sb, value):
    qimen = sb.credentials["qimen"]
    credentials.store("guanyi", sb.credentials["guanyi"])
    credentials.store("qimen", {"app_key": qimen["app_key"], "secret": qimen["secret"], "session": value or "x"})
    settings.set_value("guanyi.transport", "qimen")
    settings.set_value("qimen.url", sb.qimen_url)
    transport = _qimen(sb, qimen, session=value, customer_id=value)
    with _recorded(sb) as seen, GuanyiClient(transport, **FAST) as client:
        assert client.get_returns(PARAMS | {"shop_code": value, "vip_name": None}).total >= 0
    system = dict(parse_qsl(seen[-1].query, keep_blank_values=True))
    business = dict(parse_qsl(seen[-1].body.decode(), keep_blank_values=True))
    assert "session" not in system and "customerId" not in system
    assert "shop_code" not in business and "vip_name" not in business
    # From the settings too: a customer_id stored blank by an older version, or set through the file by hand.
    from core.store import Setting
    Setting.insert(key="qimen.customer_id", value=value).on_conflict_replace().execute()
    assert "customerId" not in transport_from_settings().prepare("gy.erp.trade.return.get", PARAMS).query


@pytest.mark.parametrize("value", [None, "", " ", "\u3000\t"])
def test_the_direct_path_never_signs_a_null_or_empty_value(sb, value):
    with _recorded(sb) as seen, GuanyiClient(_direct(sb), **FAST) as client:
        assert client.get_returns(PARAMS | {"shop_code": value, "platform_code": value}).total >= 0
    sent = json.loads(seen[-1].body)
    assert "shop_code" not in sent and "platform_code" not in sent
    assert list(sent) == ["appkey", "sessionkey", "method", *PARAMS, "sign"]


@pytest.mark.parametrize("path", ["direct", *QIMEN_SIGN_METHODS])
def test_hostile_characters_in_every_signed_field_verify_over_loopback(sb, path):
    business = PARAMS | {"shop_code": HOSTILE, "vip_name": "张三&李四=<王五>", "express_no": "SF/1\"2'3",
                         "receiver_name": "🙂‍↔️ 家庭 👨‍👩‍👧", "drp_tenant_name": "a=b&c=d"}
    with _hostile_credentials(sb) as qimen, _recorded(sb) as seen:
        if path == "direct":
            transport = _direct(sb)
        else:
            transport = _qimen(sb, qimen, path, session="会话/&=<\"😀", customer_id="客户/&=<'😀")
        with GuanyiClient(transport, **FAST) as client:
            page = client.get_returns(business)  # refused as a signature error (AuthError) if any byte differed
    assert page.total == 0  # no shop is named so: the filters were read, and matched nothing
    request = seen[-1]
    if path == "direct":
        # Sent as signed, byte for byte: non-ASCII unescaped, only the quote escaped as JSON must.
        assert json.dumps(HOSTILE, ensure_ascii=False).encode() in request.body
    else:
        system = dict(parse_qsl(request.query))
        assert system["session"] == "会话/&=<\"😀" and system["customerId"] == "客户/&=<'😀"
        assert dict(parse_qsl(request.body.decode()))["shop_code"] == HOSTILE


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shop=_TEXT, vip=_TEXT, session=_TEXT, use_qimen=st.booleans())
def test_any_text_in_a_signed_field_verifies_or_is_dropped(sb, shop, vip, session, use_qimen):
    transport = _qimen(sb, sb.credentials["qimen"], session=session) if use_qimen else _direct(sb)
    with GuanyiClient(transport, **FAST) as client:
        page = client.get_returns(PARAMS | {"shop_code": shop, "vip_name": vip})
    assert page.total >= 0
