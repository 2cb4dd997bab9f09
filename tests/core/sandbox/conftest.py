"""Sandboxes for the sandbox's own tests, with data fixed by seed and end so every run is the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.sandbox import Sandbox
from tests.support.wire import END


@pytest.fixture(scope="module")
def shared() -> Iterator[Sandbox]:
    """One sandbox for the read-only tests of a module (no faults, no drift)."""
    with Sandbox(returns=200, days=30, seed=1, end=END) as sandbox:
        yield sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A sandbox of the test's own, for faults and anything that changes its state."""
    with Sandbox(returns=60, days=10, seed=2, end=END) as sandbox:
        sandbox.guanyi.faults.timeout_seconds = 0.3
        sandbox.jingcheng.faults.timeout_seconds = 0.3
        sandbox.jingcheng.faults.delay_seconds = 0.3
        yield sandbox
