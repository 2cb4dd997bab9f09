"""The Guanyi client against the sandbox over loopback: both transports, real signatures, faults."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from core import i18n
from core.advice import Advice
from core.errors import AuthError, BusinessError, Cancelled, NetworkError, ServerError
from core.guanyi.client import METHOD_RETURNS, GuanyiClient
from core.guanyi.replies import read_returns_page
from core.guanyi.signing import QIMEN_SIGN_METHODS, qimen_sign
from core.guanyi.transports import DirectTransport, QimenTransport
from core.redact import scrub
from core.sandbox import Sandbox
from tests.support.guanyi import FAST, client, direct_transport, qimen_transport

END = datetime(2024, 3, 31, 18, 0, 0)
RANGE = {"in_begin_time": "2024-03-01 00:00:00", "in_end_time": "2024-03-31 23:59:59", "receive": 1, "cancel": 0}


@pytest.fixture(scope="module")
def sb():
    with Sandbox(returns=120, days=30, seed=7, latency_ms=0, end=END) as sandbox:
        sandbox.guanyi.faults.timeout_seconds = 0.5
        yield sandbox


@pytest.fixture(autouse=True)
def _clean_faults(sb):
    sb.guanyi.faults.clear()
    yield
    sb.guanyi.faults.clear()


def _texts(exc: Exception) -> str:
    """Both languages of an error, and its plain ``str``."""
    return " ".join([getattr(exc, "zh", ""), getattr(exc, "en", ""), str(exc), repr(exc)])


def _secrets(sb) -> list[str]:
    g, q = sb.credentials["guanyi"], sb.credentials["qimen"]
    return [g["secret"], g["sessionkey"], q["secret"]] + ([q["session"]] if q.get("session") else [])


def _codes(records: list[dict]) -> set[str]:
    return {r["code"] for r in records}


@pytest.mark.parametrize(
    "transport, sign_method",
    [("direct", "md5")] + [("qimen", m) for m in QIMEN_SIGN_METHODS],
)
def test_one_page_matches_the_sandbox(sb, transport, sign_method):
    expected = sb.guanyi.matching(RANGE)
    with client(sb, transport, sign_method) as c:
        page = c.get_returns({"page_no": 1, "page_size": 100, **RANGE})
    assert 0 < page.total == len(expected) <= 100
    assert _codes(page.records) == _codes(expected)
    assert c.requests == 1


@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_chinese_shop_code_filter_is_signed_and_sent_as_utf8(sb, transport):
    params = {"page_no": 1, "page_size": 100, "shop_code": "店铺A", **RANGE}
    expected = sb.guanyi.matching(params)
    assert expected, "the seed should give the shop with a Chinese code some returns"
    with client(sb, transport) as c:
        page = c.get_returns(params)
    assert _codes(page.records) == _codes(expected)


@pytest.mark.parametrize("field, named", [("secret", "secret"), ("appkey", "appkey"), ("sessionkey", "sessionkey")])
def test_direct_wrong_credential_is_auth_error_naming_it_without_retry(sb, field, named):
    wrong = {field: "WRONG-" + sb.credentials["guanyi"][field]}
    before = sb.guanyi.request_count
    with GuanyiClient(direct_transport(sb, **wrong), **FAST) as c, pytest.raises(AuthError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert sb.guanyi.request_count - before == 1 and c.requests == 1
    text = _texts(caught.value)
    assert named in text and "管易云凭据" in text
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "guanyi")
    for secret in _secrets(sb) + [wrong[field]] * (field != "appkey"):
        assert secret not in text


@pytest.mark.parametrize("sign_method", QIMEN_SIGN_METHODS)
def test_qimen_wrong_secret_is_auth_error_without_retry(sb, sign_method):
    transport = qimen_transport(sb, sign_method, secret="WRONG-qimen-secret")
    before = sb.guanyi.request_count
    with GuanyiClient(transport, **FAST) as c, pytest.raises(AuthError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 1 and sb.guanyi.request_count - before == 1
    text = _texts(caught.value)
    assert "奇门凭据" in text and "secret" in text
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "qimen")
    for secret in _secrets(sb) + ["WRONG-qimen-secret"]:
        assert secret not in text


def test_qimen_wrong_app_key_is_auth_error_naming_app_key(sb):
    with GuanyiClient(qimen_transport(sb, app_key="99999999"), **FAST) as c, pytest.raises(AuthError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 1
    assert "app_key" in _texts(caught.value) and "奇门凭据" in _texts(caught.value)
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "qimen")


def test_qimen_passes_on_a_guanyi_sessionkey_refusal(sb):
    guanyi = sb.credentials["guanyi"]
    qimen = sb.credentials["qimen"]
    transport = QimenTransport(sb.qimen_url, qimen["app_key"], qimen["secret"], guanyi["appkey"], "WRONG-session")
    with GuanyiClient(transport, **FAST) as c, pytest.raises(AuthError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 1
    assert "sessionkey" in _texts(caught.value) and "WRONG-session" not in _texts(caught.value)


@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_business_error_shows_both_texts_and_is_not_retried(sb, transport):
    with client(sb, transport) as c, pytest.raises(BusinessError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, "in_begin_time": "2024/03/01"})
    assert c.requests == 1
    text = _texts(caught.value)
    assert "in_begin_time" in text  # the sub-description reached the user


@pytest.mark.parametrize("kind", ["http500", "http429", "reset", "malformed", "timeout", "gateway"])
@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_one_transient_fault_is_retried_to_success(sb, kind, transport):
    sb.guanyi.faults.push(kind)
    with client(sb, transport, read_timeout=0.25) as c:
        page = c.get_returns({"page_no": 1, "page_size": 100, **RANGE})
    assert c.requests == 2
    assert page.total == len(sb.guanyi.matching(RANGE))


@pytest.mark.parametrize(
    "kind, error", [("http500", ServerError), ("malformed", ServerError), ("reset", NetworkError),
                    ("timeout", NetworkError)],
)
def test_persistent_fault_fails_after_every_try(sb, kind, error):
    sb.guanyi.faults.push(kind, count=3)
    with client(sb, retries=2, read_timeout=0.25) as c, pytest.raises(error) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 3
    assert "3" in str(caught.value)
    # What to do, in both languages: a network problem says to check the network, a server one to try later.
    zh, en = caught.value.zh, caught.value.en
    assert ("检查网络" in zh and "network" in en) if error is NetworkError else ("稍后" in zh and "later" in en)


def test_connection_refused_is_network_error_naming_the_setting():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rest/erp_open"
    i18n.set_language("en")
    with GuanyiClient(DirectTransport(url, "1", "sess-x", "sec-x"), **FAST) as c, pytest.raises(NetworkError) as e:
        c.get_returns({"page_no": 1})
    assert c.requests == FAST["retries"] + 1
    assert "Cannot connect" in str(e.value) and "guanyi.url" in str(e.value) and "sec-x" not in _texts(e.value)


def test_debug_log_of_a_qimen_call_holds_no_sign_or_secret(sb, caplog):
    caplog.set_level(logging.DEBUG)
    sb.guanyi.faults.push("http500")
    with client(sb, "qimen") as c:
        c.get_returns({"page_no": 1, "page_size": 5, **RANGE})
    text = caplog.text
    assert "sign=***" in text
    for secret in _secrets(sb):
        assert secret not in text


def test_check_connection(sb):
    with client(sb) as c:
        assert c.check_connection() >= 0
    assert c.requests == 1


def test_scrub_hides_known_secrets_and_sign_like_tokens():
    text = "sign ABCDEF0123456789ABCDEF0123456789 expected, secret topsecret1 used; code 123456789012"
    cleaned = scrub(text, ("topsecret1", ""))
    assert "ABCDEF0123456789" not in cleaned and "topsecret1" not in cleaned
    assert "123456789012" in cleaned  # a 12-digit id is not a signature


def test_direct_request_is_the_spec_vector_byte_for_byte():
    business = {"page_no": 1, "page_size": 100, "modify_start_date": "2024-01-01 00:00:00",
                "modify_end_date": "2024-01-01 23:59:59"}
    transport = DirectTransport("http://x/rest/erp_open", "100001", "sess123", "testsecret")
    call = transport.prepare(METHOD_RETURNS, business)
    assert call.body.endswith(b',"sign":"F2F1448E193597AB2D56D9180993C385"}')
    assert call.content_type == "application/json; charset=utf-8" and call.query == {}


def test_qimen_request_is_the_spec_vector():
    # The SPEC's hmac vectors keep sign_method=md5 among the signed parameters, so only md5 applies whole.
    transport = QimenTransport("http://x/router/qm", "12345678", "qmsecret", "100001", "sess123",
                               clock=lambda: datetime(2024, 1, 2, 10, 0, 0))
    call = transport.prepare(METHOD_RETURNS, {"page_no": 1, "page_size": 100})
    assert call.query["sign"] == "A24BC0DEBD32763DC6F90C29308AC6D3"
    assert call.query["timestamp"] == "2024-01-02 10:00:00" and call.query["target_app_key"] == "21226717"
    assert call.body == b"appkey=100001&sessionkey=sess123&page_no=1&page_size=100"
    assert call.content_type == "application/x-www-form-urlencoded; charset=UTF-8"


def test_qimen_session_and_customer_id_are_sent_and_signed():
    transport = QimenTransport("http://x/router/qm", "12345678", "qmsecret", "100001", "sess123",
                               session="qm-session", customer_id="C001", clock=lambda: datetime(2024, 1, 2, 10, 0, 0))
    call = transport.prepare(METHOD_RETURNS, {"page_no": 1, "shop_code": "店铺A", "empty": ""})
    assert call.query["session"] == "qm-session" and call.query["customerId"] == "C001"
    signed = {k: v for k, v in call.query.items() if k != "sign"} | dict(parse_qsl(call.body.decode("ascii")))
    assert call.query["sign"] == qimen_sign(signed, "qmsecret", "md5")
    assert "empty" not in signed and signed["shop_code"] == "店铺A"


@pytest.mark.parametrize("total", [3, "3", " 3 ", 3.0, "3.0", "3.0000", Decimal("3.0"), Decimal("3")])
def test_total_in_any_number_form_is_read(total):
    """``total`` drifts like every number of SPEC §2.5; a reply parsed with exact decimals gives ``3.0`` as Decimal."""
    page = read_returns_page({"success": True, "total": total, "tradeReturns": [{"code": "R1"}]})
    assert page.total == 3 and isinstance(page.total, int)


@pytest.mark.parametrize("total", ["3.5", "-1", "abc", None, True])
def test_total_that_is_no_count_is_unreadable_when_records_came(total):
    with pytest.raises(Exception) as caught:
        read_returns_page({"success": True, "total": total, "tradeReturns": [{"code": "R1"}]})
    assert "total" in getattr(caught.value, "en", "")


def test_https_that_fails_its_handshake_says_so_and_is_not_retried(sb):
    """An https address whose TLS fails (here: a plain-HTTP server) will fail the same way every time;
    the user is told it is the secure connection, not that the network dropped."""
    keys = sb.credentials["guanyi"]
    transport = DirectTransport(sb.guanyi_url.replace("http://", "https://"), keys["appkey"], keys["sessionkey"],
                                keys["secret"])
    i18n.set_language("en")
    with GuanyiClient(transport, **FAST) as c, pytest.raises(NetworkError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 1
    text = _texts(caught.value)
    assert "HTTPS" in text and "guanyi.url" in text and "dropped" not in text


def test_retry_after_of_a_429_is_waited_for_and_a_cancel_ends_the_wait(sb):
    """The sandbox's 429 asks for one second; the client's own backoff here is a millisecond, so only a
    client that honours Retry-After is still waiting when the user cancels 0.2 s later."""
    sb.guanyi.faults.push("http429")
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with client(sb, backoff_cap=5.0) as c, pytest.raises(Cancelled):
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE}, cancel=stop)
    assert c.requests == 1 and time.monotonic() - started < 0.8


def test_qimen_isp_error_that_persists_is_a_server_error_with_the_gateway_text(sb):
    """Qimen's "isp." sub-codes mean the service behind failed (SPEC §2.2 gateway errors): retried, then
    reported as a server problem to try later, not as a business refusal."""
    sb.guanyi.faults.push("gateway", count=3)
    with client(sb, "qimen", retries=2) as c, pytest.raises(ServerError) as caught:
        c.get_returns({"page_no": 1, "page_size": 10, **RANGE})
    assert c.requests == 3
    assert "Remote service error" in str(caught.value) and "3" in str(caught.value)
