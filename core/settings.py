"""Non-secret settings: every key, its default, and what values it takes.

Stored in the ``setting`` table; read through :func:`get`, so a key never set gives its default.
Secrets are refused here (they belong in the keyring, see :mod:`core.credentials`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ConfigError
from core.i18n import t
from core.mapping.dates import check_date_pattern
from core.mapping.remark import check_template
from core.store import Setting, db


@dataclass(frozen=True)
class Key:
    name: str
    default: str
    zh: str
    en: str
    choices: tuple[str, ...] = ()
    check: Callable[[str], bool] | None = None

    def describe(self) -> str:
        return t(self.zh, self.en)


def _positive_int(text: str) -> bool:
    return text.isdigit() and int(text) > 0


# The most records 管易云 returns in one page.
GUANYI_MAX_PAGE_SIZE = 100
# Windows a pull reads at once, at most: each is a request on the wire, and 管易云 throttles a busy appkey.
PULL_MAX_CONCURRENCY = 4


def _page_size(text: str) -> bool:
    return _positive_int(text) and int(text) <= GUANYI_MAX_PAGE_SIZE


def _concurrency(text: str) -> bool:
    return _positive_int(text) and int(text) <= PULL_MAX_CONCURRENCY


def _passes(check: Callable[[str], None]) -> Callable[[str], bool]:
    """A ``Key.check`` made of a check that raises :class:`ConfigError` for a value it refuses."""

    def passes(text: str) -> bool:
        try:
            check(text)
        except ConfigError:
            return False
        return True

    return passes


def _non_negative_int(text: str) -> bool:
    return text.isdigit()


def _url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _positive_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("ui.lang", "zh_CN", "界面语言", "Interface language", ("zh_CN", "en")),
        Key("guanyi.transport", "direct", "管易云接入方式", "Guanyi transport", ("direct", "qimen")),
        Key("guanyi.url", "http://v2.api.guanyierp.com/rest/erp_open", "管易云接口地址", "Guanyi API URL",
            check=_url),
        Key("guanyi.page_size", "100", "每页条数（1–100）", "Page size (1-100)", check=_page_size),
        Key("guanyi.connect_timeout", "10", "连接超时（秒）", "Connect timeout (s)", check=_positive_number),
        Key("guanyi.read_timeout", "60", "读取超时（秒）", "Read timeout (s)", check=_positive_number),
        Key("guanyi.retries", "4", "读取失败重试次数", "Retries of a failed read", check=_non_negative_int),
        Key("qimen.url", "http://tp8z6548i2.api.taobao.com/router/qm", "奇门网关地址", "Qimen gateway URL",
            check=_url),
        Key("qimen.target_app_key", "21226717", "管易云在奇门的 target_app_key", "Guanyi's Qimen target_app_key"),
        Key("qimen.sign_method", "md5", "奇门签名方式", "Qimen sign method", ("md5", "hmac", "hmac-sha256")),
        Key("qimen.customer_id", "", "奇门 customerId（可空）", "Qimen customerId (optional)"),
        Key("pull.axis", "receive", "默认时间类型", "Default time axis", ("receive", "modify", "create")),
        Key("pull.window_days", "1", "每个查询窗口的天数", "Days per query window", check=_positive_int),
        Key("pull.overlap_minutes", "5", "“从上次拉取”回溯分钟数", "Overlap of 'since last pull' (minutes)",
            check=_non_negative_int),
        Key("pull.max_rereads", "3", "总数变化时重读窗口的次数", "Re-reads of a window whose total drifts",
            check=_non_negative_int),
        Key("pull.concurrency", "2", "同时读取的窗口数（1–4）", "Windows read at once (1-4)", check=_concurrency),
        Key("jingcheng.url", "http://127.0.0.1:8090", "精诚接口基础地址", "Jingcheng base URL", check=_url),
        Key("jingcheng.url_template", "{base_url}/{method}", "精诚地址模板", "Jingcheng URL template"),
        Key("jingcheng.method", "ExtApi_RecvExSheet", "精诚接口名", "Jingcheng interface name"),
        Key("jingcheng.auth", "token", "精诚认证方式", "Jingcheng authentication",
            ("token", "none", "basic", "md5-sign")),
        Key("jingcheng.reply.flag_path", "Flag", "回复中成功标志的路径", "Reply path of the success flag"),
        Key("jingcheng.reply.message_path", "Message", "回复中消息的路径", "Reply path of the message"),
        Key("jingcheng.reply.sheet_no_path", "SheetNo", "回复中精诚单号的路径", "Reply path of the sheet number"),
        Key("jingcheng.reply.success_values", "1,true", "表示成功的值（逗号分隔）",
            "Values meaning success (comma-separated)"),
        Key("jingcheng.connect_timeout", "10", "精诚连接超时（秒）", "Jingcheng connect timeout (s)",
            check=_positive_number),
        Key("jingcheng.read_timeout", "30", "精诚读取超时（秒）", "Jingcheng read timeout (s)",
            check=_positive_number),
        Key("mapping.date_source", "receive", "单据日期来源", "SheetDate source", ("receive", "create")),
        Key("mapping.date_format", "yyyy-MM-dd", "单据日期格式", "SheetDate format", check=_passes(check_date_pattern)),
        Key("mapping.qty_source", "real_in", "数量来源", "Quantity source", ("real_in", "qty")),
        Key("mapping.price_source", "price", "单价来源", "Price source", ("price", "after_discount")),
        Key("mapping.goods_code", "sku_then_item", "商品编码来源", "Goods code source",
            ("sku_then_item", "item_code")),
        Key("mapping.red_value", "R", "红单的 RedBlue 值", "RedBlue value of a red sheet"),
        Key("mapping.sign", "positive", "红单数字符号", "Sign of numbers on a red sheet", ("positive", "negative")),
        Key("mapping.gifts", "keep", "赠品行", "Gift lines", ("keep", "drop")),
        Key("mapping.remark_template", "管易退货单 {code} 平台单号 {platform_code} {reason}", "备注模板",
            "Remark template", check=_passes(check_template)),
        Key("mapping.remark_length", "200", "备注最大长度（GBK 字节，汉字计 2）",
            "Remark maximum length (GBK bytes; a Chinese character counts 2)", check=_positive_int),
    ]
}

_SECRET_WORDS = ("secret", "password", "token", "sessionkey", "session")


def _key(name: str) -> Key:
    if any(word in name.lower() for word in _SECRET_WORDS):
        raise ConfigError(
            f"“{name}”是密钥类信息，请用 credentials set 存入系统钥匙串，不能写入设置。",
            f"'{name}' is a secret; store it with 'credentials set' (the system keyring), not in settings.",
        )
    try:
        return KEYS[name]
    except KeyError:
        raise ConfigError(
            f"没有名为“{name}”的设置。可用 config show 查看全部设置。",
            f"There is no setting named '{name}'. 'config show' lists them all.",
        ) from None


def get(name: str) -> str:
    key = _key(name)
    row = Setting.get_or_none(Setting.key == name)
    return row.value if row is not None else key.default


def get_int(name: str) -> int:
    return int(get(name))


def get_float(name: str) -> float:
    return float(get(name))


def validate(name: str, value: str) -> str:
    key = _key(name)
    value = value.strip()
    if key.choices and value not in key.choices:
        raise ConfigError(
            f"“{name}”只能取：{'、'.join(key.choices)}（收到“{value}”）。",
            f"'{name}' takes one of: {', '.join(key.choices)} (got '{value}').",
        )
    if key.check and not key.check(value):
        raise ConfigError(
            f"“{value}”不是“{name}”（{key.zh}）的有效值。",
            f"'{value}' is not a valid value for '{name}' ({key.en}).",
        )
    return value


def set_value(name: str, value: str) -> str:
    """Validate and store; returns the stored text."""
    value = validate(name, value)
    with db.atomic():
        Setting.insert(key=name, value=value).on_conflict_replace().execute()
    return value


def all_settings() -> dict[str, str]:
    stored = {row.key: row.value for row in Setting.select()}
    return {name: stored.get(name, key.default) for name, key in KEYS.items()}
