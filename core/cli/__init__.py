"""The command line (SPEC §7) over the same core as the window.

Each subcommand lives in its own module with ``register(subparsers)``; the parser here holds the
global options. Exit codes: 0 all done; 1 some items failed or were blocked; 2 usage or
configuration error; 3 remote or authentication error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable

from core import i18n, ledger, paths, settings, store
from core.errors import ReturnSyncError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_REMOTE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as SPEC §7 wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from core.cli import (
        config_cmd,
        credentials_cmd,
        log_cmd,
        maps_cmd,
        pull_cmd,
        push_cmd,
        sandbox_cmd,
    )

    parser = _Parser(prog="main.py", description="ReturnSync 退货单同步助手")
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (default: per-user folder or RETURNSYNC_HOME)")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="language of messages")
    parser.add_argument("--demo", action="store_true", help="open the window on the built-in sandbox")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # Imported by name, not discovered: PyInstaller bundles only what it sees imported.
    for module in (sandbox_cmd, config_cmd, credentials_cmd, pull_cmd, push_cmd, maps_cmd, log_cmd):
        module.register(sub)
    return parser


def open_store(args: argparse.Namespace) -> None:
    """Bind the database of ``--data-dir``/``RETURNSYNC_HOME``/the user folder; apply the language;
    turn the ``sending`` rows a crashed process left into ``unknown`` (SPEC §5 step 5)."""
    directory = paths.data_dir(args.data_dir)
    store.open_database(paths.database_path(directory))
    i18n.set_language(args.lang or settings.get("ui.lang"))
    ledger.recover()


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    """Print one JSON object (``--json``) or the human text."""
    if getattr(args, "json", False):
        print(json.dumps(payload, ensure_ascii=False, default=str))
    elif text:
        print(text)


def run(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    if args.lang:
        i18n.set_language(args.lang)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    try:
        if getattr(args, "needs_store", True):
            open_store(args)
        return handler(args)
    except ReturnSyncError as exc:
        if getattr(args, "json", False):
            emit(args, {"ok": False, "error": str(exc), "error_type": type(exc).__name__}, "")
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        message = i18n.t("已中断。已完成的部分已保存。", "Interrupted. What was done so far is kept.")
        if getattr(args, "json", False):
            emit(args, {"ok": False, "error": message, "error_type": "Interrupted"}, "")
        print(message, file=sys.stderr)
        return EXIT_SOME_FAILED
    finally:
        store.close_database()
