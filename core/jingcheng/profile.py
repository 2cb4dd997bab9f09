"""The 精诚 interface profile (SPEC §3.2): everything about ``ExtApi_RecvExSheet`` that an installation may change —
its address, authentication, and where its reply keeps the verdict, the message and 精诚's sheet number.

精诚 publishes no description of the interface, so these are settings (``jingcheng.*``) with the defaults the
built-in sandbox speaks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from core import settings
from core.errors import ConfigError

# A flag written as a number ("1", "1.0", "-0"); short, so a silly exponent cannot cost anything.
_PLAIN_NUMBER = re.compile(r"[+-]?\d{1,18}(?:\.\d{1,18})?")


@dataclass(frozen=True)
class Profile:
    """Everything about the 精诚 interface that an installation may change (SPEC §3.2)."""

    base_url: str
    url_template: str = "{base_url}/{method}"
    method: str = "ExtApi_RecvExSheet"
    auth: str = "token"
    flag_path: str = "Flag"
    message_path: str = "Message"
    sheet_no_path: str = "SheetNo"
    success_values: tuple[str, ...] = ("1", "true")
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> Profile:
        stored = settings.all_settings()  # one query for all the keys
        profile = cls(
            base_url=stored["jingcheng.url"],
            url_template=stored["jingcheng.url_template"],
            method=stored["jingcheng.method"],
            auth=stored["jingcheng.auth"],
            flag_path=stored["jingcheng.reply.flag_path"],
            message_path=stored["jingcheng.reply.message_path"],
            sheet_no_path=stored["jingcheng.reply.sheet_no_path"],
            success_values=settings.success_values(stored["jingcheng.reply.success_values"]),
            connect_timeout=float(stored["jingcheng.connect_timeout"]),
            read_timeout=float(stored["jingcheng.read_timeout"]),
        )
        profile.check()
        return profile

    @property
    def url(self) -> str:
        try:
            return self.url_template.format(base_url=self.base_url.rstrip("/"), method=self.method)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"精诚地址模板“{self.url_template}”无效（{exc}）。只能使用 {{base_url}} 和 {{method}}。",
                f"The Jingcheng URL template '{self.url_template}' is invalid ({exc}). "
                "Only {base_url} and {method} may be used.",
                setting="jingcheng.url_template",
            ) from None

    def check(self) -> None:
        """Raise :class:`ConfigError` for a profile that cannot work, before anything is claimed."""
        settings.validate("jingcheng.auth", self.auth)
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"精诚接口地址“{self.url}”必须以 http:// 或 https:// 开头（设置 jingcheng.url）。",
                f"The Jingcheng URL '{self.url}' must start with http:// or https:// (setting jingcheng.url).",
                setting="jingcheng.url",
            )
        if not self.success_values:
            raise ConfigError(
                "jingcheng.reply.success_values 为空：没有任何回复会被视为成功。",
                "jingcheng.reply.success_values is empty: no reply would count as success.",
                setting="jingcheng.reply.success_values",
            )

    def is_success(self, flag: object) -> bool:
        return flag_text(flag) in {_canonical(value) for value in self.success_values}



def flag_text(flag: object) -> str:
    if isinstance(flag, bool):
        return "1" if flag else "0"
    return _canonical("" if flag is None else str(flag))


def _canonical(text: str) -> str:
    """One spelling per meaning, so that the JSON type of a flag does not change its verdict:
    ``true``/``True``/``1``/``1.0`` all read ``1``, ``false``/``0`` read ``0``. A booked sheet
    misread as refused would be pushed again."""
    text = text.strip().lower()
    if text in ("true", "false"):
        return "1" if text == "true" else "0"
    if _PLAIN_NUMBER.fullmatch(text):
        number = Decimal(text)
        if number == number.to_integral_value():
            return str(int(number))
    return text


def reply_value(reply: object, path: str) -> object:
    """The value at a dotted path (``Data.Flag``, ``Result.0.No``), or ``None`` when absent."""
    node = reply
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


