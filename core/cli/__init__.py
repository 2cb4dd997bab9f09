"""The command line (SPEC §7) over the same core as the window.

:mod:`~core.cli.options` holds the global options, light enough for the window to start on them without loading
a single command; :mod:`~core.cli.parser` the whole parser (each command in its own ``*_cmd`` module with
``register(subparsers)``) and :func:`~core.cli.parser.run`, which runs a command on the app opened by
:func:`core.app.open_app`, the window's start-up path too. The exit codes and the printing of results are in
:mod:`~core.cli.output`.
"""
