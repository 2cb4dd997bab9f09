"""The 精诚 simulator in the default profile (SPEC §3.2): auth modes, replies, duplicates recorded."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import requests

from core.sandbox import Sandbox
from tests.support.wire import END, push, sheet


def _success(reply: requests.Response) -> dict:
    assert reply.status_code == 200
    body = reply.json()
    assert body["Flag"] in ("1", 1, True) and body["Message"] and body["SheetNo"]
    return body


def test_token_accepted_and_recorded(sb):
    body = _success(push(sb, sheet("RGO100000000001")))
    [recorded] = sb.jingcheng.sheets
    assert recorded["SheetID"] == "RGO100000000001"
    assert recorded["SheetNo"] == body["SheetNo"]
    assert recorded["body"] == sheet("RGO100000000001")
    assert list(recorded["body"]) == list(sheet())  # field order as sent
    assert len(recorded["received_at"]) == 19
    assert sb.jingcheng.request_count == 1


@pytest.mark.parametrize("header", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}])
def test_token_refused_with_401(sb, header):
    reply = push(sb, sheet(), headers=header)
    assert reply.status_code == 401 and reply.json()["Flag"] == "0"
    assert sb.jingcheng.sheets == []


def test_duplicates_are_accepted_and_visible(sb):
    for sheet_id in ("RGO1", "RGO2", "RGO1", "RGO1"):
        _success(push(sb, sheet(sheet_id)))
    assert sb.jingcheng.sheet_ids() == ["RGO1", "RGO2", "RGO1", "RGO1"]
    assert sb.jingcheng.duplicates() == {"RGO1": 3}
    assert len({s["SheetNo"] for s in sb.jingcheng.sheets}) == 4


def test_success_flag_comes_in_every_accepted_form(sb):
    flags = [push(sb, sheet(f"RGO{i}")).json()["Flag"] for i in range(40)]
    assert "1" in flags and {type(flag) for flag in flags} > {str}


@pytest.mark.parametrize(("body", "message"), [
    (sheet(Qua=2), "Qua"),
    (sheet(SheetID=""), "SheetID"),
    (sheet(Items=[]), "Items"),
    (sheet(Items=[{"Qua": "1", "GoodsID": "", "Price": "1.00", "Amo": "1.00"}]), "GoodsID"),
    (sheet(Items=[{"Qua": "1", "GoodsID": "A", "Price": 1.0, "Amo": "1.00"}]), "Price"),
    ([sheet()], "JSON"),
])
def test_an_invalid_sheet_is_flag_0_and_not_recorded(sb, body, message):
    reply = push(sb, body)
    assert reply.status_code == 200
    assert reply.json()["Flag"] == "0" and message in reply.json()["Message"]
    assert sb.jingcheng.sheets == []


def test_a_body_that_is_not_json_is_a_400(sb):
    reply = push(sb, b"SheetID=RGO1")
    assert reply.status_code == 400 and reply.json()["Flag"] == "0"


def test_unknown_path_is_404(sb):
    assert requests.post(f"{sb.jingcheng_url}/ExtApi_Other", json=sheet(), timeout=5).status_code == 404


def test_basic_auth():
    with Sandbox(returns=0, end=END, jingcheng_auth="basic") as sandbox:
        keys = sandbox.credentials["jingcheng"]
        assert set(keys) == {"user", "password"}
        good = base64.b64encode(f"{keys['user']}:{keys['password']}".encode()).decode()
        _success(push(sandbox, sheet(), headers={"Authorization": f"Basic {good}"}))
        bad = base64.b64encode(f"{keys['user']}:nope".encode()).decode()
        assert push(sandbox, sheet(), headers={"Authorization": f"Basic {bad}"}).status_code == 401
        assert push(sandbox, sheet(), headers={"Authorization": "Basic ***"}).status_code == 401


def test_md5_sign_auth():
    with Sandbox(returns=0, end=END, jingcheng_auth="md5-sign") as sandbox:
        keys = sandbox.credentials["jingcheng"]
        assert set(keys) == {"appkey", "secret"}
        body = json.dumps(sheet(), ensure_ascii=False).encode("utf-8")
        secret = keys["secret"].encode()
        sign = hashlib.md5(secret + body + secret).hexdigest().upper()
        params = {"appkey": keys["appkey"], "timestamp": "2024-03-31 18:00:00", "sign": sign}
        _success(push(sandbox, body, headers={}, params=params))
        for wrong in ({"sign": sign.lower()}, {"appkey": "x"}, {"timestamp": ""}):
            assert push(sandbox, body, headers={}, params=params | wrong).status_code == 401
        tampered = body.replace(b'"292.00"', b'"293.00"', 1)
        assert push(sandbox, tampered, headers={}, params=params).status_code == 401


def test_no_auth():
    with Sandbox(returns=0, end=END, jingcheng_auth="none") as sandbox:
        assert sandbox.credentials["jingcheng"] == {}
        _success(push(sandbox, sheet(), headers={}))


def test_unknown_auth_mode_is_refused():
    with pytest.raises(ValueError):
        Sandbox(jingcheng_auth="oauth")


def test_sheets_endpoint_lists_what_was_accepted(sb):
    _success(push(sb, sheet("RGO7")))
    _success(push(sb, sheet("RGO7")))
    listed = requests.get(f"{sb.jingcheng_url}/_sandbox/sheets", timeout=5).json()
    assert [s["SheetID"] for s in listed] == ["RGO7", "RGO7"]
    assert listed[0]["body"] == sheet("RGO7")
