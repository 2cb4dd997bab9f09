"""ReturnSync 退货单同步助手 — start here.

Reads the arguments, then runs either the window (:mod:`ui`) or a command of the command line (:mod:`core.cli`).
Each loads only what it needs: the window shows before the commands, or anything slow, is imported.
"""

from __future__ import annotations

import errno
import os
import signal
import sys

from core import paths
from core.cli.options import window_options


def main(argv: list[str] | None = None) -> int:
    """The exit code of the window or of the command that ``argv`` asks for."""
    if getattr(sys, "frozen", False):  # a frozen app's pull or push process (core.jobs) starts here, and ends here
        import multiprocessing  # only then: 13 ms of every start from the source

        multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else list(argv)
    options = None if paths.console_executable() else window_options(argv)
    if options is not None:
        from ui.app import run_window  # Qt, only for the window

        return run_window(options)
    from core.cli.output import EXIT_USAGE
    from core.cli.parser import build_parser, run  # every command, only for the command line

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version or a usage error: argparse has said why
        return stop.code if isinstance(stop.code, int) else 0
    if args.command is None:  # the console executable started without a command: what it can do
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code = run(args)
        sys.stdout.flush()  # a reader gone shows here, not in the interpreter's last flush
    except BrokenPipeError:
        return _reader_gone()
    except OSError as exc:
        # Windows reports a write to a pipe whose reader has gone as EINVAL ("Invalid argument"), not EPIPE; the
        # pipe is the one that failed when writing to it still fails.
        if exc.errno != errno.EINVAL or _stdout_writable():
            raise
        return _reader_gone()
    return code


# A command whose reader went away (``main.py list | head -1``) ends as a process the pipe's SIGPIPE ended would:
# 128 + 13, what a shell reports for ``yes | head -1``; 1 where there is no SIGPIPE (Windows).
EXIT_READER_GONE = 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1


def _stdout_writable() -> bool:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return False
    return True


def _reader_gone() -> int:
    """Standard output's reader has gone: end quietly, as the Python docs advise — standard output pointed at the null
    device, so that the interpreter's own last flush of it does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind sys.stdout (a test's capture): nothing to flush there
        pass
    return EXIT_READER_GONE


if __name__ == "__main__":
    sys.exit(main())
