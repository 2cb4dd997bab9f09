"""A 管易云 退货单 (``tradeReturns[i]``, SPEC §2.5) parsed into typed objects.

Types drift between tenants and years, so every field is read defensively: numbers may be
``2``, ``2.0``, ``"2"``, ``"146.0000"`` or ``null``; flags ``true``/``0``/``"1"``; dates text or
``null``; lists ``[]`` or ``null``. Money and quantities become :class:`~decimal.Decimal` from
their text (a float goes through ``str()`` first); ids stay text. The raw object is kept whole.

A reply is read with :func:`load_raw`, which makes every JSON decimal a ``Decimal`` (``json``'s
default, and ``requests``' ``.json()``, would make it a float), and kept with :func:`dump_raw`,
which writes it back as the same number: ``146.10`` stays ``146.10``, and an amount with more
digits than a float holds arrives whole.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ReturnSyncError

_TRUE_TEXT = {"1", "true", "yes", "y", "是", "t"}
_FALSE_TEXT = {"0", "false", "no", "n", "否", "f", ""}
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
)
# The form Guanyi nearly always sends, read without strptime (most of a record's parse time); anything
# else, or a date that does not exist, goes through _DATE_FORMATS as before.
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


# A Decimal travels through json.dumps as this marked string, then loses the mark and its quotes.
_NUMBER_MARK = "\x00\x1fdecimal:"
_MARKED_NUMBER = re.compile(r'"\\u0000\\u001fdecimal:([-+0-9.Ee]+|NaN|-?Infinity)"')


def load_raw(text: str | bytes) -> Any:
    """JSON text as objects, every non-integral number a ``Decimal`` (never a float).

    A ``\\uD83D`` escape with no partner (an emoji a platform cut in half) would give a string that
    UTF-8 — and so SQLite, the log and the 精诚 body — cannot hold; such halves become U+FFFD.
    """
    if isinstance(text, bytes):
        text = text.removeprefix(codecs.BOM_UTF8)  # json.loads refuses bytes that start with a BOM
        escaped = SURROGATE_ESCAPE_BYTES.search(text)
    else:
        escaped = _SURROGATE_ESCAPE.search(text)
    # NaN and Infinity, which json takes though JSON has no such words, become Decimals too: never a float.
    value = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    return _mend_surrogates(value) if escaped else value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _mend_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        # Pairs become their character again; a lone half becomes U+FFFD.
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_mend_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    return value


def dump_raw(value: Any, indent: int | None = None) -> str:
    """JSON, non-ASCII unescaped, each ``Decimal`` written as the number it is (``146.10``): compact,
    or indented for people to read."""
    marked = False

    def number(obj: object) -> str:
        nonlocal marked
        if isinstance(obj, Decimal) and (obj.is_finite() or obj.is_infinite() or obj.is_qnan()):
            # NaN and ±Infinity as json writes them, and load_raw reads them back: the record as it was sent.
            marked = True
            return _NUMBER_MARK + ("NaN" if obj.is_nan() else str(obj))
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(value, ensure_ascii=False, separators=separators, indent=indent, default=number)
    return _MARKED_NUMBER.sub(r"\1", text) if marked else text


class InvalidRecord(ReturnSyncError):
    """A record that cannot be kept at all (it has no ``code``)."""


def to_decimal(value: Any) -> Decimal | None:
    """A number from any of its drifted forms; ``None`` when absent or not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        # A float goes through str() so 146.1 stays 146.1, not its binary neighbour.
        text = str(value).strip().replace(",", "")
        if not text or text.lower() == "null":
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def to_bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value != 0
    if isinstance(value, float):
        return value != 0.0
    text = str(value).strip().lower()
    if text in _TRUE_TEXT:
        return True
    if text in _FALSE_TEXT:
        return default if text == "" else False
    number = to_decimal(text)
    return default if number is None else number != 0


def to_text(value: Any) -> str:
    """Text of a code, name or id. Integers stay exact; ``null`` becomes ``""``."""
    if type(value) is str:  # most fields: skip the checks below
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Only reached when a tenant sent an id as a JSON float; str() would add ".0".
        return str(Decimal(str(value)).quantize(Decimal(1)))
    if (isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 40
            and value == value.to_integral_value()):
        # An id sent as a JSON decimal (read by load_raw): its digits, without ".0" or an exponent. Not for an
        # absurd one (1e999999999 would be a billion digits): that stays as sent.
        return format(value.to_integral_value(), "f")
    return str(value).strip()


def to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if _PLAIN_DATE.fullmatch(text):
        try:
            return datetime(int(text[:4]), int(text[5:7]), int(text[8:10]),
                            int(text[11:13]), int(text[14:16]), int(text[17:19]))
        except ValueError:
            pass
    text = text.split(".")[0] if "." in text[10:] else text  # drop fractional seconds
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict_items(value: Any) -> list[dict]:
    return [item for item in _list(value) if isinstance(item, dict)]


@dataclass(frozen=True)
class ReturnLine:
    """One line of ``details[]``."""

    qty: Decimal | None
    real_in: Decimal | None
    price: Decimal | None
    amount: Decimal | None
    amount_after: Decimal | None
    discount_fee: Decimal | None
    post_fee: Decimal | None
    note: str
    oid: str
    sku_code: str
    item_code: str
    item_name: str
    sku_note: str
    item_id: str
    item_sku_id: str
    is_gift: bool
    detail_unique: str
    detail_batch: str
    combine_item_code: str
    raw: dict

    @classmethod
    def parse(cls, raw: dict) -> ReturnLine:
        return cls(
            qty=to_decimal(raw.get("qty")),
            real_in=to_decimal(raw.get("real_in")),
            price=to_decimal(raw.get("price")),
            amount=to_decimal(raw.get("amount")),
            amount_after=to_decimal(raw.get("amount_after")),
            discount_fee=to_decimal(raw.get("discount_fee")),
            post_fee=to_decimal(raw.get("post_fee")),
            note=to_text(raw.get("note")),
            oid=to_text(raw.get("oid")),
            sku_code=to_text(raw.get("sku_code")),
            item_code=to_text(raw.get("item_code")),
            item_name=to_text(raw.get("item_name")),
            sku_note=to_text(raw.get("sku_note")),
            item_id=to_text(raw.get("item_id")),
            item_sku_id=to_text(raw.get("item_sku_id")),
            is_gift=to_bool(raw.get("is_gift")),
            detail_unique=to_text(raw.get("detail_unique")),
            detail_batch=to_text(raw.get("detail_batch")),
            combine_item_code=to_text(raw.get("combine_item_code")),
            raw=raw,
        )


@dataclass(frozen=True)
class ReturnOrder:
    """One 退货单 as 管易云 sent it, typed; ``raw`` keeps every field, listed or not."""

    id: str
    code: str
    reason: str
    note: str
    create_date: datetime | None
    approve_date: datetime | None
    receive_date: datetime | None
    modify_date: datetime | None
    approve: bool
    receive: bool
    cancel: bool
    shop_name: str
    shop_code: str
    platform_code: str
    platform_refund_id: str
    sanwu_package: bool
    vip_code: str
    warehousein_code: str
    warehouseout_code: str
    location_code: str
    express_code: str
    express_name: str
    express_num: str
    receiver_phone: str
    lines: tuple[ReturnLine, ...]
    payments: tuple[dict, ...]
    raw: dict


def record_code(raw: object) -> str:
    """The ``code`` of one ``tradeReturns[i]``; raises :class:`InvalidRecord` when there is none to key it by."""
    if not isinstance(raw, dict):
        raise InvalidRecord("收到的退货单不是对象，无法读取。", "A return record is not a JSON object.")
    code = to_text(raw.get("code"))
    if not code:
        raise InvalidRecord(
            f"收到一条没有单据编号（code）的退货单（id {to_text(raw.get('id')) or '空'}），已跳过。",
            f"A return without a code (id {to_text(raw.get('id')) or 'empty'}) was skipped.",
        )
    return code


def _details(raw: dict) -> list[dict]:
    return _dict_items(raw.get("details"))


def line_count(raw: object) -> int:
    """How many lines :func:`parse_return` would give, without typing them; 0 for what is not a record."""
    return len(_details(raw)) if isinstance(raw, dict) else 0


def parse_return(raw: dict) -> ReturnOrder:
    """Type one ``tradeReturns[i]`` object. Raises :class:`InvalidRecord` only when it has no code."""
    code = record_code(raw)
    details = _details(raw)
    # The published field list puts payments under details; real tenants send them at the top.
    payments = _dict_items(raw.get("payments")) + [p for d in details for p in _dict_items(d.get("payments"))]
    return ReturnOrder(
        id=to_text(raw.get("id")),
        code=code,
        reason=to_text(raw.get("reason")),
        note=to_text(raw.get("note")),
        create_date=to_datetime(raw.get("create_date")),
        approve_date=to_datetime(raw.get("approve_date")),
        receive_date=to_datetime(raw.get("receive_date")),
        modify_date=to_datetime(raw.get("modify_date")),
        approve=to_bool(raw.get("approve")),
        receive=to_bool(raw.get("receive")),
        cancel=to_bool(raw.get("cancel")),
        shop_name=to_text(raw.get("shop_name")),
        shop_code=to_text(raw.get("shop_code")),
        platform_code=to_text(raw.get("platform_code")),
        platform_refund_id=to_text(raw.get("platform_refund_id")),
        sanwu_package=to_bool(raw.get("sanwu_package")),
        vip_code=to_text(raw.get("vip_code")),
        warehousein_code=to_text(raw.get("warehousein_code")),
        warehouseout_code=to_text(raw.get("warehouseout_code")),
        location_code=to_text(raw.get("location_code")),
        express_code=to_text(raw.get("express_code")),
        express_name=to_text(raw.get("express_name")),
        express_num=to_text(raw.get("express_num")),
        receiver_phone=to_text(raw.get("receiver_phone")),
        lines=tuple(ReturnLine.parse(d) for d in details),
        payments=tuple(payments),
        raw=raw,
    )
