"""The window's tests: no background task outlives its test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool


@pytest.fixture(autouse=True)
def _pool_drained(qapp):
    """After each test, wait for every task on the global pool: a late task would touch the next test's database,
    or a window already deleted."""
    yield
    assert QThreadPool.globalInstance().waitForDone(30_000), "a background task was still running after 30 s"
