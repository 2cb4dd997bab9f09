"""A 管易云 that accepts and never answers: one request, every try included, gives up by ``guanyi.total_timeout``,
and each retry is reported as it starts — through the pull's progress to the window, and on stderr by the command
line. Timeouts are set in seconds through the settings, so each test takes a few seconds."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest

from core import credentials, pull, settings
from core.errors import NetworkError
from core.guanyi.client import GuanyiClient, client_from_settings
from core.guanyi.replies import RetryNote
from core.guanyi.transports import DirectTransport
from core.sandbox import Sandbox
from tests.support.guanyi import direct_transport
from ui.pull_job import describe_progress

END = datetime(2024, 6, 10, 15, 0, 0)
DAY = datetime(2024, 6, 10, 0, 0, 0)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(returns=20, days=3, seed=21, latency_ms=0, end=END) as sandbox:
        yield sandbox


@pytest.fixture
def hanging(sb):
    """The sandbox's 管易云 accepts every request and never answers, until the test ends."""
    sb.guanyi.faults.set_rate("hang", 1.0)
    yield sb
    sb.guanyi.faults.clear()


def _use(sb, *, read: str = "0.6", total: str = "2", retries: str = "4") -> None:
    credentials.store("guanyi", sb.credentials["guanyi"])
    settings.set_value("guanyi.url", sb.guanyi_url)
    settings.set_value("guanyi.connect_timeout", "1")
    settings.set_value("guanyi.read_timeout", read)
    settings.set_value("guanyi.total_timeout", total)
    settings.set_value("guanyi.retries", retries)


@contextmanager
def _silent_server(trickle: bool = False) -> Iterator[str]:
    """A plain socket server on loopback that accepts and reads nothing, answers nothing; with ``trickle``, it
    sends a status line and headers, then one byte of body every 0.1 s, for ever."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if trickle:
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.1):
                conn.sendall(b" ")
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/rest/erp_open"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def test_the_setting_has_a_sane_default_and_is_checked(db):
    assert settings.get_float("guanyi.total_timeout") == 120  # "within 2 minutes in all"
    for wrong in ("0", "-1", "soon"):
        with pytest.raises(Exception, match="guanyi.total_timeout"):
            settings.set_value("guanyi.total_timeout", wrong)


def test_a_pull_from_a_server_that_never_answers_gives_up_by_the_total_timeout(db, hanging):
    _use(hanging)
    seen: list[pull.PullProgress] = []
    started = time.monotonic()
    with client_from_settings(backoff_base=0.05) as client, pytest.raises(NetworkError) as failure:
        pull.pull(client, DAY, END, concurrency=1, progress=seen.append)
    took = time.monotonic() - started
    # 2 s in all, where the read timeout alone, five times over, would have been 3 s (and 300 s by default).
    assert 1.5 < took < 4.0, took
    said = str(failure.value)
    assert "没有回复" in said and "2 秒内尝试了" in said and "guanyi.total_timeout" in said
    retries = [p.retry for p in seen if p.retry]
    assert retries[:2] == ["第 1 次重试…（超时）", "第 2 次重试…（超时）"]
    # The window shows it as it happens, in its own words.
    done, of, text = describe_progress(next(p for p in seen if p.retry))
    assert text == "2024-06-10 第 1 页：第 1 次重试…（超时）" and of == 100


def test_each_retry_is_heard_as_it_starts_with_its_reason(sb):
    sb.guanyi.faults.push("http500", 2)
    notes: list[tuple[float, RetryNote]] = []
    with GuanyiClient(direct_transport(sb), retries=4, backoff_base=0.2, backoff_cap=0.2) as client:
        started = time.monotonic()
        client.get_returns({"page_no": 1, "page_size": 1},
                           on_retry=lambda note: notes.append((time.monotonic() - started, note)))
    assert [(n.number, n.of, n.zh, n.en) for _, n in notes] == [(1, 4, "HTTP 500", "HTTP 500"),
                                                                (2, 4, "HTTP 500", "HTTP 500")]
    assert notes[0][0] < 0.1  # before the wait, not after it


def test_the_read_timeout_of_a_try_is_cut_to_what_is_left_of_the_total():
    with _silent_server() as url:
        client = GuanyiClient(DirectTransport(url, "a", "s", "x"), connect_timeout=5, read_timeout=30, retries=4,
                              total_timeout=1.5, backoff_base=0.01)
        started = time.monotonic()
        with client, pytest.raises(NetworkError, match="1.5 秒内尝试了 1 次"):
            client.get_returns({"page_no": 1})
    assert time.monotonic() - started < 3.0


def test_a_reply_that_trickles_in_is_cut_off_at_the_deadline():
    """Each byte comes well within the read timeout, so only the total deadline can end it."""
    with _silent_server(trickle=True) as url:
        client = GuanyiClient(DirectTransport(url, "a", "s", "x"), connect_timeout=5, read_timeout=5, retries=4,
                              total_timeout=1.5, backoff_base=0.01)
        started = time.monotonic()
        with client, pytest.raises(NetworkError, match="没有回复完"):
            client.get_returns({"page_no": 1})
    assert time.monotonic() - started < 3.5


def test_the_command_line_prints_each_retry_on_stderr_and_exits_3(cli, hanging):
    assert cli("credentials", "set", "guanyi", stdin=json.dumps(hanging.credentials["guanyi"])).code == 0
    for key, value in (("guanyi.url", hanging.guanyi_url), ("guanyi.connect_timeout", "1"),
                       ("guanyi.read_timeout", "0.5"), ("guanyi.total_timeout", "2"), ("pull.concurrency", "1")):
        assert cli("config", "set", key, value).code == 0
    started = time.monotonic()
    result = cli("pull", "--from", "2024-06-10", "--to", "2024-06-10")
    assert time.monotonic() - started < 8.0
    assert result.code == 3
    assert "2024-06-10 第 1 页：第 1 次重试…（超时）" in result.stderr
    assert "2 秒内尝试了" in result.stderr + result.stdout

    quiet = cli("pull", "--from", "2024-06-10", "--to", "2024-06-10", "--json")
    assert quiet.code == 3 and "重试…" not in quiet.stderr
    assert json.loads(quiet.stdout)["ok"] is False
