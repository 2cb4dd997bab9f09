"""The 淘宝奇门 gateway in front of Guanyi (SPEC §2.2): the checks it makes before Guanyi sees a call.

Codes follow the TOP/Qimen gateway's public list (25 Invalid signature, 29 Invalid app Key, …).
The gateway sends ``code`` sometimes as a number and sometimes as a string; so does this one.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from datetime import timedelta

from core.guanyi.signing import QIMEN_SIGN_METHODS, qimen_sign
from core.timeutil import now_china, parse_datetime

GUANYI_TARGET_APP_KEY = "21226717"
TIMESTAMP_TOLERANCE = timedelta(minutes=10)


class QimenGateway:
    def __init__(
        self, app_key: str, secret: str, method: str, seed: int | str, target_app_key: str = GUANYI_TARGET_APP_KEY
    ) -> None:
        self.app_key = app_key
        self.secret = secret
        self.method = method
        self.target_app_key = target_app_key
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def check(self, system: Mapping[str, str], business: Mapping[str, str]) -> dict | None:
        """The gateway's error ``response`` object for this call, or ``None`` to pass it on to Guanyi."""
        method = system.get("method")
        if not method:
            return self.error(21, "Missing method", "缺少method参数")
        if method != self.method:
            return self.error(22, "Invalid method", f"不存在的方法名: {method}")
        app_key = system.get("app_key")
        if not app_key:
            return self.error(28, "Missing app key", "缺少app_key参数")
        if app_key != self.app_key:
            return self.error(29, "Invalid app Key", f"app_key不存在: {app_key}")
        target = system.get("target_app_key")
        if target != self.target_app_key:
            return self.error(41, "Invalid arguments", f"target_app_key无效或未授权: {target}")
        problem = self._timestamp_problem(system.get("timestamp"))
        if problem:
            return self.error(*problem)
        if system.get("format", "json") != "json":
            return self.error(23, "Invalid format", f"不支持的format: {system.get('format')}")
        if not system.get("v"):
            return self.error(32, "Missing version", "缺少v参数")
        if system.get("v") != "2.0":
            return self.error(34, "Unsupported version", f"不支持的版本: {system.get('v')}")
        sign_method = system.get("sign_method") or "md5"
        if sign_method not in QIMEN_SIGN_METHODS:
            return self.error(41, "Invalid arguments", f"不支持的sign_method: {sign_method}")
        sign = system.get("sign")
        if not sign:
            return self.error(24, "Missing signature", "缺少sign参数")
        signed = {**system, **business}
        signed.pop("sign")
        if sign != qimen_sign(signed, self.secret, sign_method):
            return self.error(25, "Invalid signature", "签名校验失败，请检查secret和参数排序")
        return None

    def error(self, code: int, message: str, sub_message: str, sub_code: str | None = None) -> dict:
        with self._lock:
            as_text = self._rng.random() < 0.5
            request_id = "".join(self._rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(13))
        reply = {"flag": "failure", "code": str(code) if as_text else code, "message": message}
        if sub_code:
            reply["sub_code"] = sub_code  # "isp." (the service behind failed: try later) or "isv." (the caller)
        return reply | {"sub_message": sub_message, "request_id": request_id}

    def _timestamp_problem(self, text: str | None) -> tuple[int, str, str] | None:
        if not text:
            return 30, "Missing timestamp", "缺少timestamp参数"
        try:
            moment = parse_datetime(text)
        except ValueError:
            return 31, "Invalid timestamp", f"timestamp格式应为yyyy-MM-dd HH:mm:ss: {text}"
        if abs(moment - now_china()) > TIMESTAMP_TOLERANCE:
            return 31, "Invalid timestamp", f"timestamp与服务器时间相差超过10分钟: {text}"
        return None
