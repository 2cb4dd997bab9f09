"""ReturnSync 退货单同步助手 — start here.

Parses the arguments, then runs either a command of the command line or the window.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core.cli import build_parser, run

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command:
        return run(args)
    from ui.app import run_window

    return run_window(args)


if __name__ == "__main__":
    sys.exit(main())
