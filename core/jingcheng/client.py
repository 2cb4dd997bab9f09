"""The push call: one sheet POSTed to 精诚 ``ExtApi_RecvExSheet`` as its profile (SPEC §3.2) says.

One POST per sheet and never a retry here: whether a sheet may be sent again is the ledger's
decision (SPEC §5). So every attempt ends in exactly one :class:`Outcome` — ``posted``,
``failed`` (nothing was booked; safe to send again) or ``unknown`` (the sheet may have been
booked; a person must check 精诚).
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import traceback
from collections.abc import Mapping

import requests
import requests.auth
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from core import credentials, tls
from core.advice import Advice
from core.errors import ConfigError
from core.guanyi.signing import md5_sign
from core.i18n import t
from core.jingcheng.outcome import Outcome
from core.jingcheng.profile import Profile, flag_text, reply_value
from core.redact import mask_secrets, scrub, shown_url
from core.states import SheetStatus
from core.timeutil import elapsed_ms, format_datetime, now_china

# What is kept of a reply for the log: enough to read 精诚's complaint, not a whole HTML error page.
REPLY_LIMIT = 2000
# What each authentication mode sends, as a refusal names it (Chinese, English).
_AUTH_WORDS = {
    "token": ("令牌", "token"),
    "basic": ("用户名或密码", "user name or password"),
    "md5-sign": ("appkey 或签名密钥", "appkey or signing secret"),
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _parse(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _decode(content: bytes, content_type: str) -> str:
    """The reply as text. Decoded here, not by requests: it would run charset detection on every
    reply, and it assumes ISO-8859-1 for a text/* reply without a charset. Strict UTF-8 comes
    first (GBK text is almost never valid UTF-8; a byte-order mark, as .NET servers write, is
    dropped), then a declared charset, then GB18030 (a superset of the GBK of Chinese Windows
    servers)."""
    declared = next((value.strip().strip("\"'") for name, _, value in
                     (part.strip().partition("=") for part in content_type.split(";")[1:])
                     if name.strip().lower() == "charset"), None)
    for encoding in ("utf-8-sig", declared, "gb18030"):
        if encoding:
            try:
                return content.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return content.decode("utf-8", errors="replace")


def _nothing_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached 精诚: refused, unresolved, connect timeout, bad URL,
    or a TLS certificate refused during the handshake."""
    return any(
        isinstance(
            e,
            urllib3.exceptions.ConnectTimeoutError  # NewConnectionError and NameResolutionError too
            | requests.exceptions.ConnectTimeout
            | requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema
            | ssl.SSLCertVerificationError,
        )
        for e in tls.causes(exc)
    )


def _in_handshake(exc: BaseException) -> bool:
    """True when the connection broke during the TLS handshake (a protocol or cipher mismatch, a
    reset by a firewall): the request itself goes out only after the handshake."""
    return any(
        frame.f_code.co_name == "do_handshake"  # ssl.SSLSocket's, or urllib3's SSLTransport's
        for e in tls.causes(exc)
        if isinstance(e, OSError)
        for frame, _ in traceback.walk_tb(e.__traceback__)
    )


def _read_timed_out(exc: BaseException) -> bool:
    return any(
        isinstance(e, urllib3.exceptions.ReadTimeoutError | requests.exceptions.ReadTimeout)
        for e in tls.causes(exc)
    )


def _root_reason(exc: BaseException) -> str:
    """A short reason for a person: the innermost OS/TLS error, never a URL (it may carry a sign)."""
    innermost: BaseException = exc
    for e in tls.causes(exc):
        if isinstance(e, OSError) and not isinstance(e, requests.RequestException):
            innermost = e
    if isinstance(innermost, OSError) and innermost.strerror:
        return f"{type(innermost).__name__}: {innermost.strerror}"
    return type(innermost).__name__


class Client:
    """Posts sheets to 精诚 over one reused HTTP session. Not shared between threads."""

    def __init__(self, profile: Profile, secrets: Mapping[str, str], session: requests.Session | None = None) -> None:
        profile.check()
        self.profile = profile
        self._url = profile.url
        # A user:password@ written into the URL must not reach a message.
        self._shown_url = shown_url(self._url, keep_query=True)
        self._secrets = dict(secrets)
        self._session = session or requests.Session()
        # Zero retries, said out loud: a second POST of a sheet must be a person's decision.
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.verify = True
        self._check_header_secrets()
        self._scrub_values = self._secret_texts()

    @classmethod
    def from_settings(cls) -> Client:
        """The profile of the settings with its credentials from the keyring (:class:`CredentialsError`
        when they are missing)."""
        profile = Profile.from_settings()
        secrets = credentials.require("jingcheng", profile.auth)
        verify = tls.verify_for("jingcheng")  # certificate checking as the settings say (core.tls)
        client = cls(profile, secrets)
        tls.apply(client._session, verify)
        return client

    @property
    def verify(self) -> bool | str:
        """How the certificate of an HTTPS address is checked: ``requests``' ``verify`` of the session."""
        return self._session.verify

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def _check_header_secrets(self) -> None:
        """A token that cannot be sent in a header would fail each send after its claim; say so now."""
        token = self._secrets.get("token", "")
        if self.profile.auth == "token" and not all("!" <= c <= "~" for c in token):
            raise ConfigError(
                "保存的精诚令牌含有空格、换行或非 ASCII 字符，无法放进 HTTP 头。",
                "The stored Jingcheng token contains spaces, line breaks or non-ASCII characters and cannot "
                "be sent in an HTTP header.",
                advice=Advice.CREDENTIALS, kind="jingcheng",
            )

    def _secret_texts(self) -> list[str]:
        values = [self._secrets.get(k, "") for k in ("token", "password", "secret")]
        if self.profile.auth == "basic":
            pair = f"{self._secrets.get('user', '')}:{self._secrets.get('password', '')}"
            values.append(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
        return values

    def scrub(self, text: str, extra: tuple[str, ...] = ()) -> str:
        """``text`` with every secret, token and signature replaced by ``***``."""
        return scrub(text, (*extra, *self._scrub_values))

    def _auth(self, body: bytes) -> tuple[dict[str, str], dict[str, str], str]:
        """Headers, query parameters, and the signature to scrub for one request."""
        mode, secrets = self.profile.auth, self._secrets
        if mode == "token":
            return {"Authorization": f"Bearer {secrets['token']}"}, {}, ""
        if mode == "basic":
            # UTF-8 (RFC 7617), built here: requests would encode a Chinese user name as Latin-1 and fail.
            pair = f"{secrets['user']}:{secrets['password']}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}, {}, ""
        if mode == "md5-sign":
            sign = md5_sign(secrets["secret"].encode("utf-8"), body)
            params = {"appkey": secrets["appkey"], "timestamp": format_datetime(now_china()), "sign": sign}
            return {}, params, sign
        return {}, {}, ""

    def send(self, body: bytes) -> Outcome:
        """POST one sheet body and classify the result per SPEC §5 step 4. Never raises for a network
        problem; a programming error still propagates (the caller then records ``unknown``)."""
        auth_headers, params, sign = self._auth(body)
        started = time.perf_counter()
        try:
            response = self._session.post(
                self._url,
                data=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                # Given as an auth object, never as plain headers: with no auth object, requests would take
                # a ~/.netrc entry for the host and replace our Authorization header with it.
                auth=_FixedHeaders(auth_headers),
                params=params,
                timeout=(self.profile.connect_timeout, self.profile.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return self._failure(exc, elapsed_ms(started))
        text = _decode(response.content, response.headers.get("Content-Type", ""))
        return self._classify(response, text, sign, elapsed_ms(started))

    def _failure(self, exc: requests.RequestException, duration_ms: int) -> Outcome:
        reason = self.scrub(_root_reason(exc))
        certificate = tls.refusal("jingcheng", shown_url(self._url), exc)
        if certificate is not None:
            return Outcome(SheetStatus.FAILED, t(certificate[0] + "。此单可以重新推送。",
                                                 certificate[1] + ". The sheet can be pushed again."),
                           duration_ms=duration_ms, unreachable=True)
        if _nothing_sent(exc) or _in_handshake(exc):
            return Outcome(
                SheetStatus.FAILED,
                t(f"无法连接精诚（{self._shown_url}）：{reason}。此单没有发出，可以重新推送。",
                  f"Could not connect to Jingcheng ({self._shown_url}): {reason}. The sheet was not sent; "
                  "it can be pushed again."),
                duration_ms=duration_ms,
                unreachable=True,
            )
        if _read_timed_out(exc):
            seconds = f"{self.profile.read_timeout:g}"
            return Outcome(
                SheetStatus.UNKNOWN,
                t(f"单据已发出，但精诚在 {seconds} 秒内没有回复，不知是否已入账。状态未知。",
                  f"The sheet was sent but Jingcheng did not reply within {seconds} s, so whether it was booked "
                  "is not known. State unknown."),
                duration_ms=duration_ms,
            )
        return Outcome(
            SheetStatus.UNKNOWN,
            t(f"连接在单据发出后中断（{reason}），不知是否已入账。状态未知。",
              f"The connection broke after the sheet was sent ({reason}), so whether it was booked is not known. "
              "State unknown."),
            duration_ms=duration_ms,
        )

    def _classify(self, response: requests.Response, text: str, sign: str, duration_ms: int) -> Outcome:
        """The verdict is read from the whole reply as received; only what is kept or shown is
        scrubbed and cut (a cut or masked reply could no longer be parsed, or lose its SheetNo)."""
        status = response.status_code
        reply = self.scrub(text, (sign,))[:REPLY_LIMIT]

        def outcome(state: str, message: str, **extra: object) -> Outcome:
            return Outcome(state, message, http_status=status, reply=reply, duration_ms=duration_ms, **extra)

        data = _parse(text)
        message = self.scrub(_text(reply_value(data, self.profile.message_path)), (sign,))
        if status in (401, 403):
            return outcome(SheetStatus.FAILED, self._auth_message(status), auth_refused=True,
                           advice=Advice.CREDENTIALS if self.profile.auth in _AUTH_WORDS else Advice.JINGCHENG_AUTH)
        if status == 303:
            return outcome(
                SheetStatus.UNKNOWN,
                t("精诚回复“已处理，见他处”（HTTP 303），没有说明是否已入账。状态未知。",
                  "Jingcheng answered 'processed, see elsewhere' (HTTP 303) without saying whether the sheet was "
                  "booked. State unknown."),
            )
        if 300 <= status < 400:
            location = self._shown(response.headers.get("Location", ""), sign)
            return outcome(
                SheetStatus.FAILED,
                t(f"精诚接口地址已转到 {location}（HTTP {status}），此单没有提交，未入账。",
                  f"The Jingcheng address moved to {location} (HTTP {status}); the sheet was not submitted "
                  "and not booked."),
                advice=Advice.JINGCHENG_URL,
            )
        if 400 <= status < 500:
            detail = message or reply[:200]
            return outcome(
                SheetStatus.FAILED,
                t(f"精诚拒绝了请求（HTTP {status}）：{detail}。此单未入账，修正后可重新推送。",
                  f"Jingcheng refused the request (HTTP {status}): {detail}. Not booked; fix it and push again."),
            )
        if status >= 500:
            return outcome(
                SheetStatus.UNKNOWN,
                t(f"精诚服务器出错（HTTP {status}），不知此单是否已入账。状态未知。",
                  f"The Jingcheng server failed (HTTP {status}), so whether the sheet was booked is not known. "
                  "State unknown."),
            )
        flag = reply_value(data, self.profile.flag_path)
        # No flag, an object or list where one value belongs (a wrong path), or an empty one: the
        # reply says neither success nor failure.
        if flag is None or isinstance(flag, dict | list) or flag_text(flag) == "":
            return outcome(
                SheetStatus.UNKNOWN,
                t(f"无法识别精诚的回复（HTTP {status}，“{self.profile.flag_path}”不是一个值），不知此单是否已入账。"
                  "状态未知。",
                  f"Unreadable Jingcheng reply (HTTP {status}, no single value at '{self.profile.flag_path}'), so "
                  "whether the sheet was booked is not known. State unknown."),
            )
        if self.profile.is_success(flag):
            sheet_no = self._masked(_text(reply_value(data, self.profile.sheet_no_path)), sign) or None
            return outcome(
                SheetStatus.POSTED,
                t(f"精诚已入账{f'，单号 {sheet_no}' if sheet_no else ''}。{message}",
                  f"Booked by Jingcheng{f' as {sheet_no}' if sheet_no else ''}. {message}").strip(),
                sheet_no=sheet_no,
            )
        return outcome(
            SheetStatus.FAILED,
            t(f"精诚拒收：{message or reply[:200]}。此单未入账，修正后可重新推送。",
              f"Jingcheng refused the sheet: {message or reply[:200]}. Not booked; fix it and push again."),
        )

    def _masked(self, text: str, sign: str) -> str:
        """``text`` with the known secret values masked, but not every hex run: a SheetNo may be a GUID."""
        return mask_secrets(text, (sign, *self._scrub_values))

    def _shown(self, url: str, sign: str) -> str:
        """A URL for a message: no user:password@, no query (it may carry a sign), secrets masked."""
        return self.scrub(shown_url(url), (sign,))

    def _auth_message(self, status: int) -> str:
        zh_what, en_what = _AUTH_WORDS.get(self.profile.auth, ("", ""))
        if not zh_what:
            return t(f"精诚要求认证（HTTP {status}），而当前设置不发送凭据。此单未入账。",
                     f"Jingcheng requires authentication (HTTP {status}) and the settings send none. The sheet was "
                     "not booked.")
        return t(f"精诚拒绝了{zh_what}（HTTP {status}）。此单未入账。",
                 f"Jingcheng refused the {en_what} (HTTP {status}). The sheet was not booked.")


class _FixedHeaders(requests.auth.AuthBase):
    """Sets the headers of the profile's auth mode on the request."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = dict(headers)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.headers)
        return request
