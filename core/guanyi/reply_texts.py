"""Read a JSON reply and keep, beside the objects, the exact text each record was sent as.

A pull stores every record's raw JSON. Writing each record back out (``dump_raw``) cost as much as
reading the whole reply, and was most of a pull's own time. The reply already holds that text:
this reader walks the envelope's outer objects itself and hands each element of the records array
to ``json``'s C scanner one at a time, so it knows where each record begins and ends, and keeps
that slice. The values are the same objects :func:`core.guanyi.returns.load_raw` gives — every decimal a
``Decimal`` — and the kept text is exactly what the server sent, numbers and key order included.

The walker is only a shortcut. A reply it does not expect — not JSON, extra data, a half emoji that
``load_raw`` mends (the slice would still hold the broken escape), bytes that are not UTF-8 — is
read by ``load_raw`` instead, with no texts kept, and the records are written out as before.
"""

from __future__ import annotations

import codecs
import json
import re
from decimal import Decimal
from json.decoder import scanstring
from typing import Any

from core.guanyi.returns import SURROGATE_ESCAPE_BYTES, load_raw

_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Decimal)
_SPACE = re.compile(r"[ \t\n\r]*")

# The deepest nesting a reply may have. Guanyi's has six levels (envelope, tradeReturns, a return, details, a line,
# payments); a deeper one is refused whole, so that no record kept in the file is too deep for ``json`` to read
# again later, from a call stack deeper than the reader's.
MAX_DEPTH = 64


class TooDeep(ValueError):
    """A reply nested deeper than :data:`MAX_DEPTH`, or too deep for ``json`` to read at all."""


class KeptTexts:
    """The text of each kept record, looked up by the record object itself (while the reply lives)."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}
        self._records: list[object] = []  # keeps each record alive, so its id() stays its own

    def __len__(self) -> int:
        return len(self._texts)

    def add(self, record: object, text: str) -> None:
        self._texts[id(record)] = text
        self._records.append(record)

    def text_of(self, record: object) -> str | None:
        return self._texts.get(id(record))


def load_keeping_texts(data: bytes, key: str, depth: int = 2) -> tuple[Any, KeptTexts]:
    """``load_raw(data)``, and the text of each object in an array named ``key`` found in the top-level
    object or in an object up to ``depth`` levels down (the 奇门 gateway wraps the envelope once)."""
    try:
        value, kept = _load(data, key, depth)
    except RecursionError:  # json's own limit, far below 100,000 levels
        raise TooDeep(f"nested deeper than {MAX_DEPTH} levels") from None
    check_depth(value)
    return value, kept


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeep` when ``value`` nests more than ``limit`` levels; a level at a time, no recursion."""
    # type() rather than isinstance(): json makes plain dicts and lists only, and this runs over every value of a
    # reply (0.5 s for 60 MB of lines, a tenth of reading them).
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise TooDeep(f"nested deeper than {limit} levels")
        inner: list[Any] = []
        add = inner.append
        for container in level:
            for item in container.values() if type(container) is dict else container:
                if type(item) is dict or type(item) is list:
                    add(item)
        level = inner


def _load(data: bytes, key: str, depth: int) -> tuple[Any, KeptTexts]:
    kept = KeptTexts()
    text = data.removeprefix(codecs.BOM_UTF8)
    if SURROGATE_ESCAPE_BYTES.search(text) is None:
        try:
            value, end = _value(text.decode("utf-8"), 0, key, depth, kept)
        except (ValueError, IndexError):  # malformed, or not what the walker expects: load_raw decides
            pass
        else:
            if end:
                return value, kept
    return load_raw(data), KeptTexts()


def _skip(s: str, i: int) -> int:
    return _SPACE.match(s, i).end()  # type: ignore[union-attr]  # matches the empty string at worst


def _value(s: str, i: int, key: str, depth: int, kept: KeptTexts, top: bool = True) -> tuple[Any, int]:
    """The value at ``s[i:]`` (after space) and where it ends; at the top, 0 unless only space follows."""
    i = _skip(s, i)
    if depth > 0 and s.startswith("{", i):
        value, end = _object(s, i, key, depth, kept)
    else:
        value, end = _DECODER.raw_decode(s, i)
    if top:
        return value, end if _skip(s, end) == len(s) else 0
    return value, end


def _object(s: str, i: int, key: str, depth: int, kept: KeptTexts) -> tuple[dict, int]:
    out: dict[str, Any] = {}
    i = _skip(s, i + 1)
    if s.startswith("}", i):
        return out, i + 1
    while True:
        if not s.startswith('"', i):
            raise ValueError("a name was expected")
        name, i = scanstring(s, i + 1)
        i = _skip(s, i)
        if not s.startswith(":", i):
            raise ValueError("':' was expected")
        i = _skip(s, i + 1)
        if name == key and s.startswith("[", i):
            out[name], i = _array(s, i, kept)
        else:
            out[name], i = _value(s, i, key, depth - 1, kept, top=False)
        i, closed = _next(s, i, "}")
        if closed:
            return out, i


def _array(s: str, i: int, kept: KeptTexts) -> tuple[list, int]:
    out: list[Any] = []
    i = _skip(s, i + 1)
    if s.startswith("]", i):
        return out, i + 1
    while True:
        item, end = _DECODER.raw_decode(s, i)
        out.append(item)
        if isinstance(item, dict):
            kept.add(item, s[i:end])
        i, closed = _next(s, end, "]")
        if closed:
            return out, i


def _next(s: str, i: int, close: str) -> tuple[int, bool]:
    """After a member or an element: where the next one starts (False), or past ``close`` (True)."""
    i = _skip(s, i)
    if s.startswith(",", i):
        return _skip(s, i + 1), False
    if s.startswith(close, i):
        return i + 1, True
    raise ValueError(f"',' or '{close}' was expected")
