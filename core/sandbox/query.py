"""The parameters of ``gy.erp.trade.return.get`` (SPEC §2.3) and which records they select.

Parameters arrive as numbers (direct JSON) or as strings (Qimen form body); both mean the same.
Date ranges are inclusive at both ends, to the second, in China time. An empty value is no filter.
"""

from __future__ import annotations

import bisect
import copy
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.guanyi.returns import dump_raw
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
    # The same texts come back again and again: a rebuilt index (after any change to the records) reads every
    # record's dates anew, and each request runs Query.matches on its candidates and on every record the
    # index cannot follow. The cache spares a strptime each time.
    return parse_datetime(text)


# --- Served records that say when they change, and an index over them --------------------------------------
#
# Every request used to scan every record (and copy and write out its page). The simulator now keeps its
# records in containers that report each change, so it can keep, per time axis, the records sorted by that
# date (a range is found by bisection, the other filters run on that slice only) and, per record, its JSON
# text until the record changes. A record the index cannot follow — a plain dict appended from outside, one
# given a container it does not own, one whose code or dates would raise — is checked in full on every
# request, as before, so what is served never depends on the index.

_SCALARS = (str, int, float, Decimal, type(None))  # bool is an int


class _Tracker:
    """One per record list: ``dirty`` once anything in it changed since the index was built."""

    __slots__ = ("dirty",)

    def __init__(self) -> None:
        self.dirty = True


class _Cell:
    """One per record: its cached JSON text, and whether it can still be followed."""

    __slots__ = ("root", "text", "volatile", "tracker")

    def __init__(self, tracker: _Tracker) -> None:
        self.root: TrackedDict | None = None
        self.text: str | None = None
        self.volatile = False
        self.tracker = tracker


def _changed(cell: _Cell, values: Iterable[object] = ()) -> None:
    cell.text = None
    cell.tracker.dirty = True
    if not cell.volatile and not all(isinstance(value, _SCALARS) for value in values):
        cell.volatile = True  # a container put in from outside may be changed through another reference


class TrackedDict(dict):
    """A dict (a record, or an object inside one) that reports every change to its record's cell."""

    __slots__ = ("_cell",)

    def __setitem__(self, key, value) -> None:
        dict.__setitem__(self, key, value)
        _changed(self._cell, (value,))

    def __delitem__(self, key) -> None:
        dict.__delitem__(self, key)
        _changed(self._cell)

    def pop(self, *args):
        try:
            return dict.pop(self, *args)
        finally:
            _changed(self._cell)

    def popitem(self):
        try:
            return dict.popitem(self)
        finally:
            _changed(self._cell)

    def clear(self) -> None:
        dict.clear(self)
        _changed(self._cell)

    def setdefault(self, key, default=None):
        try:
            return dict.setdefault(self, key, default)
        finally:
            _changed(self._cell, (default,))

    def update(self, *args, **kwargs) -> None:
        items = dict(*args, **kwargs)
        dict.update(self, items)
        _changed(self._cell, items.values())

    def __ior__(self, other):
        self.update(other)
        return self

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo: dict) -> dict:
        result: dict = {}
        memo[id(self)] = result
        for key, value in self.items():
            result[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
        return result

    def __reduce_ex__(self, protocol):
        return dict, (dict(self),)


class _NotingList(list):
    """A list that notes each change through :meth:`_note` (given the values put in, if any), but copies and
    pickles as a plain list, and whose ``+=`` goes through ``extend`` so the change is noted."""

    def _note(self, values: Iterable[object] = ()) -> None:
        raise NotImplementedError

    def append(self, value) -> None:
        list.append(self, value)
        self._note((value,))

    def extend(self, values) -> None:
        values = list(values)
        list.extend(self, values)
        self._note(values)

    def insert(self, index, value) -> None:
        list.insert(self, index, value)
        self._note((value,))

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            value = list(value)
            list.__setitem__(self, index, value)
            self._note(value)
        else:
            list.__setitem__(self, index, value)
            self._note((value,))

    def __delitem__(self, index) -> None:
        list.__delitem__(self, index)
        self._note()

    def pop(self, *args):
        try:
            return list.pop(self, *args)
        finally:
            self._note()

    def remove(self, value) -> None:
        list.remove(self, value)
        self._note()

    def clear(self) -> None:
        list.clear(self)
        self._note()

    def sort(self, *args, **kwargs) -> None:
        list.sort(self, *args, **kwargs)
        self._note()

    def reverse(self) -> None:
        list.reverse(self)
        self._note()

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __imul__(self, count):
        list.__imul__(self, count)
        self._note()
        return self

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo: dict) -> list:
        result: list = []
        memo[id(self)] = result
        result.extend(copy.deepcopy(value, memo) for value in self)
        return result

    def __reduce_ex__(self, protocol):
        return list, (list(self),)


class TrackedList(_NotingList):
    """A list inside a record that reports every change to its record's cell."""

    __slots__ = ("_cell",)

    def _note(self, values: Iterable[object] = ()) -> None:
        _changed(self._cell, values)


class RecordList(_NotingList):
    """The simulator's records: adding, removing or reordering them marks the index for rebuilding.

    A plain dict added from outside is kept as it is (the caller may still change it through its own
    reference) and is therefore checked in full on every request; :meth:`adopt` adds a new record the
    caller gives up, as one the index follows.
    """

    __slots__ = ("tracker",)

    def __init__(self, records: Iterable[dict] = ()) -> None:
        super().__init__()
        self.tracker = _Tracker()
        list.extend(self, (self._own(record) for record in records))

    def _own(self, record: dict) -> object:
        if not isinstance(record, dict) or isinstance(record, TrackedDict):
            return record
        cell = _Cell(self.tracker)
        tracked = _track(record, cell)
        cell.root = tracked
        return tracked

    def adopt(self, record: dict) -> None:
        """Append ``record``, which nobody else keeps, so that its changes are followed."""
        list.append(self, self._own(record))
        self._note()

    def _note(self, values: Iterable[object] = ()) -> None:
        self.tracker.dirty = True


_SCALAR_TYPES = frozenset((str, int, float, bool, Decimal, type(None)))


def _track(value: object, cell: _Cell) -> object:
    if type(value) in _SCALAR_TYPES:
        return value
    if isinstance(value, dict):
        tracked = TrackedDict()
        tracked._cell = cell
        dict.update(tracked, ((key, _track(item, cell)) for key, item in value.items()))
        return tracked
    if isinstance(value, list):
        tracked_list = TrackedList()
        tracked_list._cell = cell
        list.extend(tracked_list, (_track(item, cell) for item in value))
        return tracked_list
    if not isinstance(value, _SCALARS):
        cell.volatile = True
    return value


class RecordIndex:
    """Which records of a :class:`RecordList` a query selects, in the order served, without a full scan.

    The order is ``order_key(code)``, ties in list order — what a stable sort of the list by that key gives.
    """

    def __init__(self, records: RecordList, order_key: Callable[[str], str]) -> None:
        self._records = records
        self._order_key = order_key
        self._all: list[tuple[str, int, dict]] = []
        self._axes: dict[str, tuple[list[datetime], list[tuple[str, int, dict]]]] = {}
        self._loose: list[tuple[int, dict]] = []

    def select(self, query: Query) -> list[dict]:
        if self._records.tracker.dirty:
            self._rebuild()
        if query.ranges:
            candidates: list[tuple[str, int, dict]] | None = None
            for field, (low, high) in query.ranges.items():
                dates, entries = self._axes[field]
                first = 0 if low is None else bisect.bisect_left(dates, low)
                last = len(dates) if high is None else bisect.bisect_right(dates, high)
                if candidates is None or last - first < len(candidates):
                    candidates = entries[first:last] if first < last else []
            assert candidates is not None
            matched = [entry for entry in candidates if query.matches(entry[2])]
            matched.sort(key=_entry_order)
        else:
            matched = [entry for entry in self._all if query.matches(entry[2])]
        if self._loose:
            loose = [(self._order_key(record["code"]), position, record)
                     for position, record in self._loose if query.matches(record)]
            if loose:
                matched.extend(loose)
                matched.sort(key=_entry_order)
        return [entry[2] for entry in matched]

    def warm(self) -> None:
        """Build the index and write every record's text now, not on the first request."""
        if self._records.tracker.dirty:
            self._rebuild()
        for record in self._records:
            self.text(record)

    @staticmethod
    def text(record: dict) -> str:
        """The record's compact JSON (``dump_raw``), kept until the record changes."""
        cell = getattr(record, "_cell", None) if type(record) is TrackedDict else None
        if cell is None or cell.root is not record or cell.volatile:
            return dump_raw(record)
        if cell.text is None:
            cell.text = dump_raw(record)
        return cell.text

    def _rebuild(self) -> None:
        tracker = self._records.tracker
        tracker.dirty = False  # first: a change made while this runs marks it again
        every: list[tuple[str, int, dict]] = []
        loose: list[tuple[int, dict]] = []
        axes: dict[str, list[tuple[datetime, str, int, dict]]] = {field: [] for field in RANGES.values()}
        for position, record in enumerate(self._records):
            cell = getattr(record, "_cell", None) if type(record) is TrackedDict else None
            entry = None
            if cell is not None and cell.root is record and not cell.volatile and cell.tracker is tracker:
                code = record.get("code")
                try:
                    dates = {field: _record_date(record.get(field)) for field in axes}
                except ValueError:
                    dates = None
                if isinstance(code, str) and dates is not None:
                    entry = (self._order_key(code), position, record)
                    for field, value in dates.items():
                        if value is not None:
                            axes[field].append((value, *entry))
            if entry is None:
                loose.append((position, record))
            else:
                every.append(entry)
        every.sort(key=_entry_order)
        self._all = every
        self._loose = loose
        self._axes = {}
        for field, dated in axes.items():
            dated.sort(key=lambda item: (item[0], item[1], item[2]))
            self._axes[field] = ([item[0] for item in dated], [item[1:] for item in dated])


def _entry_order(entry: tuple[str, int, dict]) -> tuple[str, int]:
    return entry[0], entry[1]
