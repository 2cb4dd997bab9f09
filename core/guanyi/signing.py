"""Signatures of the 管易云 open API (SPEC §2.1) and of the 奇门 gateway (SPEC §2.2).

Shared by the client and the sandbox so that both sides sign the very same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping

QIMEN_SIGN_METHODS = ("md5", "hmac", "hmac-sha256")


def guanyi_json(params: Mapping[str, object]) -> str:
    """Compact JSON in insertion order, non-ASCII unescaped: the text Guanyi signs."""
    return json.dumps(params, ensure_ascii=False, separators=(",", ":"))


def md5_sign(secret: bytes, data: bytes) -> str:
    """MD5 of ``secret + data + secret`` in upper-case hex: the signature of 管易云, of 奇门's ``md5`` method
    and of 精诚's ``md5-sign`` mode."""
    return hashlib.md5(secret + data + secret).hexdigest().upper()


def guanyi_sign_text(secret: str, text: str) -> str:
    return md5_sign(secret.encode("utf-8"), text.encode("utf-8"))


def guanyi_signed_body(params: Mapping[str, object], secret: str) -> bytes:
    """The exact bytes to POST: the signed JSON with ``,"sign":"…"`` appended before ``}``."""
    text = guanyi_json(params)
    sign = guanyi_sign_text(secret, text)
    return (text[:-1] + ',"sign":"' + sign + '"}').encode("utf-8")


# Java's Character.isWhitespace, which the TOP gateway's StringUtils.isEmpty applies to every character: the
# separators of Unicode but the three that do not break a line (U+00A0, U+2007, U+202F), and these controls.
_JAVA_SPACE_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_JAVA_NOT_SPACE = frozenset("\u00a0\u2007\u202f")


def blank(value: object) -> bool:
    """True for what the TOP gateway leaves out of a signature as empty: ``None``, ``""``, or text made of
    whitespace only (as Java's ``Character.isWhitespace`` counts it). A value never signed must never be sent
    either: the client drops it from the request."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return all(
        c in _JAVA_SPACE_CONTROLS or (c not in _JAVA_NOT_SPACE and unicodedata.category(c) in ("Zs", "Zl", "Zp"))
        for c in value
    )


def qimen_sign_string(params: Mapping[str, str]) -> str:
    """All parameters but ``sign`` and blank values (see :func:`blank`), keys in byte order, as ``key+value``."""
    items = [(k, v) for k, v in params.items() if k != "sign" and not blank(v)]
    items.sort(key=lambda kv: kv[0].encode("utf-8"))
    return "".join(f"{k}{v}" for k, v in items)


def qimen_sign(params: Mapping[str, str], secret: str, method: str = "md5") -> str:
    text = qimen_sign_string(params).encode("utf-8")
    key = secret.encode("utf-8")
    if method == "md5":
        return md5_sign(key, text)
    if method == "hmac":
        return hmac.new(key, text, hashlib.md5).hexdigest().upper()
    if method == "hmac-sha256":
        return hmac.new(key, text, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown Qimen sign_method {method!r}; use one of {', '.join(QIMEN_SIGN_METHODS)}")
