"""The 精诚 ``ExtApi_RecvExSheet`` interface profile (SPEC §3.2) and the push call.

One POST per sheet and never a retry here: whether a sheet may be sent again is the ledger's
decision (SPEC §5). So every attempt ends in exactly one :class:`Outcome` — ``posted``,
``failed`` (nothing was booked; safe to send again) or ``unknown`` (the sheet may have been
booked; a person must check 精诚).
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from core import credentials, settings
from core.errors import ConfigError
from core.i18n import t
from core.redact import scrub
from core.timeutil import format_datetime, now_china

POSTED, FAILED, UNKNOWN = "posted", "failed", "unknown"
AUTH_MODES = ("token", "none", "basic", "md5-sign")

# What is kept of a reply for the log: enough to read 精诚's complaint, not a whole HTML error page.
REPLY_LIMIT = 2000


@dataclass(frozen=True)
class Profile:
    """Everything about the 精诚 interface that an installation may change (SPEC §3.2)."""

    base_url: str
    url_template: str = "{base_url}/{method}"
    method: str = "ExtApi_RecvExSheet"
    auth: str = "token"
    flag_path: str = "Flag"
    message_path: str = "Message"
    sheet_no_path: str = "SheetNo"
    success_values: tuple[str, ...] = ("1", "true")
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> Profile:
        profile = cls(
            base_url=settings.get("jingcheng.url"),
            url_template=settings.get("jingcheng.url_template"),
            method=settings.get("jingcheng.method"),
            auth=settings.get("jingcheng.auth"),
            flag_path=settings.get("jingcheng.reply.flag_path"),
            message_path=settings.get("jingcheng.reply.message_path"),
            sheet_no_path=settings.get("jingcheng.reply.sheet_no_path"),
            success_values=parse_success_values(settings.get("jingcheng.reply.success_values")),
            connect_timeout=settings.get_float("jingcheng.connect_timeout"),
            read_timeout=settings.get_float("jingcheng.read_timeout"),
        )
        profile.check()
        return profile

    @property
    def url(self) -> str:
        try:
            return self.url_template.format(base_url=self.base_url.rstrip("/"), method=self.method)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"精诚地址模板“{self.url_template}”无效（{exc}）。只能使用 {{base_url}} 和 {{method}}。",
                f"The Jingcheng URL template '{self.url_template}' is invalid ({exc}). "
                "Only {base_url} and {method} may be used.",
            ) from None

    def check(self) -> None:
        """Raise :class:`ConfigError` for a profile that cannot work, before anything is claimed."""
        if self.auth not in AUTH_MODES:
            raise ConfigError(
                f"精诚认证方式“{self.auth}”未知，可用：{'、'.join(AUTH_MODES)}。",
                f"Unknown Jingcheng authentication '{self.auth}'; use one of: {', '.join(AUTH_MODES)}.",
            )
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"精诚接口地址“{self.url}”必须以 http:// 或 https:// 开头（设置 jingcheng.url）。",
                f"The Jingcheng URL '{self.url}' must start with http:// or https:// (setting jingcheng.url).",
            )
        if not self.success_values:
            raise ConfigError(
                "jingcheng.reply.success_values 为空：没有任何回复会被视为成功。",
                "jingcheng.reply.success_values is empty: no reply would count as success.",
            )

    def is_success(self, flag: object) -> bool:
        return _flag_text(flag) in self.success_values


@dataclass(frozen=True)
class Outcome:
    """What one POST came to. ``reply`` is the reply text with every secret removed."""

    status: str  # POSTED | FAILED | UNKNOWN
    message: str
    sheet_no: str | None = None
    http_status: int | None = None
    reply: str = ""
    duration_ms: int = 0
    auth_refused: bool = False  # HTTP 401/403: every further sheet would be refused too
    unreachable: bool = False  # no connection was made: nothing left this machine


def parse_success_values(text: str) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in text.split(",") if v.strip())


def _flag_text(flag: object) -> str:
    if isinstance(flag, bool):
        return "true" if flag else "false"
    if isinstance(flag, float) and flag.is_integer():
        return str(int(flag))
    return "" if flag is None else str(flag).strip().lower()


def reply_value(reply: object, path: str) -> object:
    """The value at a dotted path (``Data.Flag``, ``Result.0.No``), or ``None`` when absent."""
    node = reply
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _decode(content: bytes, content_type: str) -> str:
    """The reply as text. Decoded here, not by requests: it would run charset detection on every
    reply, and it assumes ISO-8859-1 for a text/* reply without a charset. Strict UTF-8 comes
    first (GBK text is almost never valid UTF-8), then a declared charset, then GB18030 (a superset
    of the GBK of Chinese Windows servers)."""
    declared = next((value.strip().strip("\"'") for name, _, value in
                     (part.strip().partition("=") for part in content_type.split(";")[1:])
                     if name.strip().lower() == "charset"), None)
    for encoding in ("utf-8", declared, "gb18030"):
        if encoding:
            try:
                return content.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return content.decode("utf-8", errors="replace")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps: requests and urllib3 nest the real reason."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(e for e in linked if isinstance(e, BaseException))


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
        for e in _causes(exc)
    )


def _read_timed_out(exc: BaseException) -> bool:
    return any(
        isinstance(e, urllib3.exceptions.ReadTimeoutError | requests.exceptions.ReadTimeout)
        for e in _causes(exc)
    )


def _root_reason(exc: BaseException) -> str:
    """A short reason for a person: the innermost OS/TLS error, never a URL (it may carry a sign)."""
    innermost: BaseException = exc
    for e in _causes(exc):
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
        parts = urlsplit(self._url)
        self._shown_url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self._secrets = dict(secrets)
        self._session = session or requests.Session()
        # Zero retries, said out loud: a second POST of a sheet must be a person's decision.
        adapter = HTTPAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.verify = True
        self._scrub_values = self._secret_texts()

    @classmethod
    def from_settings(cls) -> Client:
        """The profile of the settings with its credentials from the keyring (:class:`CredentialsError`
        when they are missing)."""
        profile = Profile.from_settings()
        return cls(profile, credentials.require("jingcheng", profile.auth))

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def _secret_texts(self) -> list[str]:
        values = [self._secrets.get(k, "") for k in ("token", "password", "secret")]
        if self.profile.auth == "basic":
            pair = f"{self._secrets.get('user', '')}:{self._secrets.get('password', '')}"
            values.append(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
        return values

    def scrub(self, text: str, extra: tuple[str, ...] = ()) -> str:
        """``text`` with every secret, token and signature replaced by ``***``."""
        return scrub(text, (*extra, *self._scrub_values))

    def _auth(self, body: bytes) -> tuple[dict[str, str], dict[str, str], tuple[str, str] | None, str]:
        """Headers, query parameters, basic-auth pair, and the signature to scrub for one request."""
        mode, secrets = self.profile.auth, self._secrets
        if mode == "token":
            return {"Authorization": f"Bearer {secrets['token']}"}, {}, None, ""
        if mode == "basic":
            return {}, {}, (secrets["user"], secrets["password"]), ""
        if mode == "md5-sign":
            secret = secrets["secret"].encode("utf-8")
            sign = hashlib.md5(secret + body + secret).hexdigest().upper()
            params = {"appkey": secrets["appkey"], "timestamp": format_datetime(now_china()), "sign": sign}
            return {}, params, None, sign
        return {}, {}, None, ""

    def send(self, body: bytes) -> Outcome:
        """POST one sheet body and classify the result per SPEC §5 step 4. Never raises for a network
        problem; a programming error still propagates (the caller then records ``unknown``)."""
        headers, params, basic, sign = self._auth(body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        started = time.perf_counter()
        try:
            response = self._session.post(
                self._url,
                data=body,
                headers=headers,
                params=params,
                auth=basic,
                timeout=(self.profile.connect_timeout, self.profile.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return self._failure(exc, _elapsed_ms(started))
        reply = self.scrub(_decode(response.content, response.headers.get("Content-Type", "")), (sign,))[:REPLY_LIMIT]
        return self._classify(response.status_code, reply, _elapsed_ms(started))

    def _failure(self, exc: requests.RequestException, duration_ms: int) -> Outcome:
        reason = self.scrub(_root_reason(exc))
        if _nothing_sent(exc):
            return Outcome(
                FAILED,
                t(f"无法连接精诚（{self._shown_url}）：{reason}。此单没有发出，可以重新推送。",
                  f"Could not connect to Jingcheng ({self._shown_url}): {reason}. The sheet was not sent; "
                  "it can be pushed again."),
                duration_ms=duration_ms,
                unreachable=True,
            )
        if _read_timed_out(exc):
            seconds = f"{self.profile.read_timeout:g}"
            return Outcome(
                UNKNOWN,
                t(f"单据已发出，但精诚在 {seconds} 秒内没有回复。状态未知：请在精诚中查看此单是否已入账，"
                  "再用 mark 标记为已入账或失败。",
                  f"The sheet was sent but Jingcheng did not reply within {seconds} s. State unknown: check "
                  "in Jingcheng whether it was booked, then mark it posted or failed."),
                duration_ms=duration_ms,
            )
        return Outcome(
            UNKNOWN,
            t(f"连接在单据发出后中断（{reason}）。状态未知：请在精诚中查看此单是否已入账，再用 mark 标记。",
              f"The connection broke after the sheet was sent ({reason}). State unknown: check in Jingcheng "
              "whether it was booked, then mark it posted or failed."),
            duration_ms=duration_ms,
        )

    def _classify(self, status: int, reply: str, duration_ms: int) -> Outcome:
        def outcome(state: str, message: str, **extra: object) -> Outcome:
            return Outcome(state, message, http_status=status, reply=reply, duration_ms=duration_ms, **extra)

        if status in (401, 403):
            return outcome(FAILED, self._auth_message(status), auth_refused=True)
        if 300 <= status < 500:
            detail = self._reply_message(reply) or reply[:200]
            return outcome(
                FAILED,
                t(f"精诚拒绝了请求（HTTP {status}）：{detail}。此单未入账，修正后可重新推送。",
                  f"Jingcheng refused the request (HTTP {status}): {detail}. Not booked; fix it and push again."),
            )
        if status >= 500:
            return outcome(
                UNKNOWN,
                t(f"精诚服务器出错（HTTP {status}）。状态未知：请在精诚中查看此单是否已入账，再用 mark 标记。",
                  f"The Jingcheng server failed (HTTP {status}). State unknown: check in Jingcheng whether "
                  "the sheet was booked, then mark it posted or failed."),
            )
        try:
            data = json.loads(reply)
        except ValueError:
            data = None
        flag = reply_value(data, self.profile.flag_path) if isinstance(data, dict) else None
        if flag is None:
            return outcome(
                UNKNOWN,
                t(f"无法识别精诚的回复（HTTP {status}，找不到“{self.profile.flag_path}”）。状态未知："
                  "请在精诚中查看此单是否已入账，再用 mark 标记。",
                  f"Unreadable Jingcheng reply (HTTP {status}, no '{self.profile.flag_path}'). State unknown: "
                  "check in Jingcheng whether the sheet was booked, then mark it posted or failed."),
            )
        message = _text(reply_value(data, self.profile.message_path))
        if self.profile.is_success(flag):
            sheet_no = _text(reply_value(data, self.profile.sheet_no_path)) or None
            return outcome(
                POSTED,
                t(f"精诚已入账{f'，单号 {sheet_no}' if sheet_no else ''}。{message}",
                  f"Booked by Jingcheng{f' as {sheet_no}' if sheet_no else ''}. {message}").strip(),
                sheet_no=sheet_no,
            )
        return outcome(
            FAILED,
            t(f"精诚拒收：{message or reply[:200]}。此单未入账，修正后可重新推送。",
              f"Jingcheng refused the sheet: {message or reply[:200]}. Not booked; fix it and push again."),
        )

    def _reply_message(self, reply: str) -> str:
        try:
            data = json.loads(reply)
        except ValueError:
            return ""
        return _text(reply_value(data, self.profile.message_path)) if isinstance(data, dict) else ""

    def _auth_message(self, status: int) -> str:
        zh_what, en_what = {
            "token": ("令牌", "token"),
            "basic": ("用户名或密码", "user name or password"),
            "md5-sign": ("appkey 或签名密钥", "appkey or signing secret"),
        }.get(self.profile.auth, ("", ""))
        if not zh_what:
            return t(
                f"精诚要求认证（HTTP {status}）。请在设置 jingcheng.auth 中选择认证方式，再用 "
                "credentials set jingcheng 保存凭据。此单未入账。",
                f"Jingcheng requires authentication (HTTP {status}). Choose the method in setting "
                "jingcheng.auth, then store it with 'credentials set jingcheng'. The sheet was not booked.",
            )
        return t(
            f"精诚拒绝了{zh_what}（HTTP {status}）。请用 credentials set jingcheng 更新凭据（或在“设置”中修改）"
            "后重新推送。此单未入账。",
            f"Jingcheng refused the {en_what} (HTTP {status}). Update it with 'credentials set jingcheng' "
            "(or in Settings), then push again. The sheet was not booked.",
        )


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
