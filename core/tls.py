"""HTTPS certificates for the calls to 管易云 (direct and 奇门) and to 精诚.

Certificates are verified by default (``requests``' trusted authorities). Per system, a setting names a CA file
to trust instead — an on-premises 精诚 behind its own certificate — and another turns verification off; that
one is visible in Settings and, each time a client is made with it, leaves a warning in the log and a row in the
sync log. A certificate refused names its problem (self-signed, expired, another host's) in both languages.
"""

from __future__ import annotations

import logging
import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from core import settings
from core.errors import ConfigError
from core.i18n import t

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

# The settings' own name for each system, as a message names it (Chinese, English).
SYSTEMS = {"guanyi": ("管易云", "Guanyi"), "jingcheng": ("精诚", "Jingcheng")}
VERIFY_ON, VERIFY_OFF = "on", "off"

# OpenSSL's verify codes (X509_V_ERR_*) that a person meets, in Chinese; any other is named by OpenSSL's own text.
_PROBLEMS_ZH = {
    9: "证书尚未生效",
    10: "证书已过期",
    18: "自签名证书，不是受信任机构签发的",
    19: "证书链中有自签名证书，不是受信任机构签发的",
    20: "找不到签发该证书的受信任机构",
    21: "无法验证证书的签名",
    23: "证书已被吊销",
    62: "证书与地址中的主机名不符",
    64: "证书与地址中的 IP 不符",
}


def verify_setting(system: str) -> str:
    return f"{system}.verify_tls"


def ca_setting(system: str) -> str:
    return f"{system}.ca_file"


def check_ca_file(text: str) -> None:
    """A ``*.ca_file`` value: empty, or a readable PEM file of certificates (:class:`ConfigError` says what is
    wrong)."""
    path = text.strip()
    if not path:
        return
    if not Path(path).is_file():
        raise ConfigError("找不到该证书文件。", "There is no such certificate file.")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        raise ConfigError("该文件不是可读取的 PEM 格式证书。",
                          "The file is not a readable certificate in PEM format.") from None


def verify_for(system: str) -> bool | str:
    """What ``requests`` takes as ``verify`` for ``system`` under the saved settings: ``True`` (the trusted
    authorities), the path of the CA file to trust, or ``False`` — then logged as a warning and a sync-log row."""
    if settings.get(verify_setting(system)) == VERIFY_OFF:
        _log_unverified(system)
        return False
    ca_file = settings.get(ca_setting(system)).strip()
    if ca_file:
        try:
            check_ca_file(ca_file)
        except ConfigError as reason:
            raise ConfigError(
                f"设置 {ca_setting(system)} 的证书文件“{ca_file}”不可用：{reason.zh}",
                f"The certificate file '{ca_file}' of the setting {ca_setting(system)} cannot be used: {reason.en}",
                setting=ca_setting(system),
            ) from None
        return ca_file
    return True


def apply(session: requests.Session, verify: bool | str) -> None:
    """Check certificates in ``session`` as ``verify`` (from :func:`verify_for`) says.

    ``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace a session's ``verify`` on every request —
    turning an "off" or a CA file of the settings back into that bundle. Here a CA file or "off" of the settings
    wins; with the default (``True``) those variables are honoured as ``requests`` does (a company's proxy CA)."""
    session.verify = verify
    merge = session.merge_environment_settings

    def merged(url: str, proxies: object, stream: object, request_verify: object, cert: object) -> dict:
        chosen = merge(url, proxies, stream, request_verify, cert)
        if request_verify is None and session.verify is not True:
            chosen["verify"] = session.verify
        return chosen

    session.merge_environment_settings = merged  # type: ignore[method-assign]


def _log_unverified(system: str) -> None:
    zh_name, en_name = SYSTEMS[system]
    # urllib3 would warn on stderr at every request: the warning is ours, once per client.
    import urllib3

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    message = t(f"{zh_name}的 HTTPS 证书校验已关闭（设置 {verify_setting(system)} = off）：连接不校验对方身份。",
                f"HTTPS certificate verification for {en_name} is off (setting {verify_setting(system)} = off): "
                "the server's identity is not checked.")
    log.warning("%s", message)
    from core.store import write_log

    write_log("tls", "warning", message)


def causes(exc: BaseException) -> Iterator[BaseException]:
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


def certificate_problem(exc: BaseException) -> tuple[str, str] | None:
    """What is wrong with the certificate that failed ``exc`` (a ``requests``/``urllib3``/``ssl`` error), as
    (Chinese, English); ``None`` when ``exc`` is no certificate refusal."""
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            text = (getattr(cause, "verify_message", "") or "").strip() or "certificate verify failed"
            zh = _PROBLEMS_ZH.get(getattr(cause, "verify_code", 0) or 0)
            return (f"{zh}（{text}）" if zh else text), text
    return None


def refusal(system: str, shown_url: str, exc: BaseException) -> tuple[str, str] | None:
    """The sentence for a certificate refused at ``shown_url`` (a URL fit to show), or ``None``."""
    problem = certificate_problem(exc)
    if problem is None:
        return None
    zh_name, en_name = SYSTEMS[system]
    return (
        f"{zh_name}地址 {shown_url} 的 HTTPS 证书未通过校验：{problem[0]}。连接已拒绝，没有发送任何数据。"
        f"若该服务器使用自建证书，可在设置 {ca_setting(system)} 中指定其证书文件",
        f"The HTTPS certificate of {en_name} at {shown_url} did not verify: {problem[1]}. The connection was refused "
        f"and nothing was sent. If the server uses its own certificate, give its file in the setting "
        f"{ca_setting(system)}",
    )
