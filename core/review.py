"""What the mapping makes of every pulled return, worked out once and kept (``return_review``), so that the window
can list, sort and total tens of thousands of returns without mapping one.

A review is made when a return is stored by a pull (in the same transaction), and made again for every return
whose stamp is not the current one — after the mapping rules or a value table changed (:func:`refresh`, run in the
background by the window, and before ``list``). The stamp is a digest of the rules and both value tables, so any
change to them, from the window, the command line or another program, makes the old reviews stale.

The ledger is not part of a review: its status is read beside it when rows are listed (:mod:`core.overview`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal

import peewee as pw

from core.cancel import CancelCheck, CancelSource
from core.guanyi.returns import ReturnOrder, load_raw, parse_return
from core.mapping.mapper import map_return
from core.mapping.rules import MappingRules
from core.mapping.value_tables import ValueTables
from core.store import CODES_PER_QUERY, ReturnRecord, ReturnReview, db

BATCH = 500  # returns reviewed and committed together by refresh: a fraction of a second each

# The columns of ReturnReview in the order summarize fills them.
_COLUMNS = ("code", "stamp", "ready", "sheet_hash", "lines", "qua", "amo", "qua_micro", "amo_cents", "blocking_zh",
            "blocking_en", "warnings_zh", "warnings_en")


@dataclass(frozen=True)
class Context:
    """The rules and value tables reviews are made under, and their stamp."""

    rules: MappingRules
    tables: ValueTables
    stamp: str

    @classmethod
    def current(cls) -> Context:
        """The rules and tables as set now (a :class:`~core.errors.ConfigError` for rules that cannot work)."""
        rules, tables = MappingRules.from_settings(), ValueTables.load()
        return cls(rules, tables, stamp_of(rules, tables))


def stamp_of(rules: MappingRules, tables: ValueTables) -> str:
    content = {
        "rules": asdict(rules),
        "shops": sorted((code, c.code, c.name) for code, c in tables.shops.items()),
        "goods": sorted(tables.goods.items()),
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def summarize(order: ReturnOrder, context: Context) -> tuple:
    """The values of a review row (``_COLUMNS``) for one parsed return."""
    mapped = map_return(order, context.rules, context.tables)
    sheet = mapped.sheet
    blocking_zh = "\n".join(p.zh for p in mapped.blocking)
    blocking_en = "\n".join(p.en for p in mapped.blocking)
    warnings_zh = "\n".join(p.zh for p in mapped.warnings)
    warnings_en = "\n".join(p.en for p in mapped.warnings)
    if sheet is None:
        return (order.code, context.stamp, False, None, None, None, None, None, None, blocking_zh, blocking_en,
                warnings_zh, warnings_en)
    micro = int(Decimal(sheet.qua).scaleb(6))  # a quantity has six decimals at most
    cents = int(Decimal(sheet.amo).scaleb(2))  # Amo always has exactly two decimals
    return (order.code, context.stamp, mapped.ready, sheet.digest(), len(sheet.items), sheet.qua, sheet.amo, micro,
            cents, blocking_zh, blocking_en, warnings_zh, warnings_en)


def _upsert_sql() -> str:
    fields = ReturnReview._meta.fields
    if set(fields) != set(_COLUMNS):
        raise RuntimeError(f"ReturnReview has the fields {sorted(fields)}; update review._COLUMNS to match")
    names = [f'"{fields[name].column_name}"' for name in _COLUMNS]
    return f'INSERT OR REPLACE INTO "{ReturnReview._meta.table_name}" ({", ".join(names)}) ' \
           f'VALUES ({", ".join("?" * len(names))})'


def store(rows: Iterable[tuple]) -> None:
    """Keep review rows (made by :func:`summarize`); the caller holds the transaction."""
    db.connection().executemany(_upsert_sql(), list(rows))


def stale_codes(stamp: str | None = None) -> list[str]:
    """Pulled returns with no review made under ``stamp`` (the current rules and tables), newest receipt first."""
    stamp = stamp or Context.current().stamp
    query = (ReturnRecord.select(ReturnRecord.code)
             .join(ReturnReview, pw.JOIN.LEFT_OUTER, on=(ReturnReview.code == ReturnRecord.code))
             .where(ReturnReview.stamp.is_null() | (ReturnReview.stamp != stamp))
             .order_by(ReturnRecord.receive_date.desc(nulls="LAST"), ReturnRecord.code))
    return [code for (code,) in query.tuples()]


def _records(codes: list[str]) -> Iterator[tuple[str, str]]:
    for chunk in pw.chunked(codes, CODES_PER_QUERY):
        yield from ReturnRecord.select(ReturnRecord.code, ReturnRecord.raw_json).where(
            ReturnRecord.code.in_(chunk)).tuples()


def refresh(
    codes: list[str] | None = None,
    *,
    progress: Callable[[list[str], int, int], None] | None = None,
    cancel: CancelSource = None,
) -> int:
    """Review again the stale returns (or exactly ``codes``), :data:`BATCH` at a time, each batch committed on its
    own; returns how many were reviewed. ``progress(codes, done, total)`` is called after each batch with the
    codes it reviewed; ``cancel`` is checked between batches (what was committed stays)."""
    context = Context.current()
    todo = stale_codes(context.stamp) if codes is None else list(dict.fromkeys(codes))
    check = CancelCheck(cancel)
    done = 0
    for batch in pw.chunked(todo, BATCH):
        check.raise_if_set()
        with db.atomic("IMMEDIATE"):  # the records read are the ones reviewed: a pull cannot change them between
            rows = [summarize(parse_return(load_raw(text)), context) for _code, text in _records(batch)]
            store(rows)
        done += len(batch)
        if progress is not None:
            progress(list(batch), done, len(todo))
    return done
