"""Keep secrets out of every text that may reach a person, a log line or the database.

Two guards: :func:`scrub` for texts we show or store (remote error messages, replies), and a
filter on urllib3's DEBUG request line, whose query string can carry a ``sign`` or ``session``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# Shorter values would blank out ordinary words and numbers; real keys are far longer.
MIN_SECRET_LENGTH = 4
# Anything shaped like an MD5 or SHA-256 signature is hidden: a gateway that echoes the expected
# sign would otherwise hand it to the log.
_SIGN_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{32})(?![0-9A-Za-z])")


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret value (of at least :data:`MIN_SECRET_LENGTH` characters) replaced
    by ``***``, and nothing else: a hex run that is no known secret stays."""
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    return text


def scrub(text: object, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value and every signature-like token replaced by ``***``."""
    return _SIGN_LIKE.sub(MASK, mask_secrets("" if text is None else str(text), secrets))


def shown_url(url: str, *, keep_query: bool = False) -> str:
    """``url`` for a message: without a ``user:password@``, and without its query and fragment (a query may
    carry a sign) unless ``keep_query``."""
    parts = urlsplit(url)
    parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
    if not keep_query:
        parts = parts._replace(query="", fragment="")
    return urlunsplit(parts)


# A query parameter that carries a credential: the Qimen and md5-sign query strings hold sign and session, and the
# app keys they are made with (a credential the user keeps in the keyring, so never in a log either).
_SECRET_PARAMETER = re.compile(r"((?:^|[?&])(?:sign|session|sessionkey|app_key|appkey)=)[^&\s\"']*")
# The user:password@ of a URL written in a text.
_USERINFO = re.compile(r"(?<=//)[^/\s@:]+:[^/\s@]*@")
# An Authorization header's credentials, as a dict or a request dump writes them.
_AUTHORIZATION = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic)\s+)[^'\"\s,}]+")


def mask_query(text: str) -> str:
    """A request line or URL with the values of its secret query parameters replaced by ``***``."""
    return _SECRET_PARAMETER.sub(r"\1" + MASK, text)


def crash_text(text: str, secrets: Iterable[str] = ()) -> str:
    """A traceback (or any free text an exception made) fit for the log file: an exception's text may quote a
    request — its URL with the query's sign and app key, a ``user:password@``, a header — so the known ``secrets``,
    every signature-like token, the secret query parameters and a URL's user:password are masked."""
    text = _AUTHORIZATION.sub(r"\1" + MASK, _USERINFO.sub(MASK + "@", mask_query(text)))
    return scrub(text, secrets)


class _RedactQuery(logging.Filter):
    """urllib3 logs every request line at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_query(a) if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactQuery())
