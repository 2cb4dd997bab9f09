"""Cancel during a hung request (issue 10): a 管易云 that accepts a request and never answers holds it until the
read timeout (60 s by default) — the pull's cancel must not wait for that. A cancel asked for while a request hangs
ends the pull within a second or two, in the core and through the window's pull job (a process of its own)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from core import credentials, jobs, pull, settings
from core.errors import Cancelled
from core.guanyi.client import client_from_settings
from core.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

END = datetime(2024, 6, 10, 15, 0, 0)
DAY = datetime(2024, 6, 10, 0, 0, 0)


@pytest.fixture
def hanging():
    """A sandbox whose 管易云 never answers, and settings that would wait for it for minutes."""
    with Sandbox(returns=20, days=3, seed=21, end=END) as sb:
        sb.guanyi.faults.set_rate("hang", 1.0)
        credentials.store("guanyi", sb.credentials["guanyi"])
        for key, value in (
            ("guanyi.url", sb.guanyi_url),
            ("guanyi.read_timeout", "60"),
            ("guanyi.total_timeout", "120"),
        ):
            settings.set_value(key, value)
        yield sb


def _cancel_after(seconds: float) -> tuple[threading.Event, list[float]]:
    cancel, asked = threading.Event(), []

    def ask() -> None:
        time.sleep(seconds)
        asked.append(time.monotonic())
        cancel.set()

    threading.Thread(target=ask, daemon=True).start()
    return cancel, asked


@pytest.mark.parametrize("source", ["event", "callable"])
def test_a_cancel_ends_a_pull_waiting_for_a_server_that_never_answers(db, hanging, source):
    cancel, asked = _cancel_after(0.5)
    with client_from_settings() as client, pytest.raises(Cancelled):
        pull.pull(client, DAY, END, cancel=cancel if source == "event" else cancel.is_set)
    assert asked and time.monotonic() - asked[0] < 1.5
    assert hanging.guanyi.request_count >= 1  # it was waiting for the server when asked


def test_the_window_pull_job_is_cancelled_while_its_request_hangs(db, data_dir, hanging):
    cancel, asked = _cancel_after(1.5)  # its process has started and sent its first request by then
    job = jobs.Job(
        "pull",
        {"start": DAY, "end": END, "axis": "receive", "all_statuses": False},
        data_dir=str(data_dir),
        lang="zh_CN",
    )
    with pytest.raises(Cancelled):
        jobs.run(job, lambda _progress: None, cancel)
    assert asked and time.monotonic() - asked[0] < 2.5
