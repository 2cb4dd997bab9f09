"""Which program ``main.py`` runs: the window for the global options alone, the command line for anything else."""

from __future__ import annotations

import pytest

from core.cli.options import window_options
from main import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [([], {"data_dir": None, "lang": None, "demo": False, "verbose": False}),
     (["--demo", "--lang", "en", "-v"], {"data_dir": None, "lang": "en", "demo": True, "verbose": True}),
     (["--data-dir", "D"], {"data_dir": "D", "lang": None, "demo": False, "verbose": False})],
)
def test_the_global_options_alone_open_the_window(argv, expected):
    assert vars(window_options(argv)) == expected


@pytest.mark.parametrize("argv", [["config", "show"], ["--data-dir", "D", "list"], ["--help"], ["--version"],
                                  ["--lang", "xx"], ["--lang"], ["bogus"]])
def test_anything_else_goes_to_the_command_line(argv):
    assert window_options(argv) is None


def test_a_bad_global_option_is_a_usage_error_not_a_window(capsys):
    assert main(["--lang", "xx"]) == 2
    assert "invalid choice" in capsys.readouterr().err
