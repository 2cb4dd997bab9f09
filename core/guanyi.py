"""The 管易云 client: the direct open API (SPEC §2.1) and the 淘宝奇门 gateway (SPEC §2.2).

Both transports sit behind one small interface — build the signed request, unwrap the reply —
so paging, retries and error wording are written once. Reads are safe to repeat, so timeouts,
dropped connections, HTTP 5xx/429 and unreadable bodies are retried with backoff and jitter;
an authentication or business answer is final and never retried.

No secret, session key or signature ever reaches a message, a log line or an exception: remote
texts are scrubbed, ``requests`` exception texts (which carry the query string, and with it the
Qimen ``sign``) are never quoted, and urllib3's debug line is redacted.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar
from urllib.parse import urlencode

import requests
import urllib3.exceptions

from core import credentials, settings
from core.cancel import CancelCheck, CancelSource
from core.errors import (
    AuthError,
    BusinessError,
    ConfigError,
    CredentialsError,
    NetworkError,
    RemoteError,
    ServerError,
)
from core.json_texts import KeptTexts, load_keeping_texts
from core.redact import scrub
from core.returns import to_decimal
from core.signing import guanyi_signed_body, qimen_sign
from core.timeutil import CHINA_TZ, format_datetime, now_china

log = logging.getLogger(__name__)

METHOD_RETURNS = "gy.erp.trade.return.get"

T = TypeVar("T")


@dataclass(frozen=True)
class HttpCall:
    """One POST, fully built and signed."""

    url: str
    query: dict[str, str]
    body: bytes
    content_type: str


@dataclass(frozen=True)
class ReturnsPage:
    """One page of ``gy.erp.trade.return.get``: the server's ``total`` for the filter, and the records."""

    total: int
    records: list[dict]
    texts: list[str | None] = field(default_factory=list)  # each record's JSON as sent; None where not kept

    def text_of(self, index: int) -> str | None:
        return self.texts[index] if index < len(self.texts) else None


# What to do when every try failed, for the failures whose own text does not say it already.
_ADVICE = {
    NetworkError: ("请检查网络后再试。", "Check the network and try again."),
    ServerError: ("管易云暂时出了问题，请稍后再试；一直如此请联系管易云。",
                  "Guanyi has a problem for now: try again later, and contact Guanyi if it persists."),
}


class _Retry(Exception):
    """An attempt failed in a way a later attempt may not: carries the error to report if none succeeds.

    ``advised`` says that ``zh``/``en`` already tell the user what to do; otherwise ``_ADVICE`` is added.
    """

    def __init__(
        self, kind: type[RemoteError], zh: str, en: str, retry_after: float = 0.0, *, advised: bool = False
    ) -> None:
        super().__init__(en)
        self.kind, self.zh, self.en, self.retry_after, self.advised = kind, zh, en, retry_after, advised


def _unreadable(zh_detail: str, en_detail: str) -> _Retry:
    return _Retry(
        ServerError, f"管易云的回复无法读取（{zh_detail}）", f"The reply of Guanyi cannot be read ({en_detail})"
    )


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


def _is_true(value: object) -> bool | None:
    """Guanyi's ``success`` as a flag: ``None`` when it is neither clearly true nor clearly false."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return None


def _guanyi_auth_field(error_desc: str) -> str | None:
    text = error_desc.lower()
    for needle, name in (("sessionkey", "sessionkey"), ("appkey", "appkey"), ("sign", "secret"), ("签名", "secret")):
        if needle in text:
            return name
    return None


def _auth_error(kind: str, field: str, zh_what: str, en_what: str, remote: str) -> AuthError:
    return AuthError(
        f"{zh_what}（对方回复：{remote}）。请核对 {kind} 凭据中的 {field}，"
        f"用 `python main.py credentials set {kind}` 重新保存，或在“设置 › 连接”中修改。",
        f"{en_what} (the server said: {remote}). Check the {field} of the {kind} credentials and store "
        f"them again with `python main.py credentials set {kind}`, or in Settings › Connections.",
    )


def guanyi_envelope(payload: object, secrets: tuple[str, ...]) -> dict:
    """Check a Guanyi envelope (SPEC §2.1): return it on success, raise the matching error otherwise."""
    if not isinstance(payload, dict):
        raise _unreadable("不是 JSON 对象", "not a JSON object")
    success = _is_true(payload.get("success"))
    if success is None and "tradeReturns" in payload and not payload.get("errorDesc"):
        success = True  # keys vary by tenant; a list of returns with no error text is an answer
    if success:
        return payload
    desc = scrub(payload.get("errorDesc") or payload.get("errorCode") or "", secrets)
    sub = scrub(payload.get("subErrorDesc") or payload.get("subErrorCode") or "", secrets)
    if success is None and not desc and not sub:
        raise _unreadable("缺少 success", "no 'success' key")
    remote = " / ".join(part for part in (desc, sub) if part) or "—"
    field = _guanyi_auth_field(desc)
    if field == "secret":
        raise _auth_error("guanyi", "secret", "管易云拒绝了请求签名", "Guanyi rejected the request signature", remote)
    if field:
        raise _auth_error("guanyi", field, f"管易云不认可 {field}", f"Guanyi does not accept the {field}", remote)
    raise BusinessError(
        f"管易云返回错误：{remote}", f"Guanyi answered with an error: {remote}"
    )


class DirectTransport:
    """管易云 open API: one flat JSON object, signed with MD5(secret + JSON + secret), sent byte for byte."""

    name = "direct"
    url_setting = "guanyi.url"

    def __init__(self, url: str, appkey: str, sessionkey: str, secret: str) -> None:
        self.url = url
        self._appkey, self._sessionkey, self._secret = appkey, sessionkey, secret

    def prepare(self, method: str, business: Mapping[str, object]) -> HttpCall:
        params = {"appkey": self._appkey, "sessionkey": self._sessionkey, "method": method, **business}
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
        if self._session:
            system["session"] = self._session
        if self._customer_id:
            system["customerId"] = self._customer_id
        form = {"appkey": self._appkey, "sessionkey": self._sessionkey}
        # The gateway drops empty values before checking the sign; not sending them keeps both sides equal.
        form.update({k: _param_text(v) for k, v in business.items() if v is not None and v != ""})
        sign = qimen_sign({**system, **form}, self._secret, self._sign_method)
        body = urlencode(form, encoding="utf-8").encode("ascii")
        return HttpCall(self.url, {**system, "sign": sign}, body, "application/x-www-form-urlencoded; charset=UTF-8")

    def unwrap(self, payload: object) -> dict:
        if not isinstance(payload, dict):
            raise _unreadable("不是 JSON 对象", "not a JSON object")
        inner = payload.get("response", payload.get("error_response"))
        if not isinstance(inner, dict):
            raise _unreadable("缺少 response", "no 'response' object")
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
            raise _Retry(ServerError, f"奇门网关或其后的管易云暂时不可用（{remote}），请稍后再试",
                         f"The Qimen gateway or Guanyi behind it is unavailable for now ({remote}); try again later",
                         advised=True)
        lowered = message.lower()
        if code in _QIMEN_SIGN_CODES or "signature" in lowered:
            raise _auth_error(
                "qimen", "secret", "奇门网关拒绝了签名（也请确认设置 qimen.sign_method 与奇门应用一致）",
                "The Qimen gateway rejected the signature (also check that the setting qimen.sign_method "
                "matches the Qimen app)", remote,
            )
        if code in _QIMEN_APP_KEY_CODES or "app key" in lowered or "appkey" in lowered:
            raise _auth_error("qimen", "app_key", "奇门网关不认可 app_key",
                              "The Qimen gateway does not accept the app_key", remote)
        if code in _QIMEN_SESSION_CODES or "session" in lowered:
            raise _auth_error("qimen", "session", "奇门网关不认可 session",
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


def _cannot_connect(exc: requests.exceptions.ConnectionError) -> bool:
    """True when no connection was made at all (refused, unknown host), as opposed to a dropped one."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _tls_refused(exc: requests.exceptions.SSLError) -> bool:
    """True when TLS failed for a reason that will not pass: a certificate that does not verify, or an
    address that does not speak TLS; False for a handshake cut short, which may."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError -> its SSLError
    cause = reason.args[0] if isinstance(reason, Exception) and reason.args else reason
    if isinstance(cause, ssl.SSLCertVerificationError):
        return True
    return isinstance(cause, ssl.SSLError) and cause.reason in ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL",
                                                                "HTTP_REQUEST", "TLSV1_ALERT_PROTOCOL_VERSION")


def _server_time(response: requests.Response) -> datetime | None:
    """The server's clock from the reply's ``Date`` header, as naive China time; ``None`` without one."""
    try:
        moment = parsedate_to_datetime(response.headers.get("Date") or "")
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(CHINA_TZ).replace(tzinfo=None)


def _int_or_none(value: object) -> int | None:
    """A count in any of the number forms of SPEC §2.5 (``3``, ``3.0``, ``"3"``, ``"3.0000"``); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    number = to_decimal(value)
    if number is None or number < 0 or number != number.to_integral_value():
        return None
    return int(number)


# The array of records in a reply of gy.erp.trade.return.get; the text of each is kept as it was sent.
RECORDS_KEY = "tradeReturns"


def read_returns_page(envelope: dict, texts: KeptTexts | None = None) -> ReturnsPage:
    """``tradeReturns`` and ``total`` of an envelope; an inconsistent one is unreadable (and retried)."""
    records = envelope.get(RECORDS_KEY)
    if records is None:
        records = []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _unreadable("tradeReturns 不是对象列表", "tradeReturns is not a list of objects")
    total = _int_or_none(envelope.get("total"))
    if total is None:
        if records:
            raise _unreadable("缺少 total", "no usable 'total'")
        total = 0
    kept = [texts.text_of(r) for r in records] if texts else []
    return ReturnsPage(total=total, records=records, texts=kept)


class GuanyiClient:
    """Calls Guanyi methods through a transport, over one ``requests.Session``, with retries for reads."""

    def __init__(
        self,
        transport: Transport,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.transport = transport
        self.timeouts = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.session = session or requests.Session()
        self.requests = 0  # HTTP attempts made, retries included (a pull's readers share the client)
        self._requests_lock = threading.Lock()
        self.server_time: datetime | None = None  # Guanyi's clock (Date header) at its latest reply

    def __enter__(self) -> GuanyiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        business: Mapping[str, object],
        *,
        cancel: CancelCheck | CancelSource = None,
        read: Callable[[dict, KeptTexts], T] = lambda envelope, texts: envelope,
    ) -> T:
        """Call ``method`` and return ``read(envelope, texts)`` (``texts``: the records' JSON as sent, where
        kept); an unreadable answer counts as a failed attempt."""
        check = cancel if isinstance(cancel, CancelCheck) else CancelCheck(cancel)
        attempts = self.retries + 1
        failure: _Retry | None = None
        for attempt in range(attempts):
            if failure is not None:
                check.sleep(self._delay(attempt, failure.retry_after))
            check.raise_if_set()
            try:
                return read(*self._attempt(method, business))
            except _Retry as retry:
                failure = retry
                log.info("%s via %s: attempt %d of %d failed: %s", method, self.transport.name,
                         attempt + 1, attempts, retry.en)
        assert failure is not None
        zh_advice, en_advice = ("", "") if failure.advised else _ADVICE.get(failure.kind, ("", ""))
        raise failure.kind(
            f"{failure.zh}。已尝试 {attempts} 次。{zh_advice}",
            f"{failure.en}. Tried {attempts} times. {en_advice}".rstrip(),
        )

    def get_returns(self, params: Mapping[str, object], *, cancel: CancelCheck | CancelSource = None) -> ReturnsPage:
        """One page of 退货单 for ``params`` (SPEC §2.3)."""
        return self.call(METHOD_RETURNS, params, cancel=cancel, read=read_returns_page)

    def check_connection(self) -> int:
        """The 测试连接 of Settings: one tiny signed query; returns how many returns changed today."""
        today = now_china().replace(hour=0, minute=0, second=0)
        params = {
            "page_no": 1,
            "page_size": 1,
            "modify_start_date": format_datetime(today),
            "modify_end_date": format_datetime(today + timedelta(days=1, seconds=-1)),
        }
        return self.get_returns(params).total

    def _delay(self, attempt: int, retry_after: float) -> float:
        # Exponential with "equal jitter": clients that failed together do not come back together.
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = delay / 2 + random.uniform(0, delay / 2)
        return max(delay, min(retry_after, self.backoff_cap))

    def _attempt(self, method: str, business: Mapping[str, object]) -> tuple[dict, KeptTexts]:
        call = self.transport.prepare(method, business)
        url, setting = self.transport.url, self.transport.url_setting
        with self._requests_lock:
            self.requests += 1
        try:
            response = self.session.post(
                call.url,
                params=call.query or None,
                data=call.body,
                headers={"Content-Type": call.content_type, "Accept": "application/json"},
                timeout=self.timeouts,
            )
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):
            raise ConfigError(
                f"管易云接口地址“{url}”无效，请检查设置 {setting}。",
                f"The Guanyi address '{url}' is not valid; check the setting {setting}.",
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise _Retry(
                NetworkError,
                f"连接 {url} 超时（{self.timeouts[0]:g} 秒）。请检查网络和设置 {setting}",
                f"Connecting to {url} timed out ({self.timeouts[0]:g} s). Check the network and the setting {setting}",
                advised=True,
            ) from None
        except requests.exceptions.Timeout:
            raise _Retry(
                NetworkError,
                f"{url} 在 {self.timeouts[1]:g} 秒内没有回复",
                f"{url} did not answer within {self.timeouts[1]:g} s",
            ) from None
        except requests.exceptions.SSLError as exc:
            zh = f"无法与 {url} 建立安全连接（HTTPS 证书无效，或该地址不提供 HTTPS）。请检查设置 {setting} 中的地址"
            en = (f"A secure connection to {url} failed (its HTTPS certificate is not valid, or the address does "
                  f"not speak HTTPS). Check the address in the setting {setting}")
            if _tls_refused(exc):
                # A certificate that does not verify, or no TLS at all, repeats on every try.
                raise NetworkError(zh + "。", en + ".") from None
            raise _Retry(NetworkError, zh, en, advised=True) from None
        except requests.exceptions.ConnectionError as exc:
            if _cannot_connect(exc):
                raise _Retry(
                    NetworkError,
                    f"无法连接 {url}。请检查网络，以及设置 {setting} 中的地址是否正确",
                    f"Cannot connect to {url}. Check the network and that the setting {setting} is right",
                    advised=True,
                ) from None
            raise _Retry(NetworkError, f"与 {url} 的连接中断", f"The connection to {url} was dropped") from None
        except requests.exceptions.RequestException as exc:
            raise _unreadable(type(exc).__name__, type(exc).__name__) from None
        return self._answer(response, url, setting)

    def _answer(self, response: requests.Response, url: str, setting: str) -> tuple[dict, KeptTexts]:
        self.server_time = _server_time(response)
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = _int_or_none(response.headers.get("Retry-After")) or 0
            raise _Retry(ServerError, f"{url} 返回 HTTP {status}", f"{url} answered HTTP {status}", float(retry_after))
        if status >= 400:
            raise ServerError(
                f"{url} 返回 HTTP {status}。请检查设置 {setting} 中的地址。",
                f"{url} answered HTTP {status}. Check the address in the setting {setting}.",
            )
        try:
            # Decimals, not floats: money and the raw JSON kept in the file stay exactly as sent; and each
            # record's own text, so that a pull stores it without writing every record out again.
            payload, texts = load_keeping_texts(response.content, RECORDS_KEY)
        except (UnicodeDecodeError, ValueError):
            raise _unreadable("不是 JSON", "not JSON") from None
        return self.transport.unwrap(payload), texts


def transport_from_settings() -> Transport:
    """The transport chosen by ``guanyi.transport``, with its URL and the keyring's credentials."""
    if settings.get("guanyi.transport") == "qimen":
        guanyi = credentials.load("guanyi") or {}
        missing = [f for f in ("appkey", "sessionkey") if not guanyi.get(f)]
        if missing:
            # Through Qimen the Guanyi secret is not used, so only these two are required.
            raise CredentialsError(
                f"经奇门接入时需要管易云的 appkey 和 sessionkey（缺少 {', '.join(missing)}）。"
                "请用 `python main.py credentials set guanyi` 或在“设置”中填写。",
                f"Through Qimen the Guanyi appkey and sessionkey are needed (missing {', '.join(missing)}). "
                "Store them with `python main.py credentials set guanyi` or in Settings.",
            )
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


def client_from_settings(*, backoff_base: float = 0.5, session: requests.Session | None = None) -> GuanyiClient:
    """A client configured from the settings table and the keyring."""
    return GuanyiClient(
        transport_from_settings(),
        connect_timeout=settings.get_float("guanyi.connect_timeout"),
        read_timeout=settings.get_float("guanyi.read_timeout"),
        retries=settings.get_int("guanyi.retries"),
        backoff_base=backoff_base,
        session=session,
    )
