"""The language of messages produced by the core (errors, validation, CSV headers).

The core speaks two languages, Chinese first. Every user-facing text is written as a pair at
its call site, ``t("中文", "English")``, so a reader sees both and no key table can drift.
The window installs Qt translators for its own texts and sets this language to match.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

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


def stored_language(database: Path) -> str | None:
    """The language chosen in Settings (``ui.lang``), read straight from the data file, read-only, before the core is
    loaded: the window's frame is shown in it. ``None`` when there is no file or no choice stored (or it cannot be
    read now: the core will say why when it opens the file)."""
    if not database.is_file():
        return None
    try:
        # closing(): a connection's own "with" only ends a transaction, and it stays open until it is collected —
        # holding the file that a restore at start waits to find closed.
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=1)) as connection:
            row = connection.execute("SELECT value FROM setting WHERE key = 'ui.lang'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row and row[0] in LANGUAGES else None
