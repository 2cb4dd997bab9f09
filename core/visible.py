"""Text from 管易云 or from a file, shown to a person: control characters and bidirectional controls made visible.

A name may hold any character, and machine formats keep it exactly (the JSON of ``--json``, CSV exports, the sheet
sent to 精诚). What a person reads — the command line's table, a message quoting a cell, the window's table and sheet
pane — shows a control character as ``\\x1b`` and a bidi override, embedding, isolate or mark as ``\\u202e``: it can
neither break a table's columns and lines nor reorder the text around it (U+202E would show "exe.txt" as "txt.exe").
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL; LRM, RLM, ALM; the embeddings and overrides U+202A–U+202E; the isolates U+2066–U+2069.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with each control or bidi character written as its escape (``\\x00``, ``\\u202e``)."""
    return _HIDDEN.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
