"""What the command line gives back: its exit codes (SPEC §7) and its one way of printing a result."""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK = 0  # all done
EXIT_SOME_FAILED = 1  # some items failed or were blocked (or the run was interrupted)
EXIT_USAGE = 2  # a usage or configuration error
EXIT_REMOTE = 3  # a remote or authentication error


def quiet(args: argparse.Namespace) -> bool:
    """``--quiet`` (before the command or after it): print only problems, on stderr; nothing when all is done."""
    return getattr(args, "quiet", False)


def emit(args: argparse.Namespace, payload: dict, text: str, problems: str = "") -> None:
    """Print one JSON object (``--json``, asked for: printed with ``--quiet`` too) or the human text. With ``--quiet``,
    only ``problems`` — what went wrong, empty when all is done — on stderr instead of the text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    elif quiet(args):
        if problems:
            print(problems, file=sys.stderr)
    elif text:
        print(text)
