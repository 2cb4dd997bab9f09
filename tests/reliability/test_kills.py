"""Kills (issue 10, item 2): ``main.py pull`` and ``main.py push --all-ready`` killed with SIGKILL at seeded random
moments — during start-up and migration, mid-page, mid-store, between a claim and 精诚's reply, mid-outcome — against
a sandbox in a process of its own. After each kill the data file passes ``PRAGMA integrity_check`` and the ledger
agrees with what 精诚 received (``GET /_sandbox/sheets``): every ``posted`` sheet received exactly once, every
received sheet ``posted`` or ``unknown`` (``sending`` only until the next start recovers it), never ready or failed;
and after every six kills a pull run to its end brings every return the sandbox holds. Two lanes (data folder and
sandbox each) run side by side; the whole takes some 30 s on two cores."""

from __future__ import annotations

import sys

import pytest

from tests.support.kills import Lane, RemoteSandbox, run_lanes

pytestmark = [pytest.mark.timeout(240), pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

KILLS = 52
LANES = 2


@pytest.fixture
def sandboxes():
    started = [RemoteSandbox.start(returns=240, days=5, seed=30 + i, latency_ms=25) for i in range(LANES)]
    yield started
    for sandbox in started:
        sandbox.stop()


def test_pulls_and_pushes_killed_at_random_moments_lose_nothing_and_post_nothing_twice(tmp_path, sandboxes):
    lanes = [Lane(tmp_path / f"lane{i}", sandbox) for i, sandbox in enumerate(sandboxes)]
    assert all(len(lane.expected) > 100 for lane in lanes)
    tally = run_lanes(lanes, KILLS, seed=10)
    assert tally.problems == []
    assert tally.kills >= 50 and tally.restarts >= 8
    assert tally.lost == 0 and tally.twice == 0
    # The kills met pushes with work to do: 精诚 holds sheets, and some sheets were left in doubt.
    posted = sum(sum(lane.sandbox.sheets().values()) for lane in lanes)
    assert posted >= 10, posted
