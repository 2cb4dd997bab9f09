"""The global options, which the command line and the window share: ``--data-dir``, ``--lang``, ``--demo``,
``--verbose``. Only ``argparse`` is needed to read them, so that the window starts without the commands."""

from __future__ import annotations

import argparse

from core import i18n


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (default: per-user folder or RETURNSYNC_HOME)")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="language of messages")
    parser.add_argument("--demo", action="store_true", help="open the window on the built-in sandbox")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def window_options(argv: list[str]) -> argparse.Namespace | None:
    """The options of ``argv`` when it asks for the window: global options only, and nothing argparse must answer
    itself (``--help``, ``--version``, a usage error); ``None`` otherwise, for the command line's parser."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    add_global_options(parser)
    try:
        options, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if rest else options
