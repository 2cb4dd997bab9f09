"""The language of messages produced by the core (errors, validation, CSV headers).

The core speaks two languages, Chinese first. Every user-facing text is written as a pair at
its call site, ``t("中文", "English")``, so a reader sees both and no key table can drift.
The window installs Qt translators for its own texts and sets this language to match.
"""

from __future__ import annotations

LANGUAGES = ("zh_CN", "en")
_current = "zh_CN"


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    _current = lang


def current() -> str:
    """The language messages are written in now."""
    return _current


def t(zh: str, en: str) -> str:
    """Pick the text of the current language."""
    return en if _current == "en" else zh
