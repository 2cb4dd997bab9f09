"""ReturnSync 退货单同步助手 — start here.

Parses the arguments, then runs either a command of the command line (:mod:`core.cli`) or the window (:mod:`ui`).
"""

from __future__ import annotations

import sys

from core.cli import build_parser, run


def main(argv: list[str] | None = None) -> int:
    """The exit code of the command (or of the window) that ``argv`` asks for."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version or a usage error: argparse has said why
        return stop.code if isinstance(stop.code, int) else 0
    if args.command:
        return run(args)
    from ui.app import run_window  # Qt is loaded only for the window

    return run_window(args)


if __name__ == "__main__":
    sys.exit(main())
