"""Requests built the way SPEC §2 and §3.2 say, with core.guanyi.signing, to talk to a sandbox over loopback."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import requests

from core.guanyi import signing
from core.sandbox import Sandbox
from core.timeutil import format_datetime, now_china

END = datetime(2024, 3, 31, 18, 0, 0)
METHOD = "gy.erp.trade.return.get"
TIMEOUT = 5


def direct_params(sb: Sandbox, **business: object) -> dict:
    keys = sb.credentials["guanyi"]
    return {"appkey": keys["appkey"], "sessionkey": keys["sessionkey"], "method": METHOD, **business}


def direct(sb: Sandbox, params: dict, *, secret: str | None = None, timeout: float = TIMEOUT) -> requests.Response:
    """POST ``params`` signed like a correct client (SPEC §2.1)."""
    body = signing.guanyi_signed_body(params, secret or sb.credentials["guanyi"]["secret"])
    return post_direct_bytes(sb, body, timeout=timeout)


def post_direct_bytes(sb: Sandbox, body: bytes, *, timeout: float = TIMEOUT) -> requests.Response:
    return requests.post(
        sb.guanyi_url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, timeout=timeout
    )


def qimen_parts(
    sb: Sandbox, business: dict, *, sign_method: str = "md5", secret: str | None = None, **system: str | None
) -> tuple[dict, dict]:
    """(query, body) of a signed Qimen call (SPEC §2.2); ``system`` overrides a system parameter (None drops it)."""
    keys = sb.credentials["guanyi"]
    body = {"appkey": keys["appkey"], "sessionkey": keys["sessionkey"]}
    body.update({k: str(v) for k, v in business.items()})
    query = {
        "method": METHOD,
        "app_key": sb.credentials["qimen"]["app_key"],
        "target_app_key": "21226717",
        "timestamp": format_datetime(now_china()),
        "format": "json",
        "v": "2.0",
        "sign_method": sign_method,
    }
    query.update(system)
    query = {k: v for k, v in query.items() if v is not None}
    query["sign"] = signing.qimen_sign({**query, **body}, secret or sb.credentials["qimen"]["secret"], sign_method)
    return query, body


def qimen_post(sb: Sandbox, query: dict, body: dict, *, timeout: float = TIMEOUT) -> requests.Response:
    return requests.post(
        f"{sb.qimen_url}?{urlencode(query)}",
        data=urlencode(body).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        timeout=timeout,
    )


def qimen(sb: Sandbox, business: dict, **kwargs: Any) -> dict:
    """The ``response`` object of a correctly signed Qimen call."""
    query, body = qimen_parts(sb, business, **kwargs)
    reply = qimen_post(sb, query, body)
    assert reply.status_code == 200
    return reply.json()["response"]


def fetch_all(sb: Sandbox, business: dict, page_size: int = 7) -> tuple[list[str], set[int]]:
    """Every code over all pages of a direct query, and the totals seen on the way."""
    codes: list[str] = []
    totals: set[int] = set()
    page = 1
    while True:
        reply = direct(sb, direct_params(sb, **business, page_no=page, page_size=page_size)).json()
        assert reply["success"] is True, reply
        totals.add(reply["total"])
        codes += [r["code"] for r in reply["tradeReturns"] or []]
        if page * page_size >= reply["total"]:
            return codes, totals
        page += 1


def sheet(sheet_id: str = "RGO315677282722", **changes: object) -> dict:
    """A 精诚 sheet in the field order of SPEC §3.1, every value a string."""
    body = {
        "SheetID": sheet_id, "SheetDate": "2024-03-09", "CustomerCode": "03", "CustomerName": "天猫-示例专卖店",
        "RedBlue": "R", "Qua": "2", "Amo": "292.00", "Remark": "管易退货单 " + sheet_id,
        "Items": [{"Qua": "2", "GoodsID": "JF1001-GRY", "Price": "146.00", "Amo": "292.00", "Remark": ""}],
    }
    body.update(changes)
    return body


def push(sb: Sandbox, body: dict | bytes, *, headers: dict | None = None, params: dict | None = None,
         timeout: float = TIMEOUT) -> requests.Response:
    """POST a sheet with the sandbox's token unless ``headers`` says otherwise."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    if headers is None:
        headers = {"Authorization": f"Bearer {sb.credentials['jingcheng'].get('token', '')}"}
    headers = {"Content-Type": "application/json; charset=utf-8", **headers}
    return requests.post(f"{sb.jingcheng_url}/ExtApi_RecvExSheet", data=data, headers=headers, params=params,
                         timeout=timeout)
