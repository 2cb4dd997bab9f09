"""The value tables to and from CSV files, as Chinese Excel reads and writes them (SPEC §4, §10).

The format: one file per table, a header row, then one row per code.

============  ==============================  ==============================
table         Chinese header                  English header
============  ==============================  ==============================
shops         店铺编码, 客户编码, 客户名称      shop_code, customer_code, customer_name
goods         商品编码, 精诚商品ID              code, goods_id
============  ==============================  ==============================

Reading: header names are matched ignoring case, spaces, ``_`` and ``-`` (so ``Shop Code``,
``CustomerCode`` and ``GoodsID`` are understood too), in any order; 客户名称 may be left out.
Blank rows and empty extra columns (Excel leaves both) are ignored; a header without a comma may be
cut by tabs or semicolons instead. The encoding is UTF-8 with or without BOM, or GBK/GB18030 as a
Chinese Excel saves "CSV (逗号分隔)" (also after a BOM some editors add); UTF-16 (with its BOM or
without) and binary files (a workbook, a picture: NUL bytes) are refused saying so. A cell that an
export made inert (``'=…``) is read back without its quote mark, so export → edit → import keeps
every code. Refused, naming the line: a cell with a line break (an unpaired quote that swallowed the
lines after it), Excel's scientific notation, and an all-digit code or value that is what Excel makes
of one already in the table (``03`` → ``3``, 18 digits → 15 and zeros). A header's unknown name is
quoted with its control characters made visible (:mod:`core.visible`).
Every row is checked before anything is written; one bad row and nothing is imported.

Writing: UTF-8 with BOM, the header in the UI language, through :func:`core.export.write_csv`.
"""

from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError
from core.export import FORMULA_STARTS, write_csv
from core.i18n import t
from core.mapping.value_tables import Changes, Table, apply_rows, check_row, list_rows
from core.store import write_log
from core.timeutil import elapsed_ms
from core.visible import visible

# How many problems an error lists before "and N more": enough to fix a file in one pass.
MAX_LISTED = 10
# Significant digits Excel keeps of a number.
_EXCEL_DIGITS = 15


@dataclass(frozen=True)
class Problem:
    line: int
    zh: str
    en: str


class BadRows(ConfigError):
    """A file that cannot be imported; ``problems`` names each bad line, nothing was written."""

    def __init__(self, table: Table, path: Path, problems: list[Problem]) -> None:
        self.problems = problems
        shown = problems[:MAX_LISTED]
        more = len(problems) - len(shown)
        zh = "；".join(f"第 {p.line} 行：{p.zh}" for p in shown) + (f"；另有 {more} 处问题" if more else "")
        en = "; ".join(f"line {p.line}: {p.en}" for p in shown) + (f"; and {more} more" if more else "")
        super().__init__(
            f"{path} 未导入{table.zh}，表中内容未作任何改动。{zh}。",
            f"{path} was not imported into the {table.en}; nothing in it was changed. {en}.",
        )


@dataclass(frozen=True)
class ImportResult:
    rows: int
    encoding: str
    changes: Changes


def import_csv(table: Table, path: str | os.PathLike, *, replace: bool = False) -> ImportResult:
    """Read ``path`` into ``table``: merge (upsert by code) or, with ``replace``, make the table the file.

    Raises :class:`BadRows` (a :class:`ConfigError`) naming the bad lines, or :class:`ConfigError`
    for a file that cannot be read; in both cases the table is unchanged and the failure is logged.
    """
    started = time.perf_counter()
    source = Path(path)
    mode = t("替换", "replace") if replace else t("合并", "merge")
    try:
        text, encoding = _read_text(source)
        rows = _parse(table, source, text)
        changes = apply_rows(table, rows, replace=replace)
    except ConfigError as exc:
        write_log(
            "import",
            "failed",
            t(f"{table.zh}（{mode}）：{exc}", f"{table.en} ({mode}): {exc}"),
            duration_ms=elapsed_ms(started),
        )
        raise
    write_log(
        "import",
        "ok",
        t(
            f"{table.zh} ← {source}（{mode}，{encoding}）：{len(rows)} 行，新增 {changes.added}，"
            f"修改 {changes.changed}，未变 {changes.unchanged}，删除 {changes.removed}",
            f"{table.en} <- {source} ({mode}, {encoding}): {len(rows)} rows, {changes.added} added, "
            f"{changes.changed} changed, {changes.unchanged} unchanged, {changes.removed} removed",
        ),
        duration_ms=elapsed_ms(started),
    )
    return ImportResult(rows=len(rows), encoding=encoding, changes=changes)


def export_csv(table: Table, path: str | os.PathLike) -> int:
    """Write every row of ``table`` to ``path`` in the import format; return the number of rows."""
    started = time.perf_counter()
    header = [t(column.zh, column.name) for column in table.columns]
    names = [column.name for column in table.columns]
    try:
        count = write_csv(path, header, ([row[n] for n in names] for row in list_rows(table)))
    except ConfigError as exc:
        write_log(
            "export",
            "failed",
            t(f"{table.zh} → {path}：{exc}", f"{table.en} -> {path}: {exc}"),
            duration_ms=elapsed_ms(started),
        )
        raise
    write_log(
        "export",
        "ok",
        t(f"{table.zh} → {path}：{count} 行", f"{table.en} -> {path}: {count} rows"),
        duration_ms=elapsed_ms(started),
    )
    return count


def _read_text(path: Path) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"无法读取文件 {path}：{exc.strerror or exc}。",
            f"Cannot read {path}: {exc.strerror or exc}.",
        ) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        raise ConfigError(
            f"{path} 是 UTF-16（Excel 的“Unicode 文本”）。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。",
            f"{path} is UTF-16 (Excel's 'Unicode Text'). In Excel, save it as 'CSV UTF-8 (Comma delimited)'.",
        )
    if b"\x00" in data:  # no text a spreadsheet saves as CSV holds a NUL byte: a workbook, a picture, a damaged file
        raise ConfigError(
            f"{path} 不是文本文件（含有二进制数据，可能是 Excel 工作簿、图片或已损坏的文件）。"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。",
            f"{path} is not a text file (it holds binary data: an Excel workbook, a picture or a damaged file?). "
            "In Excel, save it as 'CSV UTF-8 (Comma delimited)'.",
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    # Strict UTF-8 almost never accepts GBK Chinese by accident; GB18030 is the superset of the GBK a Chinese
    # Excel writes for "CSV (逗号分隔)". A BOM does not settle it: some editors put one in front of text they
    # still save in the ANSI code page.
    for codec, name in (("utf-8", "UTF-8 (BOM)" if bom else "UTF-8"), ("gb18030", "GBK")):
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ConfigError(
        f"{path} 不是 UTF-8 或 GBK 编码的 CSV 文件。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。",
        f"{path} is not a CSV file in UTF-8 or GBK. In Excel, save it as 'CSV UTF-8 (Comma delimited)'.",
    )


def _utf16_without_bom(data: bytes) -> bool:
    """UTF-16 whose BOM was dropped: every ASCII character (the commas, line ends, digits) has a NUL byte on the same
    side of it, and the other side has none."""
    sample = data[:4096]
    zeros = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    return zeros[0] == 0 and zeros[1] * 8 > len(sample)


def _delimiter(text: str) -> str:
    """The comma, unless the header row has none and is cut by tabs (Excel's "Text (Tab delimited)") or semicolons
    (an Excel whose list separator is ``;``)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in header:
        for other in ("\t", ";"):
            if other in header:
                return other
    return ","


def _normalise(header: str) -> str:
    return "".join(ch for ch in header.strip().casefold() if ch not in " _-\u3000\ufeff")


def _uninert(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _parse(table: Table, path: Path, text: str) -> list[dict[str, str]]:
    """Every data row, checked; raises :class:`BadRows` listing all problems."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    lines: list[int] = []  # where each of ``rows`` starts in the file
    first_line: dict[str, int] = {}
    positions: dict[str, int] | None = None
    width = 0
    line = 1
    try:
        for cells in reader:
            # reader.line_num is the record's last line; a quoted cell may span several.
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if positions is None:
                positions = _header(table, path, start, cells)
                width = max(positions.values()) + 1
                continue
            if any(cell.strip() for cell in cells[width:]):
                problems.append(Problem(start, f"有 {len(cells)} 列，多于表头的 {width} 列",
                                        f"has {len(cells)} cells, more than the {width} of the header"))
                continue
            values = {name: _uninert(cells[i]) if i < len(cells) else "" for name, i in positions.items()}
            row, row_problems = check_row(table, values)
            problems.extend(Problem(start, zh, en) for zh, en in row_problems)
            key = row[table.key.name]
            if key and key in first_line:
                problems.append(Problem(
                    start,
                    f"{table.key.zh}“{key}”重复（第 {first_line[key]} 行已有）",
                    f"{table.key.en} '{key}' appears twice (first on line {first_line[key]})",
                ))
            elif key:
                first_line[key] = start
            if not row_problems:
                rows.append(row)
                lines.append(start)
    except csv.Error as exc:
        problems.append(Problem(line, f"无法按 CSV 读取（{exc}）", f"not readable as CSV ({exc})"))
    problems.extend(_excel_losses(table, rows, lines))
    problems.sort(key=lambda problem: problem.line)
    if positions is None and not problems:
        raise ConfigError(f"{path} 是空文件，没有可导入的内容。", f"{path} is empty; there is nothing to import.")
    if problems:
        raise BadRows(table, path, problems)
    if not rows:
        raise ConfigError(
            f"{path} 只有表头，没有数据行；未作任何改动。",
            f"{path} has a header but no rows; nothing was changed.",
        )
    return rows


def _excel_form(code: str) -> str:
    """What Excel makes of an all-digit code in a General or Number column: no leading zeros, 15 digits."""
    digits = code.lstrip("0") or "0"
    if len(digits) <= _EXCEL_DIGITS:
        return digits
    unit = 10 ** (len(digits) - _EXCEL_DIGITS)
    kept, rest = divmod(int(digits), unit)
    return str((kept + (2 * rest >= unit)) * unit)  # rounded half-up to 15 significant digits


def _lost_in_excel(incoming: str, before: str) -> bool:
    """True when ``incoming`` is what Excel turned ``before`` into, and not ``before`` itself."""
    return before.isdigit() and incoming != before and incoming == _excel_form(before)


def _excel_losses(table: Table, rows: list[dict[str, str]], lines: list[int]) -> list[Problem]:
    """Rows whose codes look like table entries that lost leading zeros or digits in Excel on the way back.

    Opening an exported table in Excel and saving it turns ``00123`` into ``123`` and keeps 15 digits of
    ``690123456789012345``. Imported as they are, the original code would lose its mapping (with ``--replace``)
    or its GoodsID / customer code would silently change, so such a row is refused, naming the original.
    """
    key = table.key.name
    existing = {row[key]: row for row in list_rows(table)}
    incoming = {row[key] for row in rows}
    by_form: dict[str, list[str]] = {}
    for code in existing:
        if code.isdigit():
            by_form.setdefault(_excel_form(code), []).append(code)
    problems = []
    for row, line in zip(rows, lines, strict=True):
        # A code the table already holds as it is, is that code.
        lost = [] if row[key] in existing else [code for code in by_form.get(row[key], []) if code not in incoming]
        if lost:
            problems.append(Problem(
                line,
                f"{table.key.zh}“{row[key]}”像是表中“{lost[0]}”被 Excel 去掉了前导零或末几位数字；请把该列设为“文本”，"
                f"改回“{lost[0]}”后重新导入（若确是新编码，请先在对照表中删除“{lost[0]}”）",
                f"{table.key.en} '{row[key]}' looks like '{lost[0]}' of the table with its leading zeros or last "
                f"digits lost in Excel; format the column as Text, restore '{lost[0]}' and import again (if it "
                f"really is a new code, delete '{lost[0]}' from the table first)",
            ))
            continue
        before = existing.get(row[key])
        if before is None:
            continue
        for column in table.columns[1:]:
            now, was = row[column.name], before[column.name]
            if _lost_in_excel(now, was):
                problems.append(Problem(
                    line,
                    f"{column.zh}“{now}”像是表中原有的“{was}”被 Excel 去掉了前导零或末几位数字；请把该列设为“文本”，"
                    f"改回“{was}”后重新导入（若确要这样改，请直接在对照表中修改该行）",
                    f"{column.en} '{now}' looks like the table's '{was}' with its leading zeros or last digits lost "
                    f"in Excel; format the column as Text, restore '{was}' and import again (to really change it, "
                    "edit that row in the table itself)",
                ))
    return problems


def _header(table: Table, path: Path, line: int, cells: list[str]) -> dict[str, int]:
    """Column name → position in the row, from the header row."""
    accepted = {
        _normalise(name): column.name
        for column in table.columns
        for name in (column.zh, column.name, column.en)
    }
    positions: dict[str, int] = {}
    problems = []
    for i, cell in enumerate(cells):
        if not cell.strip():
            continue
        name, shown = accepted.get(_normalise(cell)), visible(cell.strip())
        if name is None:
            problems.append(Problem(line, f"不认识的列名“{shown}”", f"unknown column '{shown}'"))
        elif name in positions:
            problems.append(Problem(line, f"列“{shown}”出现两次", f"column '{shown}' appears twice"))
        else:
            positions[name] = i
    for column in table.columns:
        if column.required and column.name not in positions:
            problems.append(Problem(line, f"缺少列“{column.zh}”（{column.name}）",
                                    f"missing column '{column.name}' ({column.zh})"))
    if problems:
        expected = ", ".join(f"{c.zh}/{c.name}" for c in table.columns)
        problems.append(Problem(line, f"表头应为：{expected}", f"the header should be: {expected}"))
        raise BadRows(table, path, problems)
    return positions
