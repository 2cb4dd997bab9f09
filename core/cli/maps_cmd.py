"""``maps shops|goods list|set|delete|import|export``: the value tables of the mapping (SPEC §4)."""

from __future__ import annotations

import argparse
import unicodedata

from core.cli.output import EXIT_OK, emit
from core.errors import ConfigError
from core.i18n import t
from core.mapping import tables_csv, value_tables
from core.mapping.value_tables import Table


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "maps",
        help="the value tables: shop -> customer, goods code -> GoodsID",
        description="CSV header: shops 店铺编码,客户编码,客户名称 (or shop_code,customer_code,customer_name); "
        "goods 商品编码,精诚商品ID (or code,goods_id). UTF-8, UTF-8 with BOM or GBK.",
    )
    tables = parser.add_subparsers(dest="maps_table", required=True, metavar="TABLE")
    for table in value_tables.TABLES.values():
        _register_table(tables, table)


def _register_table(tables: argparse._SubParsersAction, table: Table) -> None:
    parser = tables.add_parser(table.name, help=table.en)
    actions = parser.add_subparsers(dest="maps_action", required=True, metavar="ACTION")

    list_ = actions.add_parser("list", help="every row")
    list_.set_defaults(handler=_list)

    set_ = actions.add_parser("set", help="add or change one row")
    for column in table.columns:
        if column.required:
            set_.add_argument(column.name, metavar=column.name.upper())
        else:
            set_.add_argument(column.name, metavar=column.name.upper(), nargs="?", default="",
                              help="optional; left empty, the mapping uses the name from 管易云")
    set_.set_defaults(handler=_set)

    delete = actions.add_parser("delete", help="remove one row")
    delete.add_argument("code", metavar=table.key.name.upper())
    delete.set_defaults(handler=_delete)

    import_ = actions.add_parser("import", help="read a CSV file; merges by code unless --replace")
    import_.add_argument("file", metavar="FILE.csv")
    import_.add_argument("--replace", action="store_true", help="make the table exactly the file (drop other codes)")
    import_.set_defaults(handler=_import)

    export = actions.add_parser("export", help="write the table to a CSV file (UTF-8 with BOM)")
    export.add_argument("file", metavar="FILE.csv")
    export.set_defaults(handler=_export)

    for action in (list_, set_, delete, import_, export):
        action.add_argument("--json", action="store_true")
        action.set_defaults(table=table)


def _list(args: argparse.Namespace) -> int:
    table: Table = args.table
    rows = value_tables.list_rows(table)
    if rows:
        key = table.key.name
        width = max(_width(row[key]) for row in rows)
        rest = [column.name for column in table.columns[1:]]
        text = "\n".join(
            f"{_pad(row[key], width)}  →  {'  '.join(row[name] for name in rest if row[name])}" for row in rows
        )
    else:
        text = t(f"{table.zh}为空。", f"The {table.en} is empty.")
    emit(args, {"ok": True, "table": table.name, "rows": rows}, text)
    return EXIT_OK


def _set(args: argparse.Namespace) -> int:
    table: Table = args.table
    row = {column.name: getattr(args, column.name).strip() for column in table.columns}
    created = value_tables.set_row(table, row)
    values = "  ".join(value for value in list(row.values())[1:] if value)
    state = t("新增", "added") if created else t("已修改", "changed")
    emit(args, {"ok": True, "table": table.name, "created": created, "row": row},
         f"{row[table.key.name]}  →  {values}  ({state})")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    table: Table = args.table
    if not value_tables.delete_row(table, args.code):
        raise ConfigError(
            f"{table.zh}中没有“{args.code}”，未删除任何内容。",
            f"The {table.en} has no '{args.code}'; nothing was deleted.",
        )
    emit(args, {"ok": True, "table": table.name, "deleted": args.code.strip()},
         t(f"已删除 {args.code.strip()}。", f"Deleted {args.code.strip()}."))
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    table: Table = args.table
    result = tables_csv.import_csv(table, args.file, replace=args.replace)
    c = result.changes
    emit(
        args,
        {"ok": True, "table": table.name, "rows": result.rows, "encoding": result.encoding,
         "mode": "replace" if args.replace else "merge", "added": c.added, "changed": c.changed,
         "unchanged": c.unchanged, "removed": c.removed},
        t(
            f"已导入 {result.rows} 行（{result.encoding}）：新增 {c.added}，修改 {c.changed}，"
            f"未变 {c.unchanged}，删除 {c.removed}。",
            f"Imported {result.rows} rows ({result.encoding}): {c.added} added, {c.changed} changed, "
            f"{c.unchanged} unchanged, {c.removed} removed.",
        ),
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    table: Table = args.table
    count = tables_csv.export_csv(table, args.file)
    emit(args, {"ok": True, "table": table.name, "rows": count, "file": args.file},
         t(f"已导出 {count} 行到 {args.file}。", f"Exported {count} rows to {args.file}."))
    return EXIT_OK


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
