"""The 管易云 client: calls a method through either transport (:mod:`core.guanyi.transports`) over one session.

Both transports sit behind one small interface — build the signed request, unwrap the reply —
so paging, retries and error wording are written once here. Reads are safe to repeat, so timeouts,
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
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
import urllib3.exceptions

from core import settings, tls
from core.cancel import CancelCheck, CancelSource
from core.errors import ConfigError, NetworkError, ServerError
from core.guanyi.replies import RECORDS_KEY, Retry, RetryNote, ReturnsPage, int_or_none, read_returns_page, unreadable
from core.guanyi.reply_texts import MAX_DEPTH, KeptTexts, TooDeep, load_keeping_texts
from core.guanyi.transports import Transport, transport_from_settings
from core.timeutil import CHINA_TZ, format_datetime, now_china

log = logging.getLogger(__name__)

METHOD_RETURNS = "gy.erp.trade.return.get"

T = TypeVar("T")


# What to do when every try failed, for the failures whose own text does not say it already.
_ADVICE = {
    NetworkError: ("请检查网络后再试。", "Check the network and try again."),
    ServerError: ("管易云暂时出了问题，请稍后再试；一直如此请联系管易云。",
                  "Guanyi has a problem for now: try again later, and contact Guanyi if it persists."),
}

_TIMED_OUT = ("超时", "timed out")
# A retry is not started with less time than this left before the call's deadline.
_LEAST_TRY_SECONDS = 0.2
# The largest reply read: a page is 100 returns at most, and even 100 returns of hundreds of lines each stay far
# below it. Beyond it the reply is refused (and retried), never held in memory whole.
MAX_REPLY_BYTES = 100 * 1024 * 1024
_CHUNK_BYTES = 256 * 1024


def _too_big() -> Retry:
    limit = MAX_REPLY_BYTES // (1024 * 1024)
    return unreadable(f"超过 {limit} MB", f"larger than {limit} MB")


def _as_it_arrives(response: requests.Response) -> Iterator[bytes]:
    """The body in pieces as they arrive (``iter_content`` waits for a whole piece, which a server that sends a byte
    at a time never completes), with urllib3's errors as ``requests`` raises them."""
    raw = response.raw
    try:
        if not hasattr(raw, "read1"):  # urllib3 1.x
            yield from raw.stream(_CHUNK_BYTES, decode_content=True)
            return
        while chunk := raw.read1(_CHUNK_BYTES, decode_content=True):
            yield chunk
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None


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


class GuanyiClient:
    """Calls Guanyi methods through a transport, over one ``requests.Session``, with retries for reads."""

    def __init__(
        self,
        transport: Transport,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retries: int = 4,
        total_timeout: float = 120.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.transport = transport
        self.timeouts = (connect_timeout, read_timeout)
        self.retries = retries
        self.total_timeout = total_timeout  # one call, every try and wait included, ends within this
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
        on_retry: Callable[[RetryNote], None] | None = None,
    ) -> T:
        """Call ``method`` and return ``read(envelope, texts)`` (``texts``: the records' JSON as sent, where
        kept); an unreadable answer counts as a failed attempt.

        Every try and every wait between tries ends by ``total_timeout`` after the call began: a server that
        accepts and never answers costs that long, not ``(retries + 1) × read_timeout``. ``on_retry`` hears of
        each retry as it starts, with the reason of the failure before it."""
        check = cancel if isinstance(cancel, CancelCheck) else CancelCheck(cancel)
        attempts = self.retries + 1
        deadline = time.monotonic() + self.total_timeout
        failure: Retry | None = None
        tried = 0
        for attempt in range(attempts):
            if failure is not None:
                left = deadline - time.monotonic()
                if left < _LEAST_TRY_SECONDS:
                    break
                if on_retry is not None:
                    on_retry(RetryNote(attempt, attempts - 1, *failure.brief))
                check.sleep(min(self._delay(attempt, failure.retry_after), left - _LEAST_TRY_SECONDS))
            check.raise_if_set()
            tried += 1
            try:
                # A try can be cancelled while it waits for the server, not only between tries.
                return read(*check.run(lambda: self._attempt(method, business, deadline)))
            except Retry as retry:
                failure = retry
                log.info("%s via %s: attempt %d of %d failed: %s", method, self.transport.name,
                         attempt + 1, attempts, retry.en)
        assert failure is not None
        zh_advice, en_advice = ("", "") if failure.advised else _ADVICE.get(failure.kind, ("", ""))
        if tried < attempts:
            zh_tried = f"{self.total_timeout:g} 秒内尝试了 {tried} 次，已放弃（设置 guanyi.total_timeout）。"
            en_tried = f"Tried {tried} times in {self.total_timeout:g} s, then gave up (setting guanyi.total_timeout)."
        else:
            zh_tried, en_tried = f"已尝试 {attempts} 次。", f"Tried {attempts} times."
        raise failure.kind(
            f"{failure.zh}。{zh_tried}{zh_advice}",
            f"{failure.en}. {en_tried} {en_advice}".rstrip(),
        )

    def get_returns(
        self,
        params: Mapping[str, object],
        *,
        cancel: CancelCheck | CancelSource = None,
        on_retry: Callable[[RetryNote], None] | None = None,
    ) -> ReturnsPage:
        """One page of 退货单 for ``params`` (SPEC §2.3)."""
        return self.call(METHOD_RETURNS, params, cancel=cancel, read=read_returns_page, on_retry=on_retry)

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

    def _attempt(self, method: str, business: Mapping[str, object], deadline: float) -> tuple[dict, KeptTexts]:
        call = self.transport.prepare(method, business)
        url, setting = self.transport.url, self.transport.url_setting
        with self._requests_lock:
            self.requests += 1
        left = max(deadline - time.monotonic(), 0.001)
        timeouts = (min(self.timeouts[0], left), min(self.timeouts[1], left))
        try:
            response = self.session.post(
                call.url,
                params=call.query or None,
                data=call.body,
                headers={"Content-Type": call.content_type, "Accept": "application/json"},
                timeout=timeouts,
                stream=True,
            )
            with response:
                body = self._body(response, url, deadline)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):
            raise ConfigError(
                f"管易云接口地址“{url}”无效，请检查设置 {setting}。",
                f"The Guanyi address '{url}' is not valid; check the setting {setting}.",
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise Retry(
                NetworkError,
                f"连接 {url} 超时（{timeouts[0]:g} 秒）。请检查网络和设置 {setting}",
                f"Connecting to {url} timed out ({timeouts[0]:g} s). Check the network and the setting {setting}",
                advised=True, brief=_TIMED_OUT,
            ) from None
        except requests.exceptions.Timeout:
            raise Retry(
                NetworkError,
                f"{url} 在 {timeouts[1]:g} 秒内没有回复",
                f"{url} did not answer within {timeouts[1]:g} s",
                brief=_TIMED_OUT,
            ) from None
        except requests.exceptions.SSLError as exc:
            zh = f"无法与 {url} 建立安全连接（HTTPS 证书无效，或该地址不提供 HTTPS）。请检查设置 {setting} 中的地址"
            en = (f"A secure connection to {url} failed (its HTTPS certificate is not valid, or the address does "
                  f"not speak HTTPS). Check the address in the setting {setting}")
            certificate = tls.refusal("guanyi", url, exc)
            if certificate is not None:
                zh, en = certificate  # names what is wrong with the certificate
            if _tls_refused(exc):
                # A certificate that does not verify, or no TLS at all, repeats on every try.
                raise NetworkError(zh + "。", en + ".") from None
            raise Retry(NetworkError, zh, en, advised=True, brief=("安全连接失败", "TLS failed")) from None
        except requests.exceptions.ConnectionError as exc:
            if _cannot_connect(exc):
                raise Retry(
                    NetworkError,
                    f"无法连接 {url}。请检查网络，以及设置 {setting} 中的地址是否正确",
                    f"Cannot connect to {url}. Check the network and that the setting {setting} is right",
                    advised=True, brief=("无法连接", "cannot connect"),
                ) from None
            if time.monotonic() >= deadline:  # a reply trickled in slower than the deadline (see _body)
                raise self._unfinished(url) from None
            raise Retry(NetworkError, f"与 {url} 的连接中断", f"The connection to {url} was dropped",
                        brief=("连接中断", "connection dropped")) from None
        except requests.exceptions.RequestException as exc:
            raise unreadable(type(exc).__name__, type(exc).__name__) from None
        return self._answer(response, body, url, setting)

    def _body(self, response: requests.Response, url: str, deadline: float) -> bytes:
        """The reply's body, read in pieces: refused past :data:`MAX_REPLY_BYTES` (as sent or once unzipped) and
        cut off at the call's deadline, so that neither a huge reply nor one that trickles in holds the pull."""
        if response.status_code == 429 or response.status_code >= 400:
            return b""  # only the status is used
        declared = int_or_none(response.headers.get("Content-Length"))
        if declared is not None and declared > MAX_REPLY_BYTES:
            raise _too_big()
        chunks: list[bytes] = []
        size = 0
        for chunk in _as_it_arrives(response):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise _too_big()
            chunks.append(chunk)
            if time.monotonic() >= deadline:
                raise self._unfinished(url)
        # Read to its end: the connection goes back to the pool for the next page (closing the response without
        # this would drop it, as requests drops a connection whose body it did not read itself).
        response.raw.release_conn()
        return b"".join(chunks)

    def _unfinished(self, url: str) -> Retry:
        return Retry(NetworkError, f"{url} 在 {self.total_timeout:g} 秒内没有回复完",
                     f"{url} did not finish its reply within {self.total_timeout:g} s", brief=_TIMED_OUT)

    def _answer(self, response: requests.Response, body: bytes, url: str, setting: str) -> tuple[dict, KeptTexts]:
        self.server_time = _server_time(response)
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = int_or_none(response.headers.get("Retry-After")) or 0
            raise Retry(ServerError, f"{url} 返回 HTTP {status}", f"{url} answered HTTP {status}", float(retry_after),
                        brief=(f"HTTP {status}", f"HTTP {status}"))
        if status >= 400:
            raise ServerError(
                f"{url} 返回 HTTP {status}。请检查设置 {setting} 中的地址。",
                f"{url} answered HTTP {status}. Check the address in the setting {setting}.",
            )
        try:
            # Decimals, not floats: money and the raw JSON kept in the file stay exactly as sent; and each
            # record's own text, so that a pull stores it without writing every record out again.
            payload, texts = load_keeping_texts(body, RECORDS_KEY)
        except TooDeep:
            raise unreadable(f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels") from None
        except UnicodeDecodeError:
            raise unreadable("不是 UTF-8 文本", "not UTF-8 text") from None
        except ValueError:
            raise unreadable("不是 JSON", "not JSON") from None
        return self.transport.unwrap(payload), texts


def client_from_settings(*, backoff_base: float = 0.5, session: requests.Session | None = None) -> GuanyiClient:
    """A client configured from the settings table and the keyring, its certificate checking too (core.tls)."""
    transport = transport_from_settings()
    verify = tls.verify_for("guanyi")
    client = GuanyiClient(
        transport,
        connect_timeout=settings.get_float("guanyi.connect_timeout"),
        read_timeout=settings.get_float("guanyi.read_timeout"),
        retries=settings.get_int("guanyi.retries"),
        total_timeout=settings.get_float("guanyi.total_timeout"),
        backoff_base=backoff_base,
        session=session,
    )
    tls.apply(client.session, verify)
    return client
