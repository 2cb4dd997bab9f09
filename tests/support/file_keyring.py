"""Test-only keyring for tests that run the command line in a child process.

An in-memory keyring cannot cross a process boundary, so these tests point
``PYTHON_KEYRING_BACKEND`` here and ``RETURNSYNC_TEST_KEYRING`` at a JSON file in the test's
temporary folder. The product never uses it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class TestFileKeyring(KeyringBackend):
    priority = 0

    @property
    def _path(self) -> Path:
        return Path(os.environ["RETURNSYNC_TEST_KEYRING"])

    def _read(self) -> dict[str, str]:
        return json.loads(self._path.read_text("utf-8")) if self._path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}/{username}"] = password
        self._path.write_text(json.dumps(data), "utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(data), "utf-8")
