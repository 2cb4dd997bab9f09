"""How a 管易云 method call travels: directly to the open API (SPEC §2.1), or through the 淘宝奇门 gateway (SPEC §2.2).

Both build the signed request and unwrap the reply behind one small interface, :class:`Transport`, so that the
client pages, retries and words its errors once for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from core import credentials, settings
from core.errors import AuthError, BusinessError, ServerError
from core.guanyi.replies import Retry, auth_error, guanyi_envelope, unreadable
from core.guanyi.signing import blank, guanyi_signed_body, qimen_sign
from core.redact import scrub
from core.timeutil import format_datetime, now_china


@dataclass(frozen=True)
class HttpCall:
    """One POST, fully built and signed."""

    url: str
    query: dict[str, str]
    body: bytes
    content_type: str



class Transport(Protocol):
    """How a Guanyi method call travels: directly, or wrapped by the Qimen gateway."""

    name: str
    url: str
    url_setting: str

    def prepare(self, method: str, business: Mapping[str, object]) -> HttpCall:
        """The signed request; called afresh for every attempt (Qimen's timestamp must be current)."""

    def unwrap(self, payload: object) -> dict:
        """The Guanyi envelope of a successful reply; raises ``AuthError``/``BusinessError`` otherwise."""

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a message."""



class DirectTransport:
    """管易云 open API: one flat JSON object, signed with MD5(secret + JSON + secret), sent byte for byte."""

    name = "direct"
    url_setting = "guanyi.url"

    def __init__(self, url: str, appkey: str, sessionkey: str, secret: str) -> None:
        self.url = url
        self._appkey, self._sessionkey, self._secret = appkey, sessionkey, secret

    def prepare(self, method: str, business: Mapping[str, object]) -> HttpCall:
        # A null, empty or blank value is neither signed nor sent (as through 奇门): nothing to filter by.
        params = {"appkey": self._appkey, "sessionkey": self._sessionkey, "method": method,
                  **{k: v for k, v in business.items() if not blank(v)}}
        return HttpCall(self.url, {}, guanyi_signed_body(params, self._secret), "application/json; charset=utf-8")

    def unwrap(self, payload: object) -> dict:
        return guanyi_envelope(payload, self.secrets())

    def secrets(self) -> tuple[str, ...]:
        return (self._secret, self._sessionkey)


# Qimen (TOP) gateway error codes that name the credential at fault.
_QIMEN_SIGN_CODES = {24, 25}
_QIMEN_SESSION_CODES = {26, 27}
_QIMEN_APP_KEY_CODES = {28, 29}
_QIMEN_PERMISSION_CODES = {11, 12, 13}
# Missing / invalid timestamp: the gateway allows 10 minutes of skew, so the PC clock is off.
_QIMEN_TIMESTAMP_CODES = {30, 31}
# "App Call Limited", "App Call Exceeds Limited Frequency" and "Service Currently Unavailable" pass;
# so does any error whose sub_code starts with "isp." (the service behind the gateway failed, e.g.
# 15 "Remote service error" / isp.remote-service-timeout). Asking again later is the cure.
_QIMEN_RETRY_CODES = {7, 8, 10}


def _qimen_code(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _param_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


class QimenTransport:
    """管易云 through the 淘宝奇门 gateway: system parameters in the query, business ones in a form body."""

    name = "qimen"
    url_setting = "qimen.url"

    def __init__(
        self,
        url: str,
        app_key: str,
        secret: str,
        appkey: str,
        sessionkey: str,
        *,
        target_app_key: str = "21226717",
        sign_method: str = "md5",
        session: str = "",
        customer_id: str = "",
        clock: Callable[[], datetime] = now_china,
    ) -> None:
        self.url = url
        self._app_key, self._secret = app_key, secret
        self._appkey, self._sessionkey = appkey, sessionkey
        self._target_app_key, self._sign_method = target_app_key, sign_method
        self._session, self._customer_id, self._clock = session, customer_id, clock

    def prepare(self, method: str, business: Mapping[str, object]) -> HttpCall:
        system = {
            "method": method,
            "app_key": self._app_key,
            "target_app_key": self._target_app_key,
            "timestamp": format_datetime(self._clock()),
            "format": "json",
            "v": "2.0",
            "sign_method": self._sign_method,
        }
        # The gateway leaves blank values (whitespace only, too) out of the sign it checks; never sending them keeps
        # both sides equal, and no whitespace-only session or customerId travels at all.
        if not blank(self._session):
            system["session"] = self._session
        if not blank(self._customer_id):
            system["customerId"] = self._customer_id
        form = {"appkey": self._appkey, "sessionkey": self._sessionkey}
        form.update({k: text for k, v in business.items() if v is not None and not blank(text := _param_text(v))})
        sign = qimen_sign({**system, **form}, self._secret, self._sign_method)
        body = urlencode(form, encoding="utf-8").encode("ascii")
        return HttpCall(self.url, {**system, "sign": sign}, body, "application/x-www-form-urlencoded; charset=UTF-8")

    def unwrap(self, payload: object) -> dict:
        if not isinstance(payload, dict):
            raise unreadable("不是 JSON 对象", "not a JSON object")
        inner = payload.get("response", payload.get("error_response"))
        if not isinstance(inner, dict):
            raise unreadable("缺少 response", "no 'response' object")
        failed = str(inner.get("flag") or "").lower() == "failure"
        if failed or ("success" not in inner and "tradeReturns" not in inner and inner.get("code") is not None):
            self._gateway_error(inner)
        return guanyi_envelope(inner, self.secrets())

    def _gateway_error(self, inner: dict) -> None:
        code = _qimen_code(inner.get("code"))
        message = scrub(inner.get("message") or inner.get("msg") or "", self.secrets())
        sub = scrub(inner.get("sub_message") or inner.get("sub_msg") or inner.get("sub_code") or "", self.secrets())
        remote = " / ".join(part for part in (str(code) if code is not None else "", message, sub) if part) or "—"
        if code in _QIMEN_RETRY_CODES or str(inner.get("sub_code") or "").strip().lower().startswith("isp."):
            raise Retry(ServerError, f"奇门网关或其后的管易云暂时不可用（{remote}），请稍后再试",
                         f"The Qimen gateway or Guanyi behind it is unavailable for now ({remote}); try again later",
                         advised=True, brief=("奇门网关或管易云暂时不可用", "Qimen or Guanyi unavailable"))
        lowered = message.lower()
        if code in _QIMEN_SIGN_CODES or "signature" in lowered:
            raise auth_error(
                "qimen", "secret", "奇门网关拒绝了签名（也请确认设置 qimen.sign_method 与奇门应用一致）",
                "The Qimen gateway rejected the signature (also check that the setting qimen.sign_method "
                "matches the Qimen app)", remote,
            )
        if code in _QIMEN_APP_KEY_CODES or "app key" in lowered or "appkey" in lowered:
            raise auth_error("qimen", "app_key", "奇门网关不认可 app_key",
                              "The Qimen gateway does not accept the app_key", remote)
        if code in _QIMEN_SESSION_CODES or "session" in lowered:
            raise auth_error("qimen", "session", "奇门网关不认可 session",
                              "The Qimen gateway does not accept the session", remote)
        if code in _QIMEN_PERMISSION_CODES:
            raise AuthError(
                f"奇门应用无权调用管易云（对方回复：{remote}）。"
                "请确认该应用已获授权，且设置 qimen.target_app_key 正确。",
                f"The Qimen app may not call Guanyi (the server said: {remote}). Check that the app is "
                "authorised and that the setting qimen.target_app_key is right.",
            )
        if code in _QIMEN_TIMESTAMP_CODES:
            raise BusinessError(
                f"奇门网关不接受请求时间（对方回复：{remote}）。请把本机时钟校准到北京时间。",
                f"The Qimen gateway refused the request time (the server said: {remote}). Set this PC's clock "
                "right (China time).",
            )
        raise BusinessError(f"奇门网关返回错误：{remote}", f"The Qimen gateway answered with an error: {remote}")

    def secrets(self) -> tuple[str, ...]:
        return (self._secret, self._session, self._sessionkey)



def transport_from_settings() -> Transport:
    """The transport chosen by ``guanyi.transport``, with its URL and the keyring's credentials."""
    if settings.get("guanyi.transport") == "qimen":
        guanyi = credentials.require("guanyi", transport="qimen")
        qimen = credentials.require("qimen")
        return QimenTransport(
            settings.get("qimen.url"),
            qimen["app_key"],
            qimen["secret"],
            guanyi["appkey"],
            guanyi["sessionkey"],
            target_app_key=settings.get("qimen.target_app_key"),
            sign_method=settings.get("qimen.sign_method"),
            session=qimen.get("session", ""),
            customer_id=settings.get("qimen.customer_id"),
        )
    guanyi = credentials.require("guanyi")
    return DirectTransport(settings.get("guanyi.url"), guanyi["appkey"], guanyi["sessionkey"], guanyi["secret"])


