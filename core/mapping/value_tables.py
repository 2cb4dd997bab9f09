"""The value tables of the mapping (SPEC §4): shop → 精诚 customer, goods code → 精诚 GoodsID.

:class:`ValueTables` is the read-only snapshot the mapping uses. The rest edits the tables, from
the command line, the window and CSV imports alike: every cell is trimmed and checked the same
way (:func:`check_row`), and every change writes a sync-log row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import peewee as pw

from core.errors import ConfigError
from core.i18n import t
from core.store import BaseModel, GoodsMap, ShopMap, db, write_log


@dataclass(frozen=True)
class Customer:
    code: str
    name: str


@dataclass
class ValueTables:
    """A snapshot of both tables, read once per preview or push run."""

    shops: dict[str, Customer] = field(default_factory=dict)
    goods: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ValueTables:
        return cls(
            shops={r.shop_code: Customer(r.customer_code, r.customer_name) for r in ShopMap.select()},
            goods={r.code: r.goods_id for r in GoodsMap.select()},
        )


@dataclass(frozen=True)
class Column:
    """One column: ``name`` is the model field and the English CSV header, ``zh`` the Chinese one."""

    name: str
    zh: str
    en: str
    required: bool = True

    def label(self) -> str:
        return t(self.zh, self.en)


@dataclass(frozen=True)
class Table:
    """One value table; its first column is the key."""

    name: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    zh: str
    en: str

    @property
    def key(self) -> Column:
        return self.columns[0]

    def label(self) -> str:
        return t(self.zh, self.en)


SHOPS = Table(
    "shops",
    ShopMap,
    (
        Column("shop_code", "店铺编码", "shop code"),
        Column("customer_code", "客户编码", "customer code"),
        # Optional: without a name the mapping falls back to the shop name from 管易云.
        Column("customer_name", "客户名称", "customer name", required=False),
    ),
    "店铺→客户对照表",
    "shop → customer table",
)
GOODS = Table(
    "goods",
    GoodsMap,
    (
        Column("code", "商品编码", "goods code"),
        Column("goods_id", "精诚商品ID", "GoodsID"),
    ),
    "商品编码→精诚商品ID对照表",
    "goods code → GoodsID table",
)
TABLES = {table.name: table for table in (SHOPS, GOODS)}

# What Excel makes of a long numeric code in a General column, e.g. 6.90123E+12: digits are lost.
_EXCEL_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+\d+$", re.IGNORECASE)
# A line break or other control character has no place in a code or a name. In a CSV file it is almost always
# an unpaired quote, which makes one cell of the lines after it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Rows per INSERT, well under SQLite's limit of bound variables.
_BATCH = 200


@dataclass(frozen=True)
class Changes:
    """What an import did to a table, key by key."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


def check_row(table: Table, values: Mapping[str, str | None]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The row with every cell trimmed, and its problems as (zh, en) sentences; no problems → storable."""
    row = {column.name: (values.get(column.name) or "").strip() for column in table.columns}
    problems = []
    for column in table.columns:
        value = row[column.name]
        if column.required and not value:
            problems.append((f"{column.zh}为空", f"{column.en} is empty"))
        elif _CONTROL.search(value):
            problems.append((
                f"{column.zh}中有换行或控制字符（在 CSV 文件中，多半是某个引号没有配对，把后面几行并进了这一格）",
                f"{column.en} contains a line break or control character (in a CSV file, most likely an unpaired "
                "quote that merged the following lines into this cell)",
            ))
        elif _EXCEL_SCIENTIFIC.match(value):
            problems.append((
                f"{column.zh}“{value}”是 Excel 的科学计数法，数字已丢失；请把该列设为“文本”后重新输入",
                f"{column.en} '{value}' is Excel's scientific notation and has lost digits; "
                "format the column as Text and enter the codes again",
            ))
    return row, problems


def list_rows(table: Table) -> list[dict[str, str]]:
    """Every row, ordered by key, as {column name: text}."""
    fields = [getattr(table.model, column.name) for column in table.columns]
    return list(table.model.select(*fields).order_by(fields[0]).dicts())


def set_row(table: Table, values: Mapping[str, str | None]) -> bool:
    """Add or replace one row (every column as given); return True when the key was new."""
    row, problems = check_row(table, values)
    if problems:
        raise ConfigError(
            "；".join(zh for zh, _ in problems) + "。",
            "; ".join(en for _, en in problems) + ".",
        )
    key = row[table.key.name]
    with db.atomic():
        created = not table.model.select().where(_key_field(table) == key).exists()
        table.model.insert(row).on_conflict_replace().execute()
        write_log("maps", "ok", _describe_row(table, row, created))
    return created


def change_row(table: Table, key: str, values: Mapping[str, str | None]) -> dict[str, str]:
    """Change the row of ``key`` to ``values``, which may give it a new key; returns the row as stored.

    One transaction: a new key moves the mapping, it never lands beside the old one. A new key that another row
    already has is refused, so that row's mapping is not overwritten by accident."""
    row, _ = check_row(table, values)
    new_key = row[table.key.name]
    with db.atomic():
        if new_key != key:
            if table.model.select().where(_key_field(table) == new_key).exists():
                raise ConfigError(
                    f"{table.key.zh}“{new_key}”已在表中，请直接修改那一行。",
                    f"{table.key.en} '{new_key}' is already in the table; edit that row instead.",
                )
            set_row(table, row)
            delete_row(table, key)
        else:
            set_row(table, row)
    return row


def delete_row(table: Table, key: str) -> bool:
    """Remove the row of ``key``; False when there was none."""
    key = key.strip()
    with db.atomic():
        deleted = table.model.delete().where(_key_field(table) == key).execute() > 0
        if deleted:
            write_log("maps", "ok", t(f"{table.zh}：删除 {key}", f"{table.en}: deleted {key}"))
    return deleted


def delete_rows(table: Table, keys: Iterable[str]) -> int:
    """Remove the rows of ``keys``, all or none; returns how many were there."""
    with db.atomic():
        return sum(delete_row(table, key) for key in keys)


def apply_rows(table: Table, rows: Iterable[Mapping[str, str]], *, replace: bool = False) -> Changes:
    """Upsert checked rows (keys unique) in one transaction; ``replace`` also drops keys not among them.

    The caller validates first (:func:`check_row`, unique keys): this writes all or nothing.
    """
    names = [column.name for column in table.columns]
    key_name = table.key.name
    with db.atomic():
        existing = {
            values[0]: values
            for values in table.model.select(*[getattr(table.model, n) for n in names]).tuples()
        }
        incoming = {row[key_name]: tuple(row[n] for n in names) for row in rows}
        writes = [values for key, values in incoming.items() if existing.get(key) != values]
        gone = [key for key in existing if key not in incoming] if replace else []
        for batch in pw.chunked(gone, _BATCH):
            table.model.delete().where(_key_field(table).in_(batch)).execute()
        for batch in pw.chunked(writes, _BATCH):
            table.model.insert_many(batch, fields=names).on_conflict_replace().execute()
    added = sum(1 for key in incoming if key not in existing)
    return Changes(
        added=added,
        changed=len(writes) - added,
        unchanged=len(incoming) - len(writes),
        removed=len(gone),
    )


def _key_field(table: Table) -> pw.Field:
    return getattr(table.model, table.key.name)


def _describe_row(table: Table, row: Mapping[str, str], created: bool) -> str:
    key, *rest = (row[column.name] for column in table.columns)
    target = " ".join(value for value in rest if value)
    return t(
        f"{table.zh}：{key} → {target}（{'新增' if created else '修改'}）",
        f"{table.en}: {key} -> {target} ({'added' if created else 'changed'})",
    )
