"""Seeded, realistic 退货单 records in the shape of ``gy.erp.trade.return.get`` (SPEC §2.5, §9).

The records carry the drift a real tenant sends — numbers as text and as numbers, flags as
booleans and as 0/1, nulls, payments at the top level or under the lines — so that a client
tested against the sandbox meets it before a shop accountant does. Money is computed in
``Decimal``; a float in the output is made from the Decimal's text, on purpose.

Same seed and same ``end`` → the same records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.timeutil import format_datetime

CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")

# (name, code): codes as tenants really set them — letters, digits, and Chinese.
SHOPS = (
    ("天猫-雅居家纺旗舰店", "TMYJ01"),
    ("京东-简朴生活自营店", "JD-JPSH"),
    ("拼多多-鲜果农庄", "PDD03"),
    ("抖音-花间衣橱", "DY花间"),
    ("淘宝-小林家居百货", "店铺A"),
    ("天猫-锦绣童装旗舰店", "03"),
    ("唯品会-都市优选", "VIP-DSYX"),
    ("快手-山野零食铺", "KS零食"),
    ("天猫-茶香小院专营店", "TMCX"),
    ("小红书-素色生活馆", "XHS01"),
    ("京东-暖居床品专营店", "JD02"),
)


@dataclass(frozen=True)
class _Item:
    code: str
    name: str
    price: str
    skus: tuple[tuple[str, str], ...]  # (sku suffix, sku note)


CATALOG = (
    _Item("JF1001", "纯棉磨毛四件套 1.8m床", "299.00", (("-GRY", "浅灰色;1.8m床"), ("-BLU", "雾霾蓝;1.8m床"))),
    _Item("JF1002", "大豆纤维夏凉被", "168.00", (("-S", "200x230cm"), ("-L", "220x240cm"))),
    _Item("JF1003", "天然乳胶枕 一对装", "129.90", ()),
    _Item("FZ2001", "男士纯棉短袖T恤", "59.00", (("-M", "白色;M"), ("-L", "白色;L"), ("-XL", "黑色;XL"))),
    _Item("FZ2002", "女士高腰阔腿牛仔裤", "139.00", (("-26", "浅蓝;26"), ("-27", "浅蓝;27"), ("-28", "深蓝;28"))),
    _Item("FZ2003", "儿童加绒卫衣", "89.90", (("-110", "110cm"), ("-120", "120cm"), ("-130", "130cm"))),
    _Item("FZ2004", "羊毛混纺针织开衫", "268.00", (("-BEI", "米白;均码"),)),
    _Item("SP3001", "每日坚果礼盒 750g", "89.00", ()),
    _Item("SP3002", "云南小粒咖啡豆 500g", "76.50", (("-M", "中度烘焙"), ("-D", "深度烘焙"))),
    _Item("SP3003", "阿克苏冰糖心苹果 5斤装", "39.90", ()),
    _Item("SP3004", "手工红糖姜茶 12袋", "29.90", ()),
    _Item("SP3005", "西湖龙井 明前特级 250g", "458.00", ()),
    _Item("JJ4001", "北欧陶瓷马克杯 350ml", "36.00", (("-W", "奶白"), ("-G", "墨绿"))),
    _Item("JJ4002", "硅藻泥吸水地垫", "49.00", (("-40", "40x60cm"), ("-50", "50x80cm"))),
    _Item("JJ4003", "不锈钢保温杯 500ml", "99.00", (("-PK", "樱花粉"), ("-BK", "曜石黑"))),
    _Item("JJ4004", "实木收纳置物架 三层", "219.00", ()),
    _Item("MZ5001", "氨基酸洁面乳 120g", "69.00", ()),
    _Item("MZ5002", "玻尿酸补水面膜 10片", "99.00", ()),
    _Item("MY6001", "婴儿纯棉口水巾 5条装", "35.80", ()),
)

GIFTS = (
    _Item("ZP9001", "定制帆布袋（赠品）", "0", ()),
    _Item("ZP9002", "试用装小样（赠品）", "0", ()),
    _Item("ZP9003", "卡通冰箱贴（赠品）", "1.00", ()),
)

REASONS = (
    "7天无理由退换货", "尺码不合适", "质量问题", "商品与描述不符", "不喜欢/不想要", "发错货", "少件/漏发",
    "包装破损", "收到商品破损", "效果不好",
)
EXPRESS = (("ZTO", "中通快递"), ("YTO", "圆通速递"), ("SF", "顺丰速运"), ("YUNDA", "韵达快递"), ("STO", "申通快递"),
           ("JD", "京东物流"), ("EMS", "邮政EMS"))
WAREHOUSES = ("WH-GZ01", "WH-SH02", "退货仓", "CK001")
BUYERS = ("tb_小鱼儿", "jd_8815521", "快乐的西瓜", "momo2021", "静静的林间", "pdd_用户9527", "阿杰", "橙子不酸",
          "Lily_wang", "山间清风")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟")
PAY_TYPES = (("zhifubao", "支付宝"), ("weixin", "微信支付"), ("jdpay", "京东支付"), ("pdd", "多多支付"))
PLATFORM_STATUS = (
    "退款成功", "买家已退货，等待卖家确认收货", "卖家已同意退货，等待买家退货", "退款关闭", "退换货/退款成功",
)


class ReturnGenerator:
    """Makes the records of one sandbox; keeps its own RNG so extra records stay deterministic."""

    def __init__(self, seed: int, end: datetime, days: int) -> None:
        self.end = end.replace(microsecond=0)
        self.start = self.end - timedelta(days=days)
        self._rng = random.Random(seed)
        self.shops = self._rng.sample(SHOPS, self._rng.randint(6, 10))
        self._next_id = self._rng.randrange(300_000_000_000, 320_000_000_000)
        self._used_ids: set[int] = set()

    def generate(self, count: int) -> list[dict]:
        """``count`` records created over the period, ids growing with the creation time."""
        span = int((self.end - self.start).total_seconds())
        created = sorted(self.start + timedelta(seconds=self._rng.randint(0, span)) for _ in range(count))
        fates = self._rng.choices(("received", "unreceived", "cancelled"), weights=(78, 12, 10), k=count)
        return [self._record(self._sequential_id(), moment, fate) for moment, fate in zip(created, fates, strict=True)]

    def extra(self, accept_code: Callable[[str], bool] = lambda code: True, tries: int = 200) -> dict:
        """One more received record with a new id, preferring a code ``accept_code`` likes."""
        for _ in range(tries):
            candidate = self._rng.randrange(300_000_000_000, 999_999_999_999)
            if candidate not in self._used_ids and accept_code(f"RGO{candidate}"):
                break
        else:
            candidate = self._sequential_id()
        self._used_ids.add(candidate)
        return self._record(candidate, self.end, "received")

    def shop_name(self, shop_code: str) -> str | None:
        return next((name for name, code in SHOPS if code == shop_code), None)

    def _sequential_id(self) -> int:
        while True:
            self._next_id += self._rng.randint(1, 4000)
            if self._next_id not in self._used_ids:
                self._used_ids.add(self._next_id)
                return self._next_id

    def _record(self, record_id: int, created: datetime, fate: str) -> dict:
        rng = self._rng
        money = rng.choices(("text4", "float", "text", "number"), weights=(45, 25, 15, 15))[0]
        qty_style = rng.choices(("number", "text", "float", "text4"), weights=(60, 15, 15, 10))[0]
        shop_name, shop_code = rng.choice(self.shops)
        dates = self._dates(created, fate)
        received = fate == "received"
        platform_code = None if rng.random() < 0.05 else self._platform_code(shop_name)
        express = rng.choice(EXPRESS) if rng.random() < 0.85 else (None, None)
        buyer = rng.choice(BUYERS)
        receiver = rng.choice(SURNAMES) + rng.choice(GIVEN) + ("" if rng.random() < 0.5 else rng.choice(GIVEN))
        reason = rng.choice(REASONS) if rng.random() < 0.9 else rng.choice((None, ""))
        priced = self._lines(rng.randint(1, 5), received, money, qty_style, reason, platform_code)
        lines = [line for line, _ in priced]
        total = sum((amount for _, amount in priced), Decimal(0))
        payments = [self._payment(total, dates, money)] if rng.random() < 0.9 else []
        placement = rng.choices(("top", "details", "both"), weights=(60, 25, 15))[0]
        if placement != "top":
            for line in lines:
                line["payments"] = [self._detail_payment(line, dates, buyer, receiver, shop_name, reason)]

        record: dict = {
            "id": str(record_id) if rng.random() < 0.3 else record_id,
            "code": f"RGO{record_id}",
            "reason": reason,
            "note": rng.choice(("", "", None, "买家已寄回", "客服备注：赠品一并退回", "顾客要求尽快退款")),
            "create_date": dates["create"],
            "approve_date": dates["approve"],
            "approve": self._flag(dates["approve"] is not None, boolean=False),
            "receive_date": dates["receive"],
            "cancel": self._flag(fate == "cancelled", boolean=rng.random() < 0.9),
            "wms": rng.choice((0, 1, None)),
            "shop_name": shop_name,
            "shop_code": shop_code,
            "platform_code": platform_code,
            "vip_code": None if rng.random() < 0.3 else f"VIP{rng.randint(100000, 999999)}",
            "vip_name": buyer,
            "warehousein_code": rng.choice(WAREHOUSES) if received or rng.random() < 0.5 else None,
            "warehouseout_code": rng.choice((*WAREHOUSES, None)),
            "location_code": None if rng.random() < 0.7 else f"A-{rng.randint(1, 9):02d}-{rng.randint(1, 20):02d}",
            "express_code": express[0],
            "express_name": express[1],
            "express_num": None if express[0] is None else str(rng.randint(10**11, 10**14)),
            "receiver_name": receiver,
            "receiver_phone": self._phone(),
            "return_type": rng.choice((0, 0, 1, None)),
            "receive": self._flag(received, boolean=False),
            "agree_refuse": rng.choice((1, 1, 1, 0, None)),
            "order_code": rng.choice(("", f"SO{record_id - rng.randint(10**6, 10**8)}")),
            "modify_date": dates["modify"],
            "platform_refund_id": None if rng.random() < 0.15 else str(rng.randint(10**17, 10**18 - 1)),
            "sanwu_package": rng.random() < 0.04,
            "refund_type": rng.choice((1, 2)),
            "refund_phase": rng.choice((1, 2, None)),
            "cancel_date": dates["cancel"],
            "platform_status": rng.choice((*PLATFORM_STATUS, None)),
            "drp_tenant_name": None if rng.random() < 0.9 else "分销商-优品汇",
            "refund_codes": rng.choice(([], None, [f"RF{rng.randint(10**9, 10**10)}"])),
            "details": lines,
        }
        if placement != "details":
            record["payments"] = payments
        elif rng.random() < 0.5:
            record["payments"] = None
        return record

    def _dates(self, created: datetime, fate: str) -> dict[str, str | None]:
        """create <= approve <= receive <= modify, all at or before the end of the data."""
        rng = self._rng

        def after(moment: datetime, most: int) -> datetime:
            room = int((self.end - moment).total_seconds())
            return moment + timedelta(seconds=rng.randint(0, max(0, min(room, most))))

        approve = after(created, 6 * 3600) if fate != "cancelled" or rng.random() < 0.3 else None
        receive = after(approve or created, 5 * 86400) if fate == "received" else None
        cancel = after(created, 3 * 86400) if fate == "cancelled" else None
        last = max(d for d in (created, approve, receive, cancel) if d is not None)
        modify = last if cancel or rng.random() < 0.3 else after(last, 2 * 86400)
        if fate == "unreceived" and rng.random() < 0.5:
            approve = None  # many unreceived returns were never approved either
        return {
            "create": format_datetime(created),
            "approve": approve and format_datetime(approve),
            "receive": receive and format_datetime(receive),
            "cancel": cancel and format_datetime(cancel),
            "modify": format_datetime(modify),
        }

    def _lines(
        self, count: int, received: bool, money: str, qty_style: str, reason: str | None, platform_code: str | None
    ) -> list[tuple[dict, Decimal]]:
        """The detail lines, each with its amount as a Decimal (the emitted one may be a float or text)."""
        rng = self._rng
        lines = []
        for index in range(count):
            gift = index > 0 and rng.random() < 0.2
            item = rng.choice(GIFTS if gift else CATALOG)
            qty = rng.choices((1, 2, 3, 4, 5), weights=(60, 25, 8, 4, 3))[0]
            if gift:
                price = Decimal(item.price)
                amount = price * qty
            else:
                price, amount = self._price(Decimal(item.price), qty)
            cost = (Decimal(item.price) * Decimal("0.55")).quantize(CENT, ROUND_HALF_UP)
            discount = (amount * Decimal(rng.choice((0, 0, 2, 5, 8))) / 100).quantize(CENT, ROUND_HALF_UP)
            after = rng.choices((amount - discount, amount, Decimal(0)), weights=(80, 10, 10))[0]
            sku_suffix, sku_note = rng.choice(item.skus) if item.skus else ("", None)
            if sku_suffix and rng.random() < 0.95:
                sku_code: str | None = item.code + sku_suffix
            else:
                sku_code = rng.choice((None, "", item.code))
            lines.append(({
                "id": self._rng.randint(10**11, 10**12 - 1),
                "qty": self._number(Decimal(qty), qty_style),
                "note": "赠品" if gift else rng.choice((reason, None, "")),
                "oid": None if rng.random() < 0.4 else str(rng.randint(10**17, 10**18 - 1)),
                "discount": rng.choice((1, "1.0000", None)),
                "total_cost_price": self._number(cost * qty, money),
                "cost_price": self._number(cost, money),
                "post_fee": rng.choice((None, "0", 0, "8.00")),
                "sku_code": sku_code,
                "item_sku_id": None if rng.random() < 0.5 else str(rng.randint(10**11, 10**13)),
                "sku_note": sku_note,
                "item_name": item.name if rng.random() < 0.97 else None,
                "amount_after": self._number(after, money),
                "item_code": item.code,
                "item_id": None if rng.random() < 0.5 else str(rng.randint(10**11, 10**12)),
                "real_in": self._number(Decimal(self._real_in(qty, received)), qty_style),
                "price": self._number(price, money),
                "amount": self._number(amount, money),
                "discount_fee": self._number(discount, money),
                "is_gift": rng.choice((1, True)) if gift else rng.choice((0, False, 0)),
                "detail_batch": None if rng.random() < 0.85 else f"B{rng.randint(1, 999999):06d}",
                "detail_unique": None,
                "combine_item_code": None if rng.random() < 0.95 else "TZ" + item.code,
                "other_service_fee": rng.choice((0, "0", None)),
                "platform_code": platform_code,
            }, amount))
        return lines

    def _price(self, base: Decimal, qty: int) -> tuple[Decimal, Decimal]:
        """The unit price and line amount, mostly ``amount = qty × price``, with real-world exceptions."""
        rng = self._rng
        price = (base * Decimal(rng.choice((100, 100, 100, 95, 90, 85))) / 100).quantize(CENT, ROUND_HALF_UP)
        amount = price * qty
        roll = rng.random()
        if roll < 0.06 and qty > 1:
            # A coupon spread over the line: the price has 4 decimals and price × qty misses by a fraction.
            amount = amount - Decimal(rng.choice((5, 10, 20)))
            price = (amount / qty).quantize(FOUR_PLACES, ROUND_HALF_UP)
        elif roll < 0.09:
            # The platform adjusted the refund: the amount no longer equals qty × price.
            amount = amount - Decimal(rng.choice(("3.00", "5.50", "12.00")))
        return price, max(amount, Decimal(0))

    def _real_in(self, qty: int, received: bool) -> int:
        if not received:
            return 0
        roll = self._rng.random()
        if roll < 0.08:
            return 0
        if roll < 0.2 and qty > 1:
            return self._rng.randint(1, qty - 1)
        return qty

    def _payment(self, total: Decimal, dates: dict[str, str | None], money: str) -> dict:
        rng = self._rng
        code, _ = rng.choice(PAY_TYPES)
        return {
            "payment": self._number(total, rng.choice(("number", money))),
            "account": str(rng.randint(10**27, 10**28 - 1)),
            "pay_type_code": code,
            "pay_time": rng.choice((None, dates["create"])),
        }

    def _detail_payment(
        self, line: dict, dates: dict[str, str | None], buyer: str, receiver: str, shop: str, reason: str | None
    ) -> dict:
        rng = self._rng
        code, name = rng.choice(PAY_TYPES)
        return {
            "payment": line["amount_after"] if rng.random() < 0.7 else line["amount"],
            "account": rng.choice((None, str(rng.randint(10**27, 10**28 - 1)))),
            "pay_type_code": code,
            "pay_type_name": name,
            "pay_time": dates["create"],
            "refund_phase": rng.choice((1, 2)),
            "refund_type": rng.choice((1, 2)),
            "return_type": rng.choice((0, 1, None)),
            "receive": 1 if dates["receive"] else 0,
            "agree_refuse": rng.choice((1, 0, None)),
            "order_code": None,
            "modify_date": dates["modify"],
            "business_man": rng.choice((None, "客服小美", "售后-王工")),
            "receiver_name": receiver,
            "receiver_mobile": None,
            "area_name": rng.choice(("广东省-广州市-天河区", "浙江省-杭州市-西湖区", "上海-上海市-浦东新区", None)),
            "drp_tenant_code": None,
            "drp_tenant_name": None,
            "cancel_date": dates["cancel"],
            "warehousein_name": rng.choice(("广州退货仓", "上海中心仓", None)),
            "vip_name": buyer,
            "shop_name": shop,
            "platform_status": rng.choice(PLATFORM_STATUS),
            "refund_codes": [],
            "note": reason,
        }

    def _platform_code(self, shop_name: str) -> str:
        rng = self._rng
        if shop_name.startswith("拼多多"):
            return f"{rng.randint(230101, 241231)}-{rng.randint(10**14, 10**15 - 1)}"
        if shop_name.startswith("京东"):
            return str(rng.randint(10**11, 10**12 - 1))
        if shop_name.startswith("小红书"):
            return f"P{rng.randint(10**14, 10**15 - 1)}"
        return str(rng.randint(10**18, 10**19 - 1))

    def _phone(self) -> str | None:
        rng = self._rng
        masked = f"1{rng.randint(30, 99)}****{rng.randint(0, 9999):04d}"
        return rng.choice((None, masked, f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}"))

    def _flag(self, value: bool, *, boolean: bool) -> bool | int | str:
        if boolean:
            return value
        return ("1" if value else "0") if self._rng.random() < 0.05 else int(value)

    def _number(self, value: Decimal, style: str) -> object:
        """One number in a tenant's style; floats are built from the Decimal's text, never by arithmetic."""
        if style == "text4":
            return format(value.quantize(FOUR_PLACES, ROUND_HALF_UP), "f")
        if style == "text":
            return format(value.normalize(), "f") if value else "0"
        if style == "float":
            return float(str(value))
        if value == value.to_integral_value():
            return int(value)
        return float(str(value))
