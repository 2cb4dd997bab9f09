"""The command line's parser — the global options and every command — and :func:`run`, which runs a command on the
app opened by :func:`core.app.open_app`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from core import __version__, i18n
from core.app import open_app
from core.cli import (
    backup_cmd,
    config_cmd,
    credentials_cmd,
    data_cmd,
    log_cmd,
    maps_cmd,
    pull_cmd,
    push_cmd,
    sandbox_cmd,
    team_cmd,
)
from core.cli.advice import cli_command, cli_message
from core.cli.options import add_global_options
from core.cli.output import EXIT_SOME_FAILED, EXIT_USAGE, emit
from core.errors import ReturnSyncError
from core.store import data_file_errors

# Imported by name, not discovered: PyInstaller bundles only what it sees imported.
COMMANDS = (sandbox_cmd, config_cmd, credentials_cmd, pull_cmd, push_cmd, maps_cmd, log_cmd, data_cmd, backup_cmd,
            team_cmd)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as SPEC §7 wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=cli_command().removeprefix("python "), description="ReturnSync 退货单同步助手")
    add_global_options(parser)
    parser.add_argument("--version", action="version", version=f"ReturnSync {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub)
    _quiet_after_each_command(sub)
    return parser


QUIET_HELP = "print only problems, on stderr; nothing when all is done (for scheduled runs)"


def _quiet_after_each_command(sub: argparse._SubParsersAction) -> None:
    """``--quiet`` after a command's name too (``pull --since-last --quiet``), at every level; left unset when not
    given there, so that the one before the command holds."""
    for command in sub.choices.values():
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=QUIET_HELP)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _quiet_after_each_command(action)


def run(args: argparse.Namespace) -> int:
    """Run the command of ``args`` on the opened app; a :class:`ReturnSyncError` becomes its message, with its advice
    in command-line words, and its exit code."""
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with open_app(args.data_dir, args.lang, verbose=args.verbose, needs_store=getattr(args, "needs_store", True)), \
                data_file_errors():  # the data file held by another program, or damaged: wherever a command meets it
            return handler(args)
    except ReturnSyncError as exc:
        message = cli_message(exc)
        if getattr(args, "json", False):
            emit(args, {"ok": False, "error": message, "error_type": type(exc).__name__, "advice": exc.advice}, "")
        print(message, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        message = i18n.t("已中断。已完成的部分已保存。", "Interrupted. What was done so far is kept.")
        if getattr(args, "json", False):
            emit(args, {"ok": False, "error": message, "error_type": "Interrupted"}, "")
        print(message, file=sys.stderr)
        return EXIT_SOME_FAILED
