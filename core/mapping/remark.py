"""The sheet Remark template (SPEC §4), default ``管易退货单 {code} 平台单号 {platform_code} {reason}``.

Rules, in order:

1. ``{name}`` is replaced by that field of the return; ``{{`` and ``}}`` write a literal brace. A name not in
   :data:`PLACEHOLDERS`, or a lone brace, is refused with a clear error when the setting is read or
   changed — never sent literally, where it would go unnoticed in every sheet.
2. An empty placeholder is dropped together with the words that introduce it: the literal text between
   it and the previous placeholder (or the start). So with no platform order number the default gives
   ``管易退货单 RGO1 7天无理由``, not ``管易退货单 RGO1 平台单号 7天无理由``. Closing brackets right after an
   empty placeholder go too (``原因（{reason}）`` leaves nothing behind). Text after the last placeholder
   always stays.
3. Whitespace runs (including newlines inside a value) become one space; the ends are trimmed.
4. The result is cut to ``mapping.remark_length`` **bytes as GBK counts them** (an ASCII letter or digit 1, a
   Chinese character 2, a character beyond GBK such as an emoji 4), never inside a character. 精诚 keeps its
   data in SQL Server, where a Chinese installation's ``varchar(200)`` holds 200 GBK bytes — 100 Chinese
   characters; a remark cut by characters could overflow it and the whole sheet would be refused. Counting bytes
   never overflows either a ``varchar`` or an ``nvarchar`` of that length. The line remarks follow the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from core.errors import ConfigError

PLACEHOLDERS = (
    "code", "id", "reason", "note", "platform_code", "platform_refund_id", "shop_code", "shop_name", "vip_code",
    "express_name", "express_code", "express_num", "warehousein_code", "warehouseout_code",
)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_CLOSING = ")）]】」』>》"


@lru_cache(maxsize=16)  # one template is in use at a time; every return of a push renders it
def _segments(template: str) -> tuple[tuple[str, str | None], ...]:
    """``(literal, placeholder)`` pairs; the last pair's placeholder is ``None`` (the trailing text). An error
    is not cached: it is raised on every call."""
    segments: list[tuple[str, str | None]] = []
    literal, position = "", 0
    for match in _TOKEN.finditer(template):
        literal += template[position:match.start()]
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal += token[0]
        elif match.group(1) is None:
            raise ConfigError(
                f"备注模板“{template}”中有不成对的花括号。要写花括号本身，请写 {{{{ 或 }}}}。",
                f"The remark template '{template}' has an unmatched brace. Write {{{{ or }}}} for a brace itself.",
            )
        elif match.group(1).strip() not in PLACEHOLDERS:
            raise ConfigError(
                f"备注模板中的“{token}”无法识别。可用的占位符：{'、'.join('{' + p + '}' for p in PLACEHOLDERS)}。",
                f"'{token}' in the remark template is not known. Placeholders: "
                f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}.",
            )
        else:
            segments.append((literal, match.group(1).strip()))
            literal = ""
    segments.append((literal + template[position:], None))
    return tuple(segments)


def check_template(template: str) -> None:
    """Raise :class:`ConfigError` with a plain-language reason when ``template`` cannot be used."""
    _segments(template)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def collapse(text: str) -> str:
    """Whitespace runs as one space, ends trimmed; half of a cut emoji (a lone surrogate, which no UTF-8 body can
    carry) becomes ``?``."""
    return _LONE_SURROGATE.sub("?", " ".join(text.split()))


def size(text: str) -> int:
    """The length ``mapping.remark_length`` limits: bytes in GBK (GB18030), so a Chinese character counts 2."""
    return len(text.encode("gb18030", errors="replace"))  # only a lone surrogate needs the replace


def cut(text: str, length: int) -> str:
    """``text`` cut to at most ``length`` GBK bytes, never inside a character, without trailing spaces."""
    if len(text) * 4 <= length or size(text) <= length:  # GB18030 takes at most 4 bytes a character
        return text.rstrip()
    used = 0
    for index, character in enumerate(text):
        used += 1 if character.isascii() else size(character)
        if used > length:
            return text[:index].rstrip()
    return text.rstrip()


def render(template: str, values: Mapping[str, str], length: int) -> str:
    """The Remark for one return: ``values`` maps every name of :data:`PLACEHOLDERS` to its text."""
    parts: list[str] = []
    after_empty = False
    for literal, name in _segments(template):
        if after_empty:
            literal = literal.lstrip(_CLOSING)
        value = values.get(name, "").strip() if name else ""
        after_empty = name is not None and not value
        if name is None or value:
            parts.append(literal + value)
    return cut(collapse("".join(parts)), length)
