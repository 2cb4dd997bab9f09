"""The code paths that exist only on Windows, run by the Windows pipeline (.github/workflows/windows.yml) and skipped
elsewhere: the ledger's process liveness and start time through kernel32 (a crashed sender's claim is told from a
live one by them), and the keyring's Windows backend (Credential Manager), which the users' PCs have."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from core import credentials, ledger
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows-only code paths: run by the Windows pipeline")

_SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_live_process_is_alive_and_an_ended_one_is_not():
    child = subprocess.Popen(_SLEEPER)
    try:
        assert ledger.pid_alive(child.pid)
        assert ledger.pid_alive(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert not ledger.pid_alive(child.pid)
    assert not ledger.pid_alive(0) and not ledger.pid_alive(-1)


def test_a_process_start_time_is_stable_and_tells_two_processes_apart():
    first = subprocess.Popen(_SLEEPER)
    time.sleep(0.2)  # past the clock's tick: the two start at different times
    second = subprocess.Popen(_SLEEPER)
    try:
        started = ledger.process_started(first.pid)
        assert started is not None and started == ledger.process_started(first.pid)
        assert ledger.process_started(second.pid) not in (None, started)
        assert ledger.PROCESS_TOKEN.partition(":")[2] == ledger.process_started(os.getpid())
    finally:
        for child in (first, second):
            child.kill()
            child.wait()
    assert ledger.process_started(first.pid) is None


def test_the_default_keyring_is_the_credential_manager():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND", "RETURNSYNC_TEST_KEYRING")}
    shown = subprocess.run(
        [sys.executable, "-c", "from core import credentials; print(credentials.backend_name())"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "keyring.backends.Windows.WinVaultKeyring"


def test_credentials_round_trip_through_the_credential_manager(monkeypatch):
    import keyring
    from keyring.backends.Windows import WinVaultKeyring

    monkeypatch.setattr(credentials, "SERVICE", f"ReturnSync-test-{uuid.uuid4().hex[:8]}")
    keyring.set_keyring(WinVaultKeyring())  # the autouse fixture puts its in-memory keyring back afterwards
    secret = {"token": "tok-" + uuid.uuid4().hex}
    try:
        credentials.store("jingcheng", secret)
        assert credentials.load("jingcheng") == secret
    finally:
        credentials.delete("jingcheng")
    assert credentials.load("jingcheng") is None
