"""Secrets in the OS keyring (Windows Credential Manager on the target PCs), and nowhere else.

One keyring entry per remote system, holding a small JSON object. Keyring failures become a
:class:`CredentialsError` that says what happened, with the advice the user can act on — never a traceback,
and never a fallback to a file.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from types import ModuleType

from core import settings
from core.advice import KIND_NAMES, Advice
from core.errors import ConfigError, CredentialsError

SERVICE = "ReturnSync"

# Which fields each kind takes (精诚's by its authentication, setting jingcheng.auth): (required, optional).
_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "guanyi": (("appkey", "sessionkey", "secret"), ()),
    "qimen": (("app_key", "secret"), ("session",)),
    "jingcheng:token": (("token",), ()),
    "jingcheng:basic": (("user", "password"), ()),
    "jingcheng:md5-sign": (("appkey", "secret"), ()),
    "jingcheng:none": ((), ()),
}
KINDS = ("guanyi", "qimen", "jingcheng")
# The fields that name an account rather than prove it: shown to the user, where a secret never is.
PUBLIC_FIELDS = frozenset({"appkey", "app_key", "user"})
# What each field is called on screen, (Chinese, English).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "appkey": ("appkey", "appkey"),
    "sessionkey": ("sessionkey", "sessionkey"),
    "secret": ("密钥 secret", "secret"),
    "app_key": ("奇门 app_key", "Qimen app_key"),
    "session": ("session", "session"),
    "token": ("令牌 token", "token"),
    "user": ("用户名", "User"),
    "password": ("密码", "Password"),
}


def fields(kind: str, auth: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) fields of ``kind``; 精诚's follow ``auth`` (unset: the setting's default)."""
    if kind not in KINDS:
        raise CredentialsError(
            f"未知的凭据类型“{kind}”，可用：{'、'.join(KINDS)}。",
            f"Unknown credentials kind '{kind}'; use one of: {', '.join(KINDS)}.",
        )
    if kind != "jingcheng":
        return _FIELDS[kind]
    auth = auth or settings.KEYS["jingcheng.auth"].default
    settings.validate("jingcheng.auth", auth)
    return _FIELDS[f"jingcheng:{auth}"]


def _no_backend(exc: Exception) -> CredentialsError:
    return CredentialsError(
        f"找不到可用的系统钥匙串（{type(exc).__name__}），无法安全保存密钥。",
        f"No usable system keyring ({type(exc).__name__}), so secrets cannot be stored safely.",
        advice=Advice.NO_KEYRING,
    )


def _keyring_failed(exc: Exception) -> CredentialsError:
    return CredentialsError(
        f"系统钥匙串拒绝了操作（{type(exc).__name__}）。请解锁钥匙串后重试。",
        f"The system keyring refused the operation ({type(exc).__name__}). Unlock it and try again.",
    )


def _keyring() -> ModuleType:
    """The keyring library, imported on first use: it costs a tenth of a second, and the window shows first."""
    import keyring
    import keyring.errors

    return keyring


def _call(name: str, *args):
    keyring = _keyring()
    try:
        return getattr(keyring, name)(*args)
    except keyring.errors.NoKeyringError as exc:
        raise _no_backend(exc) from None
    except keyring.errors.PasswordDeleteError:
        raise
    except keyring.errors.KeyringError as exc:
        raise _keyring_failed(exc) from None
    except RuntimeError as exc:  # some backends raise this when locked or absent
        raise _no_backend(exc) from None


def parse_input(kind: str, text: str, auth: str | None = None) -> dict[str, str]:
    """Check one JSON object read from stdin against the fields ``kind`` takes."""
    required, optional = fields(kind, auth)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise CredentialsError(
            f"请在标准输入给出一个 JSON 对象，字段：{', '.join(required + optional)}。",
            f"Give one JSON object on standard input with the fields: {', '.join(required + optional)}.",
        )
    missing = [f for f in required if not str(data.get(f) or "").strip()]
    unknown = [f for f in data if f not in required + optional]
    if missing or unknown:
        raise CredentialsError(
            f"{kind} 凭据字段不对：缺少 {', '.join(missing) or '无'}；多余 {', '.join(unknown) or '无'}。",
            f"Wrong fields for {kind}: missing {', '.join(missing) or 'none'}; "
            f"unexpected {', '.join(unknown) or 'none'}.",
        )
    return {k: str(v).strip() for k, v in data.items() if v is not None and str(v).strip()}


def backend_name() -> str:
    """The keyring backend in use, by its dotted class name (the frozen app logs it at start)."""
    backend = type(_keyring().get_keyring())
    return f"{backend.__module__}.{backend.__qualname__}"


def _not_kept() -> CredentialsError:
    name = backend_name()
    return CredentialsError(
        f"系统钥匙串没有保存这些凭据（后端 {name} 不保存任何内容）。",
        f"The system keyring did not keep these credentials (the backend {name} keeps nothing).",
        advice=Advice.KEYRING_KEEPS_NOTHING,
    )


def store(kind: str, values: Mapping[str, str]) -> None:
    """Keep ``values`` in the keyring, and read them back: a backend that drops what it is given (the null
    one) must not leave the user thinking they are stored."""
    fields(kind, None)
    text = json.dumps(dict(values), ensure_ascii=False)
    _call("set_password", SERVICE, kind, text)
    if _call("get_password", SERVICE, kind) != text:
        raise _not_kept()


def load(kind: str) -> dict[str, str] | None:
    """The stored object, or ``None`` when nothing is stored for ``kind``."""
    fields(kind, None)
    text = _call("get_password", SERVICE, kind)
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def needed(kind: str, auth: str | None = None, transport: str | None = None) -> tuple[str, ...]:
    """The required fields of ``kind`` that the settings use: through 奇门 (``transport``, setting guanyi.transport)
    the gateway signs with the 奇门 secret, so 管易云's own secret is not needed."""
    required, _ = fields(kind, auth)
    if kind == "guanyi" and transport == "qimen":
        return tuple(name for name in required if name != "secret")
    return required


def require(kind: str, auth: str | None = None, transport: str | None = None) -> dict[str, str]:
    """The stored object with every field the settings need (:func:`needed`), or a :class:`CredentialsError` saying
    which are missing, with the advice to store them."""
    data = load(kind) or {}
    missing = [f for f in needed(kind, auth, transport) if not data.get(f)]
    if missing:
        zh_name, en_name = KIND_NAMES[kind]
        raise CredentialsError(
            f"钥匙串里没有完整的{zh_name}凭据（缺少 {', '.join(missing)}）。",
            f"The keyring holds no complete {en_name} credentials (missing {', '.join(missing)}).",
            advice=Advice.CREDENTIALS, kind=kind,
        )
    return data


def delete(kind: str) -> None:
    fields(kind, None)
    with contextlib.suppress(_keyring().errors.PasswordDeleteError):
        _call("delete_password", SERVICE, kind)


def check(jingcheng_auth: str = "token", transport: str = "direct") -> dict[str, dict[str, object]]:
    """Which credentials are present and complete for these settings — field names only, never values."""
    report: dict[str, dict[str, object]] = {}
    for kind in KINDS:
        data = load(kind) or {}
        report[kind] = {
            "present": bool(data),
            "complete": all(data.get(f) for f in needed(kind, jingcheng_auth, transport)),
            "fields": sorted(data),
        }
    return report


def incomplete() -> bool:
    """Whether the keyring lacks the credentials the settings need: 管易云's for the chosen transport (through 奇门,
    the 奇门 ones too), or 精诚's for its authentication mode — what the window's first-run guide is for. A keyring
    that cannot be read counts as lacking them: the guide's save then says what is wrong with it."""
    transport = settings.get("guanyi.transport")
    try:
        report = check(settings.get("jingcheng.auth"), transport)
    except (CredentialsError, ConfigError):
        return True
    kinds = ("guanyi", "qimen", "jingcheng") if transport == "qimen" else ("guanyi", "jingcheng")
    return not all(report[kind]["complete"] for kind in kinds)
