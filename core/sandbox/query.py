"""The parameters of ``gy.erp.trade.return.get`` (SPEC §2.3) and which records they select.

Parameters arrive as numbers (direct JSON) or as strings (Qimen form body); both mean the same.
Date ranges are inclusive at both ends, to the second, in China time. An empty value is no filter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.timeutil import parse_datetime

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100

# (from, to) parameter names -> the record's date field.
RANGES = {
    ("start_create", "end_create"): "create_date",
    ("in_begin_time", "in_end_time"): "receive_date",
    ("modify_start_date", "modify_end_date"): "modify_date",
}
# parameter -> record field compared as text.
TEXTS = {
    "code": "code",
    "shop_code": "shop_code",
    "drp_tenant_name": "drp_tenant_name",
    "platform_code": "platform_code",
    "return_type": "return_type",
    "express_no": "express_num",
    "vip_name": "vip_name",
    "receiver_name": "receiver_name",
    "receiver_phone": "receiver_phone",
    "warehousein_code": "warehousein_code",
    "warehouseout_code": "warehouseout_code",
}
# parameter -> record flag; a null flag counts as 0 (``agree_refuse`` is often null).
FLAGS = {"agree": "agree_refuse", "receive": "receive", "cancel": "cancel", "no_parcel": "sanwu_package"}


class ParamError(ValueError):
    """A parameter Guanyi would refuse with ``PARAM ERR``; the text is the sub-description."""


@dataclass(frozen=True)
class Query:
    ranges: dict[str, tuple[datetime | None, datetime | None]]
    texts: dict[str, str]
    flags: dict[str, bool]
    page_no: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def matches(self, record: Mapping[str, object]) -> bool:
        for field, (low, high) in self.ranges.items():
            value = _record_date(record.get(field))
            if value is None or (low is not None and value < low) or (high is not None and value > high):
                return False
        for field, wanted in self.texts.items():
            value = record.get(field)
            if value is None or _text(value) != wanted:
                return False
        return all(_record_flag(record.get(field)) == wanted for field, wanted in self.flags.items())


def parse_query(params: Mapping[str, object]) -> Query:
    """The filters and page of ``params``; raises :class:`ParamError` like Guanyi's ``PARAM ERR``."""
    ranges = {}
    for (low_name, high_name), field in RANGES.items():
        low, high = _param_date(params, low_name), _param_date(params, high_name)
        if low is not None or high is not None:
            ranges[field] = (low, high)
    texts = {field: _text(params[name]) for name, field in TEXTS.items() if _given(params.get(name))}
    flags = {field: _param_flag(name, params[name]) for name, field in FLAGS.items() if _given(params.get(name))}
    page_no = _param_int(params, "page_no", 1)
    page_size = _param_int(params, "page_size", DEFAULT_PAGE_SIZE)
    if page_no < 1:
        raise ParamError(f"page_no必须从1开始: {page_no}")
    if page_size < 1:
        raise ParamError(f"page_size必须大于0: {page_size}")
    return Query(ranges, texts, flags, page_no, min(page_size, MAX_PAGE_SIZE))


def _given(value: object) -> bool:
    return value is not None and value != ""


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def _param_date(params: Mapping[str, object], name: str) -> datetime | None:
    value = params.get(name)
    if not _given(value):
        return None
    if not isinstance(value, str):
        raise ParamError(f"{name}格式错误，应为yyyy-MM-dd HH:mm:ss: {value!r}")
    try:
        return parse_datetime(value)
    except ValueError:
        raise ParamError(f"{name}格式错误，应为yyyy-MM-dd HH:mm:ss: {value}") from None


def _param_int(params: Mapping[str, object], name: str, default: int) -> int:
    value = params.get(name)
    if not _given(value):
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ParamError(f"{name}必须是整数: {value!r}")


def _param_flag(name: str, value: object) -> bool:
    text = _text(value).lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ParamError(f"{name}只能是0或1: {value!r}")


def _record_flag(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value)


def _record_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return _parsed_date(value)


@functools.lru_cache(maxsize=1 << 16)
def _parsed_date(text: str) -> datetime:
    # Every request scans every record; strptime was most of a 10,000-record sandbox's time per page.
    return parse_datetime(text)
