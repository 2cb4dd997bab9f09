"""What the command line gives back: its exit codes (SPEC §7) and its one way of printing a result."""

from __future__ import annotations

import argparse
import json

EXIT_OK = 0  # all done
EXIT_SOME_FAILED = 1  # some items failed or were blocked (or the run was interrupted)
EXIT_USAGE = 2  # a usage or configuration error
EXIT_REMOTE = 3  # a remote or authentication error


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    """Print one JSON object (``--json``) or the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    elif text:
        print(text)
