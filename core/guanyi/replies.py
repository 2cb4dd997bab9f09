"""What a 管易云 reply means: the envelope's verdict (SPEC §2.1), the page of returns it carries, and the failures
worth another attempt.

An attempt that failed in a way a later one may not (a dropped connection, HTTP 5xx, an unreadable body) is a
:class:`Retry`; an authentication or business answer is final and raises its own :class:`~core.errors.RemoteError`.
Every remote text is scrubbed of the secrets before it reaches a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.advice import KIND_NAMES, Advice
from core.errors import AuthError, BusinessError, RemoteError, ServerError
from core.guanyi.reply_texts import KeptTexts
from core.guanyi.returns import to_decimal
from core.i18n import t
from core.redact import scrub


@dataclass(frozen=True)
class ReturnsPage:
    """One page of ``gy.erp.trade.return.get``: the server's ``total`` for the filter, and the records."""

    total: int
    records: list[dict]
    texts: list[str | None] = field(default_factory=list)  # each record's JSON as sent; None where not kept

    def text_of(self, index: int) -> str | None:
        return self.texts[index] if index < len(self.texts) else None



class Retry(Exception):
    """An attempt failed in a way a later attempt may not: carries the error to report if none succeeds.

    ``advised`` says that ``zh``/``en`` already tell the user what to do; otherwise ``_ADVICE`` is added.
    """

    def __init__(
        self, kind: type[RemoteError], zh: str, en: str, retry_after: float = 0.0, *, advised: bool = False,
        brief: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(en)
        self.kind, self.zh, self.en, self.retry_after, self.advised = kind, zh, en, retry_after, advised
        # A few words for the retry shown as it happens ("第 2 次重试…（超时）"); the full text is for the end.
        self.brief = brief or (("服务器出错", "server error") if kind is ServerError else ("网络出错", "network error"))


@dataclass(frozen=True)
class RetryNote:
    """A retry about to start: the ``number``-th of at most ``of``, and in a few words why (zh, en)."""

    number: int
    of: int
    zh: str
    en: str

    def __str__(self) -> str:
        return t(f"第 {self.number} 次重试…（{self.zh}）", f"Retry {self.number}… ({self.en})")


def unreadable(zh_detail: str, en_detail: str) -> Retry:
    return Retry(
        ServerError, f"管易云的回复无法读取（{zh_detail}）", f"The reply of Guanyi cannot be read ({en_detail})",
        brief=("回复无法读取", "unreadable reply"),
    )


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


def auth_error(kind: str, field: str, zh_what: str, en_what: str, remote: str) -> AuthError:
    zh_name, en_name = KIND_NAMES[kind]
    return AuthError(
        f"{zh_what}（对方回复：{remote}）。请核对{zh_name}凭据中的 {field}。",
        f"{en_what} (the server said: {remote}). Check the {field} of the {en_name} credentials.",
        advice=Advice.CREDENTIALS, kind=kind,
    )


def guanyi_envelope(payload: object, secrets: tuple[str, ...]) -> dict:
    """Check a Guanyi envelope (SPEC §2.1): return it on success, raise the matching error otherwise."""
    if not isinstance(payload, dict):
        raise unreadable("不是 JSON 对象", "not a JSON object")
    success = _is_true(payload.get("success"))
    if success is None and "tradeReturns" in payload and not payload.get("errorDesc"):
        success = True  # keys vary by tenant; a list of returns with no error text is an answer
    if success:
        return payload
    desc = scrub(payload.get("errorDesc") or payload.get("errorCode") or "", secrets)
    sub = scrub(payload.get("subErrorDesc") or payload.get("subErrorCode") or "", secrets)
    if success is None and not desc and not sub:
        raise unreadable("缺少 success", "no 'success' key")
    remote = " / ".join(part for part in (desc, sub) if part) or "—"
    field = _guanyi_auth_field(desc)
    if field == "secret":
        raise auth_error("guanyi", "secret", "管易云拒绝了请求签名", "Guanyi rejected the request signature", remote)
    if field:
        raise auth_error("guanyi", field, f"管易云不认可 {field}", f"Guanyi does not accept the {field}", remote)
    raise BusinessError(
        f"管易云返回错误：{remote}", f"Guanyi answered with an error: {remote}"
    )


def int_or_none(value: object) -> int | None:
    """A count in any of the number forms of SPEC §2.5 (``3``, ``3.0``, ``"3"``, ``"3.0000"``); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < _MAX_COUNT else None
    number = to_decimal(value)
    if number is None or number < 0 or number >= _MAX_COUNT or number != number.to_integral_value():
        return None
    return int(number)


# No count of Guanyi's comes near it; a larger one (1e309, a number of 4,000 digits) is taken for no count at all.
_MAX_COUNT = 10**15


# The array of records in a reply of gy.erp.trade.return.get; the text of each is kept as it was sent.
RECORDS_KEY = "tradeReturns"


def read_returns_page(envelope: dict, texts: KeptTexts | None = None) -> ReturnsPage:
    """``tradeReturns`` and ``total`` of an envelope; an inconsistent one is unreadable (and retried)."""
    records = envelope.get(RECORDS_KEY)
    if records is None:
        records = []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise unreadable("tradeReturns 不是对象列表", "tradeReturns is not a list of objects")
    total = int_or_none(envelope.get("total"))
    if total is None:
        if records:
            raise unreadable("缺少 total", "no usable 'total'")
        total = 0
    kept = [texts.text_of(r) for r in records] if texts else []
    return ReturnsPage(total=total, records=records, texts=kept)


