"""Starting and stopping sandboxes: free ports, fast clean stops, info, credentials by seed."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
import requests

from core.sandbox import Sandbox
from core.timeutil import format_datetime, now_china
from tests.support.wire import END, direct, direct_params, push, sheet


def test_urls_and_info(shared):
    assert shared.guanyi_url.startswith("http://127.0.0.1:") and shared.guanyi_url.endswith("/rest/erp_open")
    assert shared.qimen_url == shared.guanyi_url.replace("/rest/erp_open", "/router/qm")
    assert shared.jingcheng_url.startswith("http://127.0.0.1:") and shared.jingcheng_url.count("/") == 2
    assert shared.jingcheng_url != shared.guanyi_url.rsplit("/", 2)[0]
    info = shared.info()
    assert info["guanyi_url"] == shared.guanyi_url and info["qimen_url"] == shared.qimen_url
    assert info["jingcheng_url"] == shared.jingcheng_url
    assert info["credentials"] == shared.credentials
    assert info["returns"] == 200 and 0 < info["received"] < 200 and 0 < info["cancelled"] < 200
    assert requests.get(shared.guanyi_url.replace("/rest/erp_open", "/_sandbox/info"), timeout=5).json() == info


def test_credentials_follow_the_seed():
    one, again, other = (Sandbox(returns=0, seed=s, end=END).credentials for s in (1, 1, 2))
    assert one == again and one != other
    assert set(one) == {"guanyi", "qimen", "jingcheng"}
    assert set(one["guanyi"]) == {"appkey", "sessionkey", "secret"}
    assert set(one["qimen"]) == {"app_key", "secret"}
    assert set(one["jingcheng"]) == {"token"}


def test_same_seed_and_end_serve_the_same_data():
    with Sandbox(returns=30, seed=9, end=END) as a, Sandbox(returns=30, seed=9, end=END) as b:
        assert a.guanyi.records == b.guanyi.records
        assert direct(a, direct_params(a, page_size=30)).json()["tradeReturns"] == \
            direct(b, direct_params(b, page_size=30)).json()["tradeReturns"]


def test_end_defaults_to_now_in_china():
    sandbox = Sandbox(returns=50, days=2)
    assert abs(sandbox.end - now_china()) < timedelta(seconds=5)
    latest = max(r["modify_date"] for r in sandbox.guanyi.records)
    assert format_datetime(sandbox.end - timedelta(days=2)) <= latest <= format_datetime(sandbox.end)


def test_fixed_ports_and_a_busy_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Sandbox(returns=0, guanyi_port=port, end=END) as fixed:
        assert fixed.guanyi_url == f"http://127.0.0.1:{port}/rest/erp_open"
        with pytest.raises(OSError):
            Sandbox(returns=0, jingcheng_port=port, end=END).start()


def test_many_sandboxes_start_and_stop_fast():
    started = time.monotonic()
    for seed in range(10):
        with Sandbox(returns=20, seed=seed, end=END) as sandbox:
            assert direct(sandbox, direct_params(sandbox)).status_code == 200
    assert time.monotonic() - started < 2


def test_stop_is_fast_with_a_held_request_and_a_kept_alive_connection():
    sandbox = Sandbox(returns=5, end=END).start()
    session = requests.Session()
    assert session.post(sandbox.jingcheng_url + "/ExtApi_RecvExSheet", json=sheet(), timeout=5,
                        headers={"Authorization": f"Bearer {sandbox.credentials['jingcheng']['token']}"}).ok
    sandbox.guanyi.faults.push("timeout")  # holds for the default 5 s unless stopped
    errors: list[Exception] = []

    def held() -> None:
        try:
            direct(sandbox, direct_params(sandbox), timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=held)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 0.5
    thread.join(2)
    assert errors and not thread.is_alive()
    with pytest.raises(requests.ConnectionError):
        session.post(sandbox.jingcheng_url + "/ExtApi_RecvExSheet", json=sheet(), timeout=2)
    session.close()


def test_urls_need_a_started_sandbox():
    sandbox = Sandbox(returns=0, end=END)
    with pytest.raises(RuntimeError):
        _ = sandbox.guanyi_url
    sandbox.stop()  # stopping what never started is harmless


def test_restart_keeps_the_recorded_state():
    sandbox = Sandbox(returns=0, end=END)
    with sandbox:
        assert push(sandbox, sheet()).ok
    with sandbox:
        assert sandbox.jingcheng.sheet_ids() == [sheet()["SheetID"]]


@pytest.mark.parametrize("bad", [{"returns": -1}, {"days": 0}, {"latency_ms": -1}])
def test_bad_arguments(bad):
    with pytest.raises(ValueError):
        Sandbox(**bad)


def test_unknown_paths(shared):
    base = shared.guanyi_url.replace("/rest/erp_open", "")
    assert requests.post(base + "/rest/other", timeout=5).status_code == 404
    assert requests.get(shared.guanyi_url, timeout=5).status_code == 405
