"""The SheetDate format setting: a ``yyyy-MM-dd`` style pattern, as accountants know it from Excel and Qt.

Letters: ``yyyy`` (2021), ``yy`` (21), ``MM`` (03), ``M`` (3), ``dd`` (09), ``d`` (9). Anything that is not
an ASCII letter is kept as written (``-``, ``/``, ``.``, spaces, ``年月日``). Year, month and day must
each appear exactly once; any other letter is refused, because ``YYYY`` or ``DD`` is a typo that would
otherwise silently put letters into every sheet.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from core.errors import ConfigError

_TOKEN = re.compile(r"([A-Za-z])\1*|[^A-Za-z]+")  # a run of one letter, or literal text
_FIELDS = {
    "yyyy": lambda d: f"{d.year:04d}",
    "yy": lambda d: f"{d.year % 100:02d}",
    "MM": lambda d: f"{d.month:02d}",
    "M": lambda d: str(d.month),
    "dd": lambda d: f"{d.day:02d}",
    "d": lambda d: str(d.day),
}


@lru_cache(maxsize=16)  # one pattern is in use at a time; every return of a push formats a date with it
def _parts(pattern: str) -> tuple[str, ...]:
    """The pattern split into field letters and literal text; raises :class:`ConfigError` if it is unusable
    (an error is not cached: it is raised on every call)."""
    parts = tuple(match.group(0) for match in _TOKEN.finditer(pattern))
    letters = [part for part in parts if part[0].isascii() and part[0].isalpha()]
    unknown = [part for part in letters if part not in _FIELDS]
    if unknown:
        raise ConfigError(
            f"日期格式“{pattern}”中的“{unknown[0]}”无法识别。只能使用 yyyy（或 yy）、MM（或 M）、dd（或 d），"
            "注意大小写，例如 yyyy-MM-dd、yyyy/MM/dd、yyyyMMdd。",
            f"'{unknown[0]}' in the date format '{pattern}' is not understood. Use yyyy (or yy), MM (or M) and "
            "dd (or d), case matters: e.g. yyyy-MM-dd, yyyy/MM/dd, yyyyMMdd.",
        )
    kinds = sorted(part[0] for part in letters)
    if kinds != ["M", "d", "y"]:
        raise ConfigError(
            f"日期格式“{pattern}”必须恰好包含一次年（yyyy）、月（MM）和日（dd），例如 yyyy-MM-dd。",
            f"The date format '{pattern}' must contain the year (yyyy), month (MM) and day (dd) exactly once, "
            "e.g. yyyy-MM-dd.",
        )
    return parts


def check_date_pattern(pattern: str) -> None:
    """Raise :class:`ConfigError` with a plain-language reason when ``pattern`` cannot be used."""
    _parts(pattern)


def format_date(day: date, pattern: str) -> str:
    return "".join(_FIELDS[part](day) if part in _FIELDS else part for part in _parts(pattern))
