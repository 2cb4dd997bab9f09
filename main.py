"""ReturnSync 退货单同步助手 — start here.

Reads the arguments, then runs either the window (:mod:`ui`) or a command of the command line (:mod:`core.cli`).
Each loads only what it needs: the window shows before the commands, or anything slow, is imported.
"""

from __future__ import annotations

import multiprocessing
import sys

from core.cli.options import window_options


def main(argv: list[str] | None = None) -> int:
    """The exit code of the window or of the command that ``argv`` asks for."""
    multiprocessing.freeze_support()  # a frozen app's pull or push process (core.jobs) starts here, and ends here
    argv = sys.argv[1:] if argv is None else list(argv)
    options = window_options(argv)
    if options is not None:
        from ui.app import run_window  # Qt, only for the window

        return run_window(options)
    from core.cli.parser import build_parser, run  # every command, only for the command line

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version or a usage error: argparse has said why
        return stop.code if isinstance(stop.code, int) else 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
