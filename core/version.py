"""The one version of ReturnSync (:data:`core.__version__`), and the Windows version resource stamped from it into the
executables by ``build.spec`` — so ``--version``, the log, and the file's Properties › Details always agree."""

from __future__ import annotations

from core import __version__


def _four_numbers(version: str) -> tuple[int, int, int, int]:
    numbers = [int(part) for part in version.split(".")]
    if not 1 <= len(numbers) <= 4:
        raise ValueError(f"version {version!r} is not one to four dotted numbers")
    return (*numbers, 0, 0, 0)[:4]  # type: ignore[return-value]


def windows_version_resource(version: str = __version__, executable: str = "ReturnSync.exe") -> str:
    """The version resource in the text form PyInstaller reads (``EXE(version=...)``)."""
    numbers = _four_numbers(version)
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
      StringStruct('CompanyName', 'ReturnSync'),
      StringStruct('FileDescription', '退货单同步助手 ReturnSync'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'ReturnSync'),
      StringStruct('OriginalFilename', '{executable}'),
      StringStruct('ProductName', '退货单同步助手'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [2052, 1200])])
  ]
)
"""
