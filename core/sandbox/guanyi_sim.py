"""The 管易云 simulator: ``gy.erp.trade.return.get`` directly (SPEC §2.1) and behind 奇门 (§2.2).

It is strict where the real service is strict — the direct signature is checked on the exact
bytes received, so a client that re-serialises its JSON fails here as it would in production —
and loose where the real service varies: the reply's key order changes and ``flag:null`` comes
and goes, so a client must parse by key.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from core.guanyi.returns import dump_raw, load_raw
from core.guanyi.signing import guanyi_sign_text
from core.sandbox.drift import apply_drift
from core.sandbox.faults import GUANYI_FAULTS, FaultPlan
from core.sandbox.generator import ReturnGenerator
from core.sandbox.httpserver import NoReply, Reply, Request, json_reply
from core.sandbox.qimen import QimenGateway
from core.sandbox.query import ParamError, Query, RecordIndex, RecordList, parse_query

DIRECT_PATH = "/rest/erp_open"
QIMEN_PATH = "/router/qm"
INFO_PATH = "/_sandbox/info"
METHOD = "gy.erp.trade.return.get"

# The signature is the last member of the object, exactly as the client appended it.
_SIGN_TAIL = re.compile(r',"sign":"([^"]*)"\}\Z')

# The faults that change the page served rather than replace the reply (core.sandbox.faults says what each does).
_PAGE_FAULTS = ("drift", "vanish", "duplicate", "envelope", "cut")

# How long a "hang" holds a request: longer than any test or demo runs (stopping the simulator ends it).
_HANG_SECONDS = 24 * 3600.0

# Where the page goes in a success envelope: the envelope is written around it, then the page's records,
# each written once and kept until it changes, are put in its place.
_PAGE_TOKEN = "\x00returnsync:page\x00"
_PAGE_TOKEN_JSON = dump_raw(_PAGE_TOKEN)  # as the envelope around it is written


class _Envelope(dict):
    """A success envelope whose ``tradeReturns`` is written as ``page`` (JSON text) when it is a list."""

    __slots__ = ("page",)


class _Refusal(Exception):
    """A Guanyi business failure: ``success:false`` with these texts."""

    def __init__(self, sub_code: str, desc: str, sub_desc: str) -> None:
        super().__init__(desc)
        self.sub_code = sub_code
        self.desc = desc
        self.sub_desc = sub_desc


class GuanyiSimulator:
    def __init__(
        self, records: list[dict], generator: ReturnGenerator, credentials: Mapping[str, str],
        gateway: QimenGateway, seed: int, describe: Callable[[], dict],
    ) -> None:
        self.faults = FaultPlan(GUANYI_FAULTS, f"guanyi-faults-{seed}")
        self.request_count = 0
        self._generator = generator
        self._credentials = credentials
        self._gateway = gateway
        self._describe = describe
        self._rng = random.Random(f"guanyi-{seed}")
        self._order_keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._records = RecordList(records)  # so that changes to the records are seen
        self._index = RecordIndex(self._records, self._order_key)
        self._index.warm()

    @property
    def records(self) -> RecordList:
        return self._records

    def matching(self, params: Mapping[str, object]) -> list[dict]:
        """Every record the filters of ``params`` select, in the order served; paging is ignored."""
        query = parse_query({k: v for k, v in params.items() if k not in ("page_no", "page_size")})
        with self._lock:
            return self._select(query)

    def __call__(self, request: Request) -> Reply | NoReply:
        if request.method == "GET" and request.path == INFO_PATH:
            return json_reply(self._describe())
        if request.path not in (DIRECT_PATH, QIMEN_PATH):
            return json_reply({"error": "not found"}, status=404)
        if request.method != "POST":
            return json_reply({"error": "use POST"}, status=405)
        with self._lock:
            self.request_count += 1
        fault = self.faults.next()
        if fault == "gateway" and request.path == QIMEN_PATH:
            # Guanyi was slow or down behind Qimen: the gateway answers for it, with an "isp." sub-code.
            return json_reply({"response": self._gateway.error(
                15, "Remote service error", "调用管易云超时，请稍后重试", sub_code="isp.remote-service-timeout")})
        if fault is not None and fault not in _PAGE_FAULTS:
            return self._fault(fault)
        if request.path == DIRECT_PATH:
            envelope = self._direct(request.body, fault)
            reply = self._reply(envelope, envelope)
        else:
            envelope = self._via_qimen(request, fault)
            reply = self._reply({"response": envelope}, envelope)
        reply.cut = fault == "cut"
        return reply

    @staticmethod
    def _reply(payload: dict, envelope: dict) -> Reply:
        if not isinstance(envelope, _Envelope) or envelope.page is None:
            return json_reply(payload)
        text = dump_raw(payload).replace(_PAGE_TOKEN_JSON, envelope.page, 1)
        return Reply(body=text.encode("utf-8"))

    def _direct(self, body: bytes, fault: str | None) -> dict:
        try:
            text = body.decode("utf-8")
            params = json.loads(text)
        except ValueError:  # UnicodeDecodeError is a ValueError too
            params = None
        if not isinstance(params, dict):
            return self._failure(_Refusal("isv.invalid-parameter", "PARAM ERR", "请求体必须是UTF-8编码的JSON对象"))
        try:
            self._check_keys(params, signed_text=text)
            if params.get("method") != METHOD:
                raise _Refusal("isv.invalid-method", "method错误", f"不支持的接口: {params.get('method')}")
            return self._page(params, fault)
        except _Refusal as refusal:
            return self._failure(refusal)

    def _via_qimen(self, request: Request, fault: str | None) -> dict:
        system = dict(parse_qsl(request.query, keep_blank_values=True))
        try:
            business = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return self._gateway.error(47, "Invalid encoding", "请求体必须是UTF-8编码")
        error = self._gateway.check(system, business)
        if error is not None:
            return error
        try:
            self._check_keys(business, signed_text=None)  # behind Qimen the gateway signature replaces Guanyi's
            return self._page(business, fault)
        except _Refusal as refusal:
            return self._failure(refusal)

    def _check_keys(self, params: Mapping[str, object], signed_text: str | None) -> None:
        """Guanyi's own appkey, signature and sessionkey; the descriptions name what was wrong."""
        if params.get("appkey") != self._credentials["appkey"]:
            raise _Refusal("isv.invalid-appkey", "appkey错误", f"appkey不存在或已停用: {params.get('appkey')}")
        if signed_text is not None:
            tail = _SIGN_TAIL.search(signed_text)
            if tail is None:
                raise _Refusal("isv.missing-signature", "sign错误", "缺少sign，或sign不是最后一个参数")
            unsigned = signed_text[: tail.start()] + "}"
            # J is the compact text (no spaces, non-ASCII unescaped) in the order sent: one signed in
            # another form is refused, as by a server that computes J from the object it received.
            try:
                compact = dump_raw(load_raw(unsigned)) == unsigned
            except ValueError:
                compact = False
            if not compact or tail.group(1) != guanyi_sign_text(self._credentials["secret"], unsigned):
                raise _Refusal("isv.invalid-signature", "sign错误", "签名验证失败")
        if params.get("sessionkey") != self._credentials["sessionkey"]:
            raise _Refusal("isv.invalid-sessionkey", "sessionkey错误", "sessionkey无效或已过期")

    def _page(self, params: Mapping[str, object], fault: str | None) -> dict:
        try:
            query = parse_query(params)
        except ParamError as problem:
            raise _Refusal("isv.invalid-parameter", "PARAM ERR", str(problem)) from None
        with self._lock:
            served = self._select(query)
            start = (query.page_no - 1) * query.page_size
            if fault == "drift":  # the new record is the simulator's own, so it is adopted: the index follows it
                apply_drift(self._records.adopt, query, served, self._order_key, self._generator, self._rng)
                served = self._select(query)
            elif fault == "vanish" and served[start + query.page_size :]:
                self._records.remove(self._rng.choice(served[start + query.page_size :]))
                served = self._select(query)
            elif fault == "duplicate" and start:
                start -= self._rng.randint(1, min(start, query.page_size))
            # Written under the lock: a later drift may change a record while this reply is sent.
            page = [self._index.text(record) for record in served[start : start + query.page_size]]
            envelope = self._success(page, len(served))
            if fault == "envelope":
                del envelope[self._rng.choice(("tradeReturns", "total"))]
            return envelope

    def _select(self, query: Query) -> list[dict]:
        """The records ``query`` selects, sorted by ``_order_key(code)`` (ties in list order)."""
        return self._index.select(query)

    def _order_key(self, code: str) -> str:
        """A stable order that is neither by date nor by code, like the real server's."""
        key = self._order_keys.get(code)
        if key is None:
            key = self._order_keys[code] = hashlib.md5(code.encode("utf-8")).hexdigest()
        return key

    def _success(self, page: list[str], total: int) -> dict:
        """The envelope in one of the key orders seen from real tenants; the caller holds the lock.

        ``page`` is the JSON text of each record served."""
        status = {"success": True, "errorCode": "", "subErrorCode": "", "errorDesc": "", "subErrorDesc": ""}
        returns: str | None = _PAGE_TOKEN if page or self._rng.random() < 0.7 else None
        layout = self._rng.randrange(3)
        if layout == 0:
            envelope = {**status, "requestMethod": METHOD, "tradeReturns": returns, "total": total}
        elif layout == 1:
            envelope = {**status, "requestMethod": METHOD, "flag": None, "total": total, "tradeReturns": returns}
        else:
            envelope = {"total": total, "tradeReturns": returns, "requestMethod": METHOD, **status}
        if layout != 1 and self._rng.random() < 0.3:
            envelope["flag"] = None
        result = _Envelope(envelope)
        result.page = None if returns is None else "[" + ",".join(page) + "]"
        return result

    def _failure(self, refusal: _Refusal) -> dict:
        return {
            "success": False,
            "errorCode": "-1",
            "subErrorCode": refusal.sub_code,
            "errorDesc": refusal.desc,
            "subErrorDesc": refusal.sub_desc,
            "requestMethod": METHOD,
        }

    def _fault(self, kind: str) -> Reply | NoReply:
        if kind == "http500":
            return Reply(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        if kind == "gateway":  # a proxy in front of the direct API that lost its upstream
            return Reply(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                         "text/html")
        if kind == "http503":
            return Reply(503, b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "text/html")
        if kind == "http429":
            return Reply(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
        if kind == "timeout":
            return NoReply(hold_seconds=self.faults.timeout_seconds)
        if kind == "hang":  # held until the simulator stops, which releases every held request
            return NoReply(hold_seconds=_HANG_SECONDS)
        if kind == "reset":
            return NoReply(reset=True)
        # "malformed": a 200 whose body is not JSON — cut short, or a proxy's HTML page.
        with self._lock:
            truncated = self._rng.random() < 0.5
        if truncated:
            return Reply(200, b'{"success":true,"errorCode":"","tradeReturns":[{"id":3156772', "application/json")
        return Reply(200, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html")
