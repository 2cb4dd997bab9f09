"""One return as the sheet pane (and ``preview CODE``) shows it, from one call: :func:`detail`.

- the sheet it maps to now, each line beside the 管易云 line it comes from (and the 管易云 lines left off it);
- the request body: the one a push would send now — :meth:`core.jingcheng.sheet.Sheet.body`, the very bytes the push
  hands the client and the ledger keeps — or, once a sheet has gone out (posted, in doubt, being sent, changed
  after posting), the body the ledger recorded as sent. No body holds a secret: every auth mode of the profile
  carries its credentials in a header or the query;
- for a sheet changed after posting, what differs between the body sent and the body now (:func:`compare`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from core import overview
from core.errors import ReturnSyncError
from core.i18n import t
from core.jingcheng.sheet import HEADER_LABELS, ITEM_LABELS
from core.mapping.mapper import LineOrigin
from core.push import Preview, previews
from core.states import ReturnState

# The states whose ledger body is the one to show: it went out (or may have, or is going now).
SENT_STATES = (ReturnState.POSTED, ReturnState.CHANGED, ReturnState.UNKNOWN, ReturnState.SENDING)

_LEFT_OUT_WORDS = {
    "not_received": ("数量为 0，不推送", "quantity 0, not sent"),
    "gift_dropped": ("赠品，按设置不推送", "gift, left out as set"),
    "unusable": ("无法使用，见检查结果", "unusable, see the checks"),
}


def field_label(field: str, *, item: bool = False) -> str:
    """A 精诚 field as the pane names it: the accountant's word first, the field's name second (once, when they are
    the same word)."""
    words = (ITEM_LABELS if item else HEADER_LABELS).get(field)
    word = t(*words) if words else field
    return field if word == field else f"{word} {field}"


class DetailLine(NamedTuple):
    """One row of the pane's lines table: a 管易云 line, and what the sheet makes of it (``left_out`` says why it is
    not on the sheet; "" when it is)."""

    number: int
    item_code: str
    sku_code: str
    goods_id: str
    qua: str
    price: str
    amo: str
    remark: str
    left_out: str = ""


class FieldChange(NamedTuple):
    """A field of the body sent (``old``) and of the body now (``new``); "" where one has no such field or line."""

    field: str
    old: str
    new: str

    def label(self, *, item: bool = False) -> str:
        return field_label(self.field, item=item)


class LineChange(NamedTuple):
    """A line of the body sent or now that the other lacks (``added``, ``removed``) or has otherwise (``changed``),
    told by its GoodsID (the n-th line of a GoodsID in one body goes with the n-th in the other). ``fields``: what
    differs — every field but GoodsID for an added or removed line. ``number``: the 管易云 line it comes from now,
    when it is on the sheet now."""

    kind: str
    goods_id: str
    number: int | None
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class SheetChanges:
    """What differs between the body sent to 精诚 and the body the return maps to now."""

    header: tuple[FieldChange, ...]
    lines: tuple[LineChange, ...]
    sheet_now: bool = True  # the return still maps to a sheet

    def __bool__(self) -> bool:
        return bool(self.header or self.lines or not self.sheet_now)

    def as_json(self) -> dict:
        return {
            "sheet_now": self.sheet_now,
            "header": [{"field": c.field, "old": c.old, "new": c.new} for c in self.header],
            "lines": [{"kind": c.kind, "goods_id": c.goods_id, "line": c.number,
                       "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields]}
                      for c in self.lines],
        }

    def describe(self) -> list[str]:
        """One sentence a change, in the user's language."""
        if not self.sheet_now:
            return [t("按当前数据已无法生成单据（原因见检查结果）。",
                      "The current data no longer makes a sheet (the checks say why).")]
        text = [t(f"{c.label()}：{c.old or '（空）'} → {c.new or '（空）'}",
                  f"{c.label()}: {c.old or '(empty)'} → {c.new or '(empty)'}") for c in self.header]
        for change in self.lines:
            where = _line_words(change)
            fields = "，".join(f"{f.label(item=True)} {f.old or f.new}" for f in change.fields)
            fields_en = ", ".join(f"{f.label(item=True)} {f.old or f.new}" for f in change.fields)
            if change.kind == "added":
                text.append(t(f"新增{where}：{fields}", f"Added {where}: {fields_en}"))
            elif change.kind == "removed":
                text.append(t(f"删除{where}：{fields}", f"Removed {where}: {fields_en}"))
            else:
                moved = "，".join(f"{f.label(item=True)} {f.old or '（空）'} → {f.new or '（空）'}"
                                 for f in change.fields)
                moved_en = ", ".join(f"{f.label(item=True)} {f.old or '(empty)'} → {f.new or '(empty)'}"
                                     for f in change.fields)
                text.append(t(f"变更{where}：{moved}", f"Changed {where}: {moved_en}"))
        return text


def _line_words(change: LineChange) -> str:
    number = t(f"（管易云第 {change.number} 行）", f" (Guanyi line {change.number})") if change.number else ""
    return t(f"明细 {change.goods_id}{number}", f"line {change.goods_id}{number}")


def _parse(body: str | None) -> dict:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def compare(sent: str, now: str | None, origins: tuple[LineOrigin, ...] = ()) -> SheetChanges:
    """What differs between the body ``sent`` and the body ``now`` (``None``: the return maps to no sheet now).
    ``origins``: the 管易云 lines of the lines of ``now``, to say where a line comes from."""
    if now is None:
        return SheetChanges((), (), sheet_now=False)
    old, new = _parse(sent), _parse(now)
    header = tuple(FieldChange(name, _text(old.get(name)), _text(new.get(name)))
                   for name in dict.fromkeys([*HEADER_LABELS, *old, *new])
                   if name != "Items" and _text(old.get(name)) != _text(new.get(name)))
    return SheetChanges(header, _line_changes(_items(old), _items(new), origins))


def _items(body: dict) -> list[dict]:
    items = body.get("Items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _line_changes(old: list[dict], new: list[dict], origins: tuple[LineOrigin, ...]) -> tuple[LineChange, ...]:
    def keyed(items: list[dict]) -> dict[tuple[str, int], int]:
        seen: dict[str, int] = {}
        keys = {}
        for index, item in enumerate(items):
            goods = _text(item.get("GoodsID"))
            keys[(goods, seen.get(goods, 0))] = index
            seen[goods] = seen.get(goods, 0) + 1
        return keys

    old_keys, new_keys = keyed(old), keyed(new)
    fields = [name for name in dict.fromkeys([*ITEM_LABELS, *(k for i in old + new for k in i)]) if name != "GoodsID"]

    def number(index: int | None) -> int | None:
        return origins[index].number if index is not None and index < len(origins) else None

    changes = []
    for key, index in old_keys.items():
        before = old[index]
        after_index = new_keys.get(key)
        if after_index is None:
            changes.append(LineChange("removed", key[0], None, tuple(
                FieldChange(name, _text(before.get(name)), "") for name in fields if name in before)))
            continue
        after = new[after_index]
        differs = tuple(FieldChange(name, _text(before.get(name)), _text(after.get(name))) for name in fields
                        if _text(before.get(name)) != _text(after.get(name)))
        if differs:
            changes.append(LineChange("changed", key[0], number(after_index), differs))
    for key, index in new_keys.items():
        if key not in old_keys:
            after = new[index]
            changes.append(LineChange("added", key[0], number(index), tuple(
                FieldChange(name, "", _text(after.get(name))) for name in fields if name in after)))
    return tuple(changes)


@dataclass(frozen=True)
class SheetDetail:
    """Everything the sheet pane shows of one pulled return. ``preview`` is ``None`` when the mapping could not run
    (``error`` says why, e.g. a mapping setting that no longer makes sense)."""

    code: str
    preview: Preview | None
    error: str = ""
    body_now: str | None = None  # what a push would send now, exactly; None without a sheet
    body_sent: str | None = None  # what the ledger recorded as sent by the last attempt
    changes: SheetChanges | None = None  # for a sheet changed after posting

    @cached_property
    def raw_text(self) -> str:
        """The 管易云 record as pulled, indented for reading (read when first asked for: a return of hundreds of lines
        takes longer to indent than to map)."""
        return overview.raw_text(self.code) or ""

    @property
    def state(self) -> ReturnState | None:
        return self.preview.state if self.preview is not None else None

    @property
    def shows_sent(self) -> bool:
        """The body to show is the one sent (the sheet went out, or may have), not the one a push would send."""
        return self.state in SENT_STATES and self.body_sent is not None

    @property
    def body(self) -> str | None:
        return self.body_sent if self.shows_sent else self.body_now

    @property
    def lines(self) -> tuple[DetailLine, ...]:
        """Every 管易云 line in its order: the sheet's lines with their origin, and the lines left off it."""
        if self.preview is None:
            return ()
        mapped = self.preview.mapped
        rows = []
        if mapped.sheet is not None:
            for origin, item in zip(mapped.origins, mapped.sheet.items, strict=True):
                rows.append(DetailLine(origin.number, origin.item_code, origin.sku_code, item.goods_id, item.qua,
                                       item.price, item.amo, item.remark))
        for origin, reason in mapped.left_out:
            rows.append(DetailLine(origin.number, origin.item_code, origin.sku_code, "", "", "", "", "",
                                   t(*_LEFT_OUT_WORDS[reason])))
        return tuple(sorted(rows, key=lambda row: row.number))


def of_preview(found: Preview) -> SheetDetail:
    """The detail of a return already mapped (``found``), without reading it again."""
    sheet = found.mapped.sheet
    body_now = sheet.body().decode("utf-8") if sheet is not None else None
    body_sent = found.entry.request_body if found.entry is not None else None
    changes = None
    if found.state is ReturnState.CHANGED and body_sent is not None:
        changes = compare(body_sent, body_now, found.mapped.origins)
    return SheetDetail(found.code, found, "", body_now, body_sent, changes)


def detail(code: str) -> SheetDetail | None:
    """What the pane shows of ``code``; ``None`` if it was never pulled."""
    try:
        found = previews([code])
    except ReturnSyncError as exc:
        return SheetDetail(code, None, str(exc))
    return of_preview(found[0]) if found else None
