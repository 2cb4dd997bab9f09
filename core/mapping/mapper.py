"""One 管易云 退货单 → one 精诚 sheet (SPEC §4), with the problems a shop accountant must see.

:func:`map_return` applies the :class:`MappingRules` (one field per ``mapping.*`` setting) and the value
tables, and returns the sheet with its blocking problems and warnings. It never raises for a return,
however drifted: what cannot be mapped becomes a blocking problem with a reason.

Decisions where SPEC §4 is silent:

- Line numbers in messages are positions in the 管易云 ``details`` list (1-based), so they match what the
  accountant sees in 管易云 even when lines are left out of the sheet.
- ``date_source=create`` takes ``create_date`` only; the default ``receive`` falls back to ``create_date``.
- ``price_source=after_discount`` divides ``amount_after`` by the line's ``qty`` (the quantity that amount was
  for), not by the received quantity; a ``qty`` of 0 or none blocks the line (no price can be derived).
- ``sign=negative`` negates quantities and amounts (line and header); prices stay positive, so a line's
  Amo is still Qua × Price.
- The amount check compares a line's Amo with the source ``amount``, as SPEC §4 says, also with the
  after-discount price: the warning then shows the discount the sheet carries, and it is what catches a tenant
  that sends ``amount_after`` as ``0`` (the real sample does), which would otherwise post a sheet of 0.00
  without a word. A partial receipt warns too, on purpose: the sheet carries less money than the refund.
- A line's source ``amount`` that is sent but is no usable number (``1e309``, ``NaN``, a date) is a warning
  (``amount_unreadable``): the sheet does not use it, but the amount check could not be made.
- A quantity (and an after-discount amount) must be below 10¹² with at most 6 decimals, a price below 10¹²;
  beyond that the line is blocked as implausible, rather than rounding a quantity or sending a number 精诚
  cannot hold.
- ``remark_length`` counts bytes as GBK does (a Chinese character 2, see :mod:`core.mapping.remark`), the way a
  SQL Server ``varchar`` column of 精诚 measures it; it cuts the line remarks too, as it is the one remark limit the
  user sets.
- ``sheet`` is ``None`` when no line can be sent (nothing received, or every line unusable); otherwise a
  sheet is built even when blocked, for the preview, from the lines whose numbers are known.
- Each sheet line keeps where it came from (:class:`LineOrigin`, in ``origins`` beside ``sheet.items``), and each
  管易云 line left off the sheet says why (``left_out``); a problem about lines names their numbers (``lines``). None
  of it is in the sheet, so none of it reaches 精诚.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import NamedTuple

from core.guanyi.returns import ReturnLine, ReturnOrder
from core.i18n import t
from core.jingcheng.sheet import Sheet, SheetLine
from core.mapping.dates import format_date
from core.mapping.numbers import amount_text, price_text, quantity_text, round_amount, round_price
from core.mapping.remark import PLACEHOLDERS, collapse, cut, render
from core.mapping.rules import MappingRules
from core.mapping.value_tables import ValueTables

GIFT_PREFIX = "赠品"
_TOLERANCE = Decimal("0.01")
_MAX_ADJUSTED = 11  # numbers below 10**12
_MAX_PLACES = 6  # of a quantity, and of the after-discount amount that is divided
# The range checks bound every operand to 18 digits, so products and sums are exact at this precision. The one
# division (after-discount price) is rounded here near the 42nd decimal, while a quotient of two such numbers that
# is not exactly on a half-way point of the 4th decimal stays at least 10**-29 away from it: the half-up rounding
# after it is therefore exact too.
_ARITHMETIC = Context(prec=60, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)


@dataclass(frozen=True)
class Problem:
    """Why a return cannot be posted (blocking) or what the accountant should look at (warning). ``lines``: the
    管易云 line numbers it is about, as its text counts them (empty when it is about the whole return)."""

    code: str
    zh: str
    en: str
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        return t(self.zh, self.en)


class LineOrigin(NamedTuple):
    """The 管易云 line a sheet line comes from: its place in ``details`` (1-based, as the messages count lines) and
    its codes; ``code`` is the one the goods table was asked for (``sku_code`` or ``item_code``, as set), the one
    the messages name."""

    number: int
    item_code: str
    sku_code: str
    code: str


class LeftOut(NamedTuple):
    """A 管易云 line that is not on the sheet, and why: ``not_received`` (its quantity is 0), ``gift_dropped`` (a gift,
    left out as set) or ``unusable`` (a blocking problem names it)."""

    origin: LineOrigin
    reason: str


@dataclass(frozen=True)
class MappedReturn:
    order: ReturnOrder
    sheet: Sheet | None
    blocking: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    origins: tuple[LineOrigin, ...] = ()  # of each line of ``sheet.items``, in the same order
    left_out: tuple[LeftOut, ...] = ()  # the 管易云 lines not on the sheet, in their order

    @property
    def ready(self) -> bool:
        return self.sheet is not None and not self.blocking


# --- messages ------------------------------------------------------------------------------------------------


def _line_zh(number: int, goods: str) -> str:
    return f"第 {number} 行（商品 {goods}）" if goods else f"第 {number} 行（无商品编码）"


def _line_en(number: int, goods: str) -> str:
    return f"Line {number} (item {goods})" if goods else f"Line {number} (no item code)"


_QTY_FIELD = {"real_in": ("实际入库数（real_in）", "received quantity (real_in)"),
              "qty": ("待入库数（qty）", "quantity (qty)")}


# --- the mapping ---------------------------------------------------------------------------------------------


@dataclass
class _Line:
    """A source line on its way to the sheet."""

    number: int
    source: ReturnLine
    code: str
    goods_id: str
    quantity: Decimal | None = None
    price: Decimal | None = None

    @property
    def origin(self) -> LineOrigin:
        return LineOrigin(self.number, self.source.item_code, self.source.sku_code, self.code)


def _goods_code(line: ReturnLine, rules: MappingRules) -> str:
    if rules.goods_code == "item_code":
        return line.item_code
    return line.sku_code or line.item_code


def _out_of_range(value: Decimal, max_places: int | None = None) -> bool:
    if value.is_zero():
        return False
    if value.adjusted() > _MAX_ADJUSTED:
        return True
    if max_places is None:
        return False
    _, digits, exponent = value.as_tuple()
    trailing_zeros = len("".join(map(str, digits))) - len("".join(map(str, digits)).rstrip("0"))
    return -(int(exponent) + trailing_zeros) > max_places


def _raw_text(line: ReturnLine, name: str) -> str:
    return str(line.raw.get(name))


class _Mapper:
    """The state of one mapping: problems found so far, in the order a reader meets them."""

    def __init__(self, order: ReturnOrder, rules: MappingRules, tables: ValueTables) -> None:
        self.order = order
        self.rules = rules
        self.tables = tables
        self.blocking: list[Problem] = []
        self.warnings: list[Problem] = []
        self.left_out: list[LeftOut] = []

    def block(self, code: str, zh: str, en: str, lines: tuple[int, ...] = ()) -> None:
        self.blocking.append(Problem(code, zh, en, lines))

    def warn(self, code: str, zh: str, en: str, lines: tuple[int, ...] = ()) -> None:
        self.warnings.append(Problem(code, zh, en, lines))

    def run(self) -> MappedReturn:
        order = self.order
        if order.cancel:
            self.block("cancelled", "该退货单已在管易云中作废（取消），不能推送。",
                       "This return was cancelled in Guanyi and cannot be posted.")
        if not order.code:
            self.block("empty_sheet_id", "退货单没有单据编号（code），无法作为精诚单据编号。",
                       "The return has no code, so it has no Jingcheng SheetID.")
        sheet_date = self.sheet_date()
        customer_code, customer_name = self.customer()
        lines = self.lines()
        self.check_amounts(lines)
        sendable = []
        for line in lines:
            if line.quantity is not None and line.price is not None:
                sendable.append(line)
            else:
                self.left_out.append(LeftOut(line.origin, "unusable"))
        left_out = tuple(sorted(self.left_out)) if self.left_out else ()
        if not sendable:
            return MappedReturn(order, None, tuple(self.blocking), tuple(self.warnings), (), left_out)
        signed = [self.signed(line) for line in sendable]
        with localcontext(_ARITHMETIC):
            total_quantity = sum((quantity for quantity, _ in signed), Decimal(0))
            total_amount = sum((amount for _, amount in signed), Decimal(0))
        sheet = Sheet(
            sheet_id=order.code,
            sheet_date=sheet_date,
            customer_code=customer_code,
            customer_name=customer_name,
            red_blue=self.rules.red_value,
            qua=quantity_text(total_quantity),
            amo=amount_text(total_amount),
            remark=render(self.rules.remark_template, self.template_values(), self.rules.remark_length),
            items=tuple(self.sheet_line(line, *numbers) for line, numbers in zip(sendable, signed, strict=True)),
        )
        return MappedReturn(order, sheet, tuple(self.blocking), tuple(self.warnings),
                            tuple(line.origin for line in sendable), left_out)

    # header

    def sheet_date(self) -> str:
        order = self.order
        when = order.create_date if self.rules.date_source == "create" else order.receive_date or order.create_date
        if when is None:
            if self.rules.date_source == "create":
                self.block("empty_date", "创建时间为空，无法确定单据日期。",
                           "The creation date is empty, so there is no SheetDate.")
            else:
                self.block("empty_date", "入库时间和创建时间都为空，无法确定单据日期。",
                           "Both the receive date and the creation date are empty, so there is no SheetDate.")
            return ""
        return format_date(when.date(), self.rules.date_format)

    def customer(self) -> tuple[str, str]:
        order = self.order
        entry = self.tables.shops.get(order.shop_code) if order.shop_code else None
        if not order.shop_code:
            self.block("empty_customer", "退货单没有店铺编码（shop_code），无法确定精诚客户编码。",
                       "The return has no shop code, so there is no Jingcheng CustomerCode.")
            return "", order.shop_name
        if entry is None or not entry.code:
            shop = f"{order.shop_code}（{order.shop_name}）" if order.shop_name else f"{order.shop_code} "
            shop_en = f"{order.shop_code} ({order.shop_name})" if order.shop_name else order.shop_code
            self.warn("unknown_shop", f"店铺 {shop}不在店铺对照表中，客户编码直接使用店铺编码 {order.shop_code}。",
                      f"Shop {shop_en} is not in the shop table; the shop code {order.shop_code} is used as the "
                      "CustomerCode.")
            return order.shop_code, (entry.name if entry and entry.name else order.shop_name)
        return entry.code, entry.name or order.shop_name

    def template_values(self) -> dict[str, str]:
        return {name: str(getattr(self.order, name)) for name in PLACEHOLDERS}

    # lines

    def lines(self) -> list[_Line]:
        """The lines that go on the sheet, with quantity and price where they are usable."""
        rules = self.rules
        qty_zh, qty_en = _QTY_FIELD[rules.qty_source]
        received, unusable, gifts = 0, 0, []
        kept: list[_Line] = []
        unmapped: dict[str, list[int]] = {}  # goods codes not in the table, in order, once each: their lines
        for number, source in enumerate(self.order.lines, start=1):
            code = _goods_code(source, rules)
            # An empty cell in the goods table means "not mapped", never an empty GoodsID.
            line = _Line(number, source, code, self.tables.goods.get(code) or code)
            where_zh, where_en = _line_zh(number, line.code), _line_en(number, line.code)
            here = (number,)
            quantity = source.real_in if rules.qty_source == "real_in" else source.qty
            if quantity is None:
                unusable += 1
                self.left_out.append(LeftOut(line.origin, "unusable"))
                self.block("missing_quantity", f"{where_zh}缺少{qty_zh}，无法确定数量。",
                           f"{where_en} has no {qty_en}, so its quantity is unknown.", here)
                continue
            if _out_of_range(quantity, _MAX_PLACES):
                unusable += 1
                self.left_out.append(LeftOut(line.origin, "unusable"))
                raw = _raw_text(source, rules.qty_source)
                self.block("implausible_number",
                           f"{where_zh}的{qty_zh}“{raw}”无法使用（数值过大或小数位过多），请在管易云中核对。",
                           f"{where_en}: the {qty_en} '{raw}' cannot be used (too large or too many decimals); "
                           "please check it in Guanyi.", here)
                continue
            if quantity < 0:
                unusable += 1
                self.left_out.append(LeftOut(line.origin, "unusable"))
                self.block("negative_quantity", f"{where_zh}的{qty_zh}为负数：{quantity_text(quantity)}。",
                           f"{where_en} has a negative {qty_en}: {quantity_text(quantity)}.", here)
                continue
            if quantity == 0:
                self.left_out.append(LeftOut(line.origin, "not_received"))
                continue
            received += 1
            if source.is_gift:
                gifts.append(number)
                if rules.gifts == "drop":
                    self.left_out.append(LeftOut(line.origin, "gift_dropped"))
                    continue
            line.quantity = quantity
            line.price = self.line_price(line, where_zh, where_en)
            if not line.code:
                which = "item_code" if rules.goods_code == "item_code" else "sku_code 与 item_code 都"
                which_en = "item_code is" if rules.goods_code == "item_code" else "sku_code and item_code are"
                self.block("empty_goods_id", f"{where_zh}没有商品编码（{which}为空），无法确定精诚商品编号。",
                           f"{where_en}: {which_en} empty, so there is no Jingcheng GoodsID.", here)
            elif not self.tables.goods.get(line.code):
                unmapped.setdefault(line.code, []).append(number)
            kept.append(line)
        if unmapped:
            # One sentence for the return: a line-by-line list would bury the other warnings.
            listed = "、".join(unmapped)
            self.warn("unknown_goods", f"商品 {listed} 不在商品对照表中，精诚商品编号直接使用管易云编码。",
                      f"Goods {', '.join(unmapped)} not in the goods table; their Guanyi codes are used as GoodsID.",
                      tuple(sorted(n for numbers in unmapped.values() for n in numbers)))
        self.gift_warning(gifts)
        if not received and not unusable:
            self.block("nothing_received", f"没有可推送的商品：所有明细的{qty_zh}都为 0（或没有明细）。",
                       f"There is nothing to post: every line's {qty_en} is 0 (or there are no lines).")
        elif received and not kept and not unusable:
            self.block("nothing_received", "除赠品外没有可推送的商品，而赠品按设置不推送。",
                       "There is nothing to post but gift lines, and gift lines are set to be left out.")
        return kept

    def line_price(self, line: _Line, where_zh: str, where_en: str) -> Decimal | None:
        source = line.source
        here = (line.number,)
        if self.rules.price_source == "after_discount":
            if source.amount_after is None:
                self.block("missing_price", f"{where_zh}缺少让利后金额（amount_after），无法计算单价。",
                           f"{where_en} has no after-discount amount (amount_after), so its price is unknown.", here)
                return None
            if source.qty is None or source.qty <= 0:
                self.block("missing_price", f"{where_zh}的待入库数（qty）为 0 或为空，无法由让利后金额计算单价。",
                           f"{where_en} has no quantity (qty), so no price can be derived from its "
                           "after-discount amount.", here)
                return None
            if _out_of_range(source.amount_after, _MAX_PLACES) or _out_of_range(source.qty, _MAX_PLACES):
                self.block("implausible_number",
                           f"{where_zh}的让利后金额或待入库数无法使用（数值过大或小数位过多），请在管易云中核对。",
                           f"{where_en}: the after-discount amount or quantity cannot be used (too large or too "
                           "many decimals); please check it in Guanyi.", here)
                return None
            with localcontext(_ARITHMETIC):
                price = round_price(source.amount_after / source.qty)
            if _out_of_range(price):
                self.block("implausible_number",
                           f"{where_zh}由让利后金额 {_raw_text(source, 'amount_after')} ÷ 待入库数 "
                           f"{_raw_text(source, 'qty')} 得出的单价过大，请在管易云中核对。",
                           f"{where_en}: the price derived from the after-discount amount "
                           f"{_raw_text(source, 'amount_after')} ÷ qty {_raw_text(source, 'qty')} is too large; "
                           "please check it in Guanyi.", here)
                return None
            name_zh, name_en = "让利后单价", "after-discount price"
        else:
            if source.price is None:
                self.block("missing_price", f"{where_zh}缺少单价（price）。", f"{where_en} has no price.", here)
                return None
            if _out_of_range(source.price):
                self.block("implausible_number",
                           f"{where_zh}的单价“{_raw_text(source, 'price')}”无法使用（数值过大），请在管易云中核对。",
                           f"{where_en}: the price '{_raw_text(source, 'price')}' cannot be used (too large); "
                           "please check it in Guanyi.", here)
                return None
            price = round_price(source.price)
            name_zh, name_en = "单价", "price"
        if price < 0:
            self.block("negative_price", f"{where_zh}{name_zh}为负数：{price_text(price)}",
                       f"{where_en} has a negative {name_en}: {price_text(price)}", here)
        return price

    def gift_warning(self, gifts: list[int]) -> None:
        if not gifts:
            return
        numbers_zh, numbers_en = "、".join(map(str, gifts)), ", ".join(map(str, gifts))
        if self.rules.gifts == "drop":
            self.warn("gift_lines", f"第 {numbers_zh} 行是赠品，已按设置剔除，不推送。",
                      f"Line(s) {numbers_en} are gifts and are left out, as set.", tuple(gifts))
        else:
            self.warn("gift_lines", f"第 {numbers_zh} 行是赠品，已保留，明细备注前加“{GIFT_PREFIX}”。",
                      f"Line(s) {numbers_en} are gifts; they are kept, their remark starting with '{GIFT_PREFIX}'.",
                      tuple(gifts))

    def signed(self, line: _Line) -> tuple[Decimal, Decimal]:
        """The signed quantity and amount of a line that goes on the sheet."""
        assert line.quantity is not None and line.price is not None
        with localcontext(_ARITHMETIC):
            amount = round_amount(line.quantity * line.price)
            if self.rules.sign == "negative":
                return -line.quantity, -amount
        return line.quantity, amount

    def sheet_line(self, line: _Line, quantity: Decimal, amount: Decimal) -> SheetLine:
        assert line.price is not None
        note = line.source.note
        if line.source.is_gift and not note.startswith(GIFT_PREFIX):  # a note that says 赠品 already says it
            note = f"{GIFT_PREFIX} {note}"
        return SheetLine(
            qua=quantity_text(quantity),
            goods_id=line.goods_id,
            price=price_text(line.price),
            amo=amount_text(amount),
            remark=cut(collapse(note), self.rules.remark_length),
        )

    def unreadable_amount(self, line: _Line) -> None:
        """Guanyi sent an amount for the line that is no usable number (``1e309``, ``NaN``, a date): the sheet does
        not need it, but the check against it cannot be made, and the accountant should know that."""
        raw = line.source.raw.get("amount")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return  # no amount at all: nothing was promised to check against
        shown = str(raw) if len(str(raw)) <= 30 else str(raw)[:30] + "…"
        self.warn("amount_unreadable",
                  f"{_line_zh(line.number, line.code)}的管易云金额“{shown}”不是可用的数字，未能与计算金额核对。",
                  f"{_line_en(line.number, line.code)}: Guanyi's amount '{shown}' is not a usable number, so the "
                  "sheet's amount was not checked against it.", (line.number,))

    def check_amounts(self, lines: list[_Line]) -> None:
        """Warn where the sheet carries a different amount than 管易云 shows for the line (or the return)."""
        after = self.rules.price_source == "after_discount"
        price_zh, price_en = ("让利后单价", "after-discount price ") if after else ("单价", "")
        mapped_total, source_total, line_warned, compared = Decimal(0), Decimal(0), False, False
        for line in lines:
            source_amount = line.source.amount
            if source_amount is None or _out_of_range(source_amount):
                self.unreadable_amount(line)
                continue
            if line.quantity is None or line.price is None:
                continue
            with localcontext(_ARITHMETIC):
                mapped = round_amount(line.quantity * line.price)
                difference = mapped - source_amount
                mapped_total += mapped
                source_total += source_amount
            compared = True
            if difference.copy_abs() > _TOLERANCE:
                line_warned = True
                where_zh, where_en = _line_zh(line.number, line.code), _line_en(line.number, line.code)
                self.warn("amount_differs",
                          f"{where_zh}按数量 {quantity_text(line.quantity)} × {price_zh} {price_text(line.price)} "
                          f"计算的金额 {amount_text(mapped)} 与管易云金额 {amount_text(source_amount)} 相差 "
                          f"{amount_text(difference.copy_abs())}。",
                          f"{where_en}: {quantity_text(line.quantity)} × {price_en}{price_text(line.price)} = "
                          f"{amount_text(mapped)}, but Guanyi shows {amount_text(source_amount)} (a difference of "
                          f"{amount_text(difference.copy_abs())}).", (line.number,))
        with localcontext(_ARITHMETIC):
            total_difference = (mapped_total - source_total).copy_abs()
        if compared and not line_warned and total_difference > _TOLERANCE:
            self.warn("amount_differs",
                      f"整单金额 {amount_text(mapped_total)} 与管易云各行金额合计 {amount_text(source_total)} 相差 "
                      f"{amount_text(total_difference)}（各行舍入累积所致）。",
                      f"The sheet's amount {amount_text(mapped_total)} differs from Guanyi's total of the lines "
                      f"{amount_text(source_total)} by {amount_text(total_difference)} (rounding adds up over "
                      "the lines).")


def map_return(order: ReturnOrder, rules: MappingRules, tables: ValueTables) -> MappedReturn:
    """The 精诚 sheet for ``order`` with its blocking problems and warnings; never raises for bad data."""
    return _Mapper(order, rules, tables).run()

