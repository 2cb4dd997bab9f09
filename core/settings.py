"""Non-secret settings: every key, its default, and what values it takes.

Stored in the ``setting`` table; read through :func:`get`, so a key never set gives its default.
Secrets are refused here (they belong in the keyring, see :mod:`core.credentials`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import peewee as pw

from core.advice import Advice
from core.errors import ConfigError
from core.guanyi.signing import QIMEN_SIGN_METHODS
from core.i18n import t
from core.mapping.dates import check_date_pattern
from core.mapping.remark import check_template
from core.store import Setting, db


@dataclass(frozen=True)
class Key:
    """One setting. ``choices``: each value it takes, with what it means for a person who does not know the stored
    word, as (Chinese, English). ``check``: for a key without choices, raises :class:`ConfigError` saying what is
    wrong with a value (the limit or the rule), in a sentence that does not need to name the setting."""

    name: str
    default: str
    zh: str
    en: str
    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    check: Callable[[str], None] | None = None

    def describe(self) -> str:
        return t(self.zh, self.en)

    def choice_text(self, value: str) -> str:
        """A choice as the window shows it: its meaning, and the stored word where that differs."""
        label = self.choices.get(value)
        if label is None:
            return value
        meaning = t(*label)
        return value if meaning == value else t(f"{meaning}（{value}）", f"{meaning} ({value})")

    def choice_label(self, value: str) -> str:
        """A choice's meaning alone (the stored word when it has none)."""
        label = self.choices.get(value)
        return t(*label) if label else value


# The most records 管易云 returns in one page.
GUANYI_MAX_PAGE_SIZE = 100
# Windows a pull reads at once, at most: each is a request on the wire, and 管易云 throttles a busy appkey.
PULL_MAX_CONCURRENCY = 4


def _whole_number(low: int, high: int | None = None) -> Callable[[str], None]:
    def check(text: str) -> None:
        if not (text.isascii() and text.isdigit()) or int(text) < low or (high is not None and int(text) > high):
            if high is not None:
                raise ConfigError(f"须是 {low} 到 {high} 之间的整数。",
                                  f"It must be a whole number from {low} to {high}.")
            raise ConfigError(f"须是不小于 {low} 的整数。", f"It must be a whole number of at least {low}.")

    return check


def _url(text: str) -> None:
    if not text.startswith(("http://", "https://")):
        raise ConfigError("地址须以 http:// 或 https:// 开头。", "The address must start with http:// or https://.")


def _seconds(text: str) -> None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0:
        raise ConfigError("须是大于 0 的秒数，可带小数，如 10 或 2.5。",
                          "It must be a number of seconds above 0, decimals allowed: e.g. 10 or 2.5.")


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ConfigError("不能为空。", "It must not be empty.")


def _red_value(text: str) -> None:
    if not text.strip():
        # A blank RedBlue could book the return as a blue (sales) sheet in 精诚.
        raise ConfigError("不能为空：空的 RedBlue 可能让退货在精诚里记成蓝单（销售单）。",
                          "It must not be empty: a blank RedBlue could book the return as a blue (sales) sheet.")


def success_values(text: str) -> tuple[str, ...]:
    """``jingcheng.reply.success_values`` as the words it holds, lower case."""
    return tuple(value.strip().lower() for value in text.split(",") if value.strip())


def _success_values(text: str) -> None:
    if not success_values(text):
        raise ConfigError("至少要有一个值，否则没有任何回复会被视为成功。",
                          "It needs at least one value, or no reply would count as success.")


def _team_url(text: str) -> None:
    if text:  # empty: this PC's own data file
        from core.team.connection import check_url

        check_url(text)


def _ca_file(text: str) -> None:
    from core.tls import check_ca_file

    check_ca_file(text)


# Turning the check off is a choice a person sees in Settings, and it is logged each time it is used (core.tls).
_VERIFY_TLS = {"on": ("校验证书（推荐）", "Verify certificates (recommended)"),
               "off": ("不校验证书（不安全）", "Do not verify (insecure)")}

_POSITIVE = _whole_number(1)
_NON_NEGATIVE = _whole_number(0)

KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("ui.lang", "zh_CN", "界面语言", "Interface language",
            {"zh_CN": ("简体中文", "Simplified Chinese"), "en": ("English", "English")}),
        Key("guanyi.transport", "direct", "管易云接入方式", "Guanyi transport",
            {"direct": ("管易云开放接口直连", "Guanyi open API, direct"),
             "qimen": ("经淘宝奇门网关", "Through the Taobao Qimen gateway")}),
        Key("guanyi.url", "http://v2.api.guanyierp.com/rest/erp_open", "管易云接口地址", "Guanyi API URL",
            check=_url),
        Key("guanyi.page_size", "100", "每页条数（1–100）", "Page size (1-100)",
            check=_whole_number(1, GUANYI_MAX_PAGE_SIZE)),
        Key("guanyi.connect_timeout", "10", "连接超时（秒）", "Connect timeout (s)", check=_seconds),
        Key("guanyi.read_timeout", "60", "读取超时（秒）", "Read timeout (s)", check=_seconds),
        Key("guanyi.retries", "4", "读取失败重试次数", "Retries of a failed read", check=_NON_NEGATIVE),
        Key("guanyi.total_timeout", "120", "一次读取的总时限（秒，含重试）",
            "Total time of one read, retries included (s)", check=_seconds),
        Key("guanyi.verify_tls", "on", "管易云/奇门 HTTPS 证书校验", "Guanyi/Qimen HTTPS certificate check",
            _VERIFY_TLS),
        Key("guanyi.ca_file", "", "管易云/奇门信任的 CA 证书文件（可空）", "Guanyi/Qimen trusted CA file (optional)",
            check=_ca_file),
        Key("qimen.url", "http://tp8z6548i2.api.taobao.com/router/qm", "奇门网关地址", "Qimen gateway URL",
            check=_url),
        Key("qimen.target_app_key", "21226717", "管易云在奇门的 target_app_key", "Guanyi's Qimen target_app_key"),
        Key("qimen.sign_method", "md5", "奇门签名方式", "Qimen sign method",
            {method: (method, method) for method in QIMEN_SIGN_METHODS}),
        Key("qimen.customer_id", "", "奇门 customerId（可空）", "Qimen customerId (optional)"),
        Key("pull.axis", "receive", "默认时间类型", "Default time axis",
            {"receive": ("入库时间", "Receive time"), "modify": ("修改时间", "Modify time"),
             "create": ("创建时间", "Create time")}),
        Key("pull.window_days", "1", "每个查询窗口的天数", "Days per query window", check=_POSITIVE),
        Key("pull.overlap_minutes", "5", "“从上次拉取”回溯分钟数", "Overlap of 'since last pull' (minutes)",
            check=_NON_NEGATIVE),
        Key("pull.max_rereads", "3", "总数变化时重读窗口的次数", "Re-reads of a window whose total drifts",
            check=_NON_NEGATIVE),
        Key("pull.concurrency", "2", "同时读取的窗口数（1–4）", "Windows read at once (1-4)",
            check=_whole_number(1, PULL_MAX_CONCURRENCY)),
        Key("jingcheng.url", "http://127.0.0.1:8090", "精诚接口基础地址", "Jingcheng base URL", check=_url),
        Key("jingcheng.url_template", "{base_url}/{method}", "精诚地址模板", "Jingcheng URL template",
            check=_not_blank),
        Key("jingcheng.method", "ExtApi_RecvExSheet", "精诚接口名", "Jingcheng interface name"),
        Key("jingcheng.auth", "token", "精诚认证方式", "Jingcheng authentication",
            {"token": ("Bearer 令牌", "Bearer token"), "none": ("不认证", "No authentication"),
             "basic": ("用户名和密码", "User name and password"),
             "md5-sign": ("appkey + MD5 签名", "appkey + MD5 signature")}),
        Key("jingcheng.reply.flag_path", "Flag", "回复中成功标志的路径", "Reply path of the success flag",
            check=_not_blank),
        Key("jingcheng.reply.message_path", "Message", "回复中消息的路径", "Reply path of the message"),
        Key("jingcheng.reply.sheet_no_path", "SheetNo", "回复中精诚单号的路径", "Reply path of the sheet number"),
        Key("jingcheng.reply.success_values", "1,true", "表示成功的值（逗号分隔）",
            "Values meaning success (comma-separated)", check=_success_values),
        Key("jingcheng.connect_timeout", "10", "精诚连接超时（秒）", "Jingcheng connect timeout (s)", check=_seconds),
        Key("jingcheng.read_timeout", "30", "精诚读取超时（秒）", "Jingcheng read timeout (s)", check=_seconds),
        Key("jingcheng.verify_tls", "on", "精诚 HTTPS 证书校验", "Jingcheng HTTPS certificate check", _VERIFY_TLS),
        Key("jingcheng.ca_file", "", "精诚信任的 CA 证书文件（可空）", "Jingcheng trusted CA file (optional)",
            check=_ca_file),
        Key("mapping.date_source", "receive", "单据日期来源", "SheetDate source",
            {"receive": ("入库日期，没有时用创建日期", "Received date, else created date"),
             "create": ("创建日期", "Created date")}),
        Key("mapping.date_format", "yyyy-MM-dd", "单据日期格式", "SheetDate format", check=check_date_pattern),
        Key("mapping.qty_source", "real_in", "数量来源", "Quantity source",
            {"real_in": ("实际入库数", "Received quantity"), "qty": ("待入库数", "Quantity to receive")}),
        Key("mapping.price_source", "price", "单价来源", "Price source",
            {"price": ("实际单价", "Actual price"),
             "after_discount": ("让利后单价 = 让利后金额 ÷ 数量", "After discount = amount_after ÷ qty")}),
        Key("mapping.goods_code", "sku_then_item", "商品编码来源", "Goods code source",
            {"sku_then_item": ("规格编码，为空时用商品编码", "SKU code, else item code"),
             "item_code": ("只用商品编码", "Item code only")}),
        Key("mapping.red_value", "R", "红单的 RedBlue 值", "RedBlue value of a red sheet", check=_red_value),
        Key("mapping.sign", "positive", "红单数字符号", "Sign of numbers on a red sheet",
            {"positive": ("正数", "Positive"), "negative": ("负数", "Negative")}),
        Key("mapping.gifts", "keep", "赠品行", "Gift lines",
            {"keep": ("保留，行备注前加“赠品”", "Keep, line remark starts with 赠品"), "drop": ("去掉", "Drop")}),
        Key("mapping.remark_template", "管易退货单 {code} 平台单号 {platform_code} {reason}", "备注模板",
            "Remark template", check=check_template),
        Key("mapping.remark_length", "200", "备注最大长度（GBK 字节，汉字计 2）",
            "Remark maximum length (GBK bytes; a Chinese character counts 2)", check=_POSITIVE),
        Key("team.url", "", "团队共享数据库地址（空：只用本机数据文件）",
            "Team shared database address (empty: this PC's data file only)", check=_team_url),
        Key("team.lease_seconds", "120", "推送租约（秒）：超时未记下结果的推送变为状态未知",
            "Push lease (s): a push with no outcome recorded by then becomes unknown", check=_seconds),
    ]
}

_SECRET_WORDS = ("secret", "password", "token", "sessionkey", "session")


def _key(name: str) -> Key:
    if any(word in name.lower() for word in _SECRET_WORDS):
        raise ConfigError(
            f"“{name}”是密钥类信息，只存入系统钥匙串，不能写入设置。",
            f"'{name}' is a secret: it goes to the system keyring, never into the settings.",
            advice=Advice.SECRET_NOT_A_SETTING,
        )
    try:
        return KEYS[name]
    except KeyError:
        raise ConfigError(
            f"没有名为“{name}”的设置。",
            f"There is no setting named '{name}'.",
            advice=Advice.NO_SUCH_SETTING,
        ) from None


# Kept by each PC in its own data file even when the rest is shared (SPEC §11): window preferences and the address
# of the shared database itself.
PER_PC = frozenset({"ui.lang", "team.url"})


def _local(name: str) -> pw.Database | None:
    """This PC's data file, for a per-PC key while the store is shared; ``None`` otherwise."""
    if name not in PER_PC:
        return None
    from core.team.connection import local_database

    return local_database()


def get(name: str) -> str:
    key = _key(name)
    local = _local(name)
    if local is not None:
        row = local.execute_sql("SELECT value FROM setting WHERE key = ?", (name,)).fetchone()
        return row[0] if row else key.default
    row = Setting.get_or_none(Setting.key == name)
    return row.value if row is not None else key.default


def get_int(name: str) -> int:
    return int(get(name))


def get_float(name: str) -> float:
    return float(get(name))


def validate(name: str, value: str) -> str:
    """``value`` trimmed, or a :class:`ConfigError` naming the setting and saying what is wrong with the value."""
    key = _key(name)
    value = value.strip()
    if key.choices and value not in key.choices:
        raise ConfigError(
            f"设置“{name}”（{key.zh}）只能取：{'、'.join(key.choices)}（收到“{value}”）。",
            f"The setting '{name}' ({key.en}) takes one of: {', '.join(key.choices)} (got '{value}').",
            setting=name,
        )
    if key.check is not None:
        try:
            key.check(value)
        except ConfigError as reason:
            raise ConfigError(
                f"设置“{name}”（{key.zh}）不能取“{value}”：{reason.zh}",
                f"The setting '{name}' ({key.en}) cannot be '{value}': {reason.en}",
                setting=name,
            ) from None
    return value


def set_value(name: str, value: str) -> str:
    """Validate and store; returns the stored text."""
    value = validate(name, value)
    local = _local(name)
    if local is not None:
        with local.atomic():
            local.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (name, value))
        return value
    with db.atomic():
        Setting.insert(key=name, value=value).on_conflict_replace().execute()
    return value


def all_settings() -> dict[str, str]:
    stored = {row.key: row.value for row in Setting.select() if _local(row.key) is None}
    stored.update({name: get(name) for name in PER_PC if _local(name) is not None})
    return {name: stored.get(name, key.default) for name, key in KEYS.items()}
