"""One version: --version, and the Windows version resource build.spec stamps into the executables."""

from __future__ import annotations

import ast

import pytest

from core import __version__
from core.version import windows_version_resource
from main import main


def test_version_prints_the_one_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"ReturnSync {__version__}"


def test_the_windows_resource_is_made_from_the_version():
    text = windows_version_resource("2.13.4")
    tree = ast.parse(text, mode="eval")  # PyInstaller evaluates this text
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"
    assert "filevers=(2, 13, 4, 0), prodvers=(2, 13, 4, 0)" in text
    assert "StringStruct('FileVersion', '2.13.4')" in text and "StringStruct('ProductVersion', '2.13.4')" in text
    assert f"StringStruct('FileVersion', '{__version__}')" in windows_version_resource()


@pytest.mark.parametrize("version", ["1.2.3.4.5", "1.x", ""])
def test_a_version_windows_cannot_hold_is_refused(version):
    with pytest.raises(ValueError):
        windows_version_resource(version)
