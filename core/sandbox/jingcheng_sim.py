"""The 精诚ERP simulator: ``ExtApi_RecvExSheet`` in the default interface profile (SPEC §3.2).

Like the worst real installation it accepts a SheetID it has already seen, and records every
accepted sheet, so a double post shows up in :meth:`JingchengSimulator.duplicates`.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import threading
from collections import Counter
from collections.abc import Mapping
from urllib.parse import parse_qsl

from core.guanyi.signing import guanyi_sign_text
from core.sandbox.faults import JINGCHENG_FAULTS, FaultPlan
from core.sandbox.httpserver import NoReply, Reply, Request, json_reply
from core.timeutil import format_datetime, now_china

SHEET_PATH = "/ExtApi_RecvExSheet"
SHEETS_PATH = "/_sandbox/sheets"
AUTH_MODES = ("token", "basic", "md5-sign", "none")
HEADER_FIELDS = ("SheetID", "SheetDate", "CustomerCode", "CustomerName", "RedBlue", "Qua", "Amo", "Remark")
ITEM_FIELDS = ("Qua", "GoodsID", "Price", "Amo", "Remark")
REQUIRED_HEADER = ("SheetID", "SheetDate", "CustomerCode")
REQUIRED_ITEM = ("GoodsID", "Qua")
REFUSALS = (
    "客户编码不存在", "单据日期所在会计期间已结账", "商品编码不存在", "仓库未设置默认库位", "数据库忙，请稍后再试",
)


class _Invalid(Exception):
    """A sheet 精诚 refuses with ``Flag 0``; the text is the Message."""


class JingchengSimulator:
    def __init__(self, auth: str, credentials: Mapping[str, str], seed: int) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"unknown 精诚 auth {auth!r}; use one of {', '.join(AUTH_MODES)}")
        self.auth = auth
        self.sheets: list[dict] = []
        self.faults = FaultPlan(JINGCHENG_FAULTS, f"jingcheng-faults-{seed}")
        self.request_count = 0
        self._credentials = credentials
        self._rng = random.Random(f"jingcheng-{seed}")
        self._lock = threading.Lock()

    def sheet_ids(self) -> list[str]:
        """The SheetID of every accepted sheet, in arrival order, repeats included."""
        with self._lock:
            return [sheet["SheetID"] for sheet in self.sheets]

    def duplicates(self) -> dict[str, int]:
        """SheetID -> how many times it was accepted, for those accepted more than once."""
        return {sheet_id: n for sheet_id, n in Counter(self.sheet_ids()).items() if n > 1}

    def __call__(self, request: Request) -> Reply | NoReply:
        if request.method == "GET" and request.path == SHEETS_PATH:
            with self._lock:  # written out here, so a sheet arriving meanwhile cannot change it
                return json_reply(self.sheets)
        if request.path != SHEET_PATH:
            return json_reply({"Flag": "0", "Message": f"接口不存在: {request.path}"}, status=404)
        if request.method != "POST":
            return json_reply({"Flag": "0", "Message": "请使用POST"}, status=405)
        with self._lock:
            self.request_count += 1
        fault = self.faults.next()
        refused = self._refused_by_fault(fault)
        if refused is not None:
            return refused
        if not self._authorised(request):
            return json_reply({"Flag": "0", "Message": "身份验证失败，请检查令牌或密钥"}, status=401)
        try:
            body = json.loads(request.body.decode("utf-8"))
        except ValueError:
            return json_reply({"Flag": "0", "Message": "请求体不是UTF-8编码的JSON"}, status=400)
        try:
            _validate(body)
        except _Invalid as problem:
            return json_reply({"Flag": "0", "Message": str(problem)})
        reply = self._accept(body)
        if fault == "delay":
            return json_reply(reply, delay_seconds=self.faults.delay_seconds)
        if fault == "timeout":
            return NoReply(hold_seconds=self.faults.timeout_seconds)
        return json_reply(reply)

    def _refused_by_fault(self, fault: str | None) -> Reply | NoReply | None:
        """The faults that answer before the sheet is looked at (and so never record it)."""
        if fault == "reset":
            return NoReply(reset=True)
        if fault == "http500":
            return Reply(500, b"<html><body>500 - Internal Server Error</body></html>", "text/html")
        if fault == "http503":
            return Reply(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
        if fault == "stall":
            return NoReply(hold_seconds=self.faults.timeout_seconds)
        if fault == "http401":
            return json_reply({"Flag": "0", "Message": "令牌已过期，请重新登录"}, status=401)
        if fault == "flag0":
            with self._lock:
                reason = self._rng.choice(REFUSALS)
            return json_reply({"Flag": "0", "Message": f"保存失败：{reason}"})
        return None

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if self.auth == "token":
            return header == f"Bearer {self._credentials['token']}"
        if self.auth == "basic":
            scheme, _, encoded = header.partition(" ")
            try:
                decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return scheme == "Basic" and decoded == f"{self._credentials['user']}:{self._credentials['password']}"
        if self.auth == "md5-sign":
            query = dict(parse_qsl(request.query, keep_blank_values=True))
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return False
            return (
                query.get("appkey") == self._credentials["appkey"]
                and bool(query.get("timestamp"))
                # The same formula as Guanyi's: upper hex MD5(secret + body + secret).
                and query.get("sign") == guanyi_sign_text(self._credentials["secret"], text)
            )
        return True

    def _accept(self, body: dict) -> dict:
        with self._lock:
            received = now_china()
            sheet_no = f"XT{received:%Y%m%d}{len(self.sheets) + 1:05d}"
            self.sheets.append({
                "seq": len(self.sheets) + 1,
                "SheetID": body["SheetID"],
                "SheetNo": sheet_no,
                "received_at": format_datetime(received),
                "body": body,
            })
            # Every success value the profile accepts by default (SPEC §3.2), so clients meet them all.
            flag = self._rng.choices(("1", 1, True), weights=(80, 10, 10))[0]
        return {"Flag": flag, "Message": "保存成功", "SheetNo": sheet_no}


def _validate(body: object) -> None:
    if not isinstance(body, dict):
        raise _Invalid("单据格式错误：应为一个JSON对象")
    _check_fields(body, HEADER_FIELDS, REQUIRED_HEADER, "")
    items = body.get("Items")
    if not isinstance(items, list) or not items:
        raise _Invalid("单据没有明细（Items）")
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise _Invalid(f"第{index}行明细格式错误")
        _check_fields(item, ITEM_FIELDS, REQUIRED_ITEM, f"第{index}行明细")


def _check_fields(obj: dict, fields: tuple[str, ...], required: tuple[str, ...], where: str) -> None:
    for name in fields:
        if name in obj and not isinstance(obj[name], str):
            raise _Invalid(f"{where}字段{name}必须是字符串")
    for name in required:
        if not obj.get(name, "").strip():
            raise _Invalid(f"{where}字段{name}不能为空")
