"""Secrets (issue 10, item 5): a whole run with known, distinctive secrets in every credential, then every file of
the data folder, every log, the exported CSV, what was printed and the crash text scanned — none of the secrets, and
no ``sign`` that went over the wire, may be in any of them.

The run goes through the real code paths against the sandbox (which accepts the credentials configured here): a
pull direct and one through 奇门 (each with a retried fault), previews, pushes that post, fail (``flag0``) and end
unknown (``http500``), a push that crashes inside a step (its traceback logged as the window logs a job's crash),
the sync log exported to CSV and a backup of the data file — with the app's log file on, DEBUG logging captured,
and the command line too.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
from datetime import datetime
from pathlib import Path

import pytest

from core import credentials, export, jobs, push, settings
from core.app import open_app
from core.errors import ReturnSyncError
from core.jingcheng import client as jingcheng_client
from core.pull import connect
from core.pull import pull as pull_range
from core.sandbox import Sandbox
from core.sandbox import sandbox as sandbox_module
from tests.support.cli import run_main
from tests.support.pushing import ready_codes
from tests.support.secrets import (
    GUANYI,
    JINGCHENG,
    QIMEN,
    WRONG_SECRET,
    Wire,
    files_of,
    known_credentials,
    leaks,
    secret_values,
)

END = datetime(2024, 6, 10, 15, 0, 0)
DAYS = ("2024-06-08", "2024-06-10")


def _crash_text(data_dir: Path, code: str) -> str:
    """A push that breaks inside a step, run by the window's job code in this process: what it sends back."""
    receive, send = multiprocessing.Pipe(duplex=False)
    secrets = {
        kind: json.dumps(entry, ensure_ascii=False) for kind in credentials.KINDS if (entry := credentials.load(kind))
    }
    job = jobs.Job("push", {"codes": [code], "force": True}, data_dir=str(data_dir), lang="zh_CN")
    jobs._child(job, secrets, send, threading.Event())
    kind, payload = receive.recv()
    while kind == "progress":
        kind, payload = receive.recv()
    receive.close()
    assert kind == "crashed", (kind, payload)
    return payload


@pytest.mark.parametrize("auth", sorted(JINGCHENG))
def test_no_secret_and_no_sign_anywhere_after_a_whole_run(auth, tmp_path, data_dir, capsys, caplog, monkeypatch):
    monkeypatch.setattr(sandbox_module, "demo_credentials", known_credentials)
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    export_file = tmp_path / "log.csv"
    backup_file = tmp_path / "backup.sqlite3"
    cli_export = tmp_path / "cli-log.csv"
    with Sandbox(returns=30, days=4, seed=11, end=END, jingcheng_auth=auth) as sb:
        wire = Wire(sb)
        with open_app(data_dir, "zh_CN", verbose=True, log_file=True) as app:
            credentials.store("guanyi", GUANYI)
            credentials.store("qimen", QIMEN)
            credentials.store("jingcheng", JINGCHENG[auth])
            for key, value in [
                ("guanyi.url", sb.guanyi_url),
                ("qimen.url", sb.qimen_url),
                ("jingcheng.url", sb.jingcheng_url),
                ("jingcheng.auth", auth),
                ("jingcheng.read_timeout", "2"),
            ]:
                settings.set_value(key, value)
            start, end = datetime(2024, 6, 8), datetime(2024, 6, 10, 23, 59, 59)
            # A pull direct, one through 奇门; each meets a fault it retries past.
            for transport, fault in (
                ("direct", "http500"),
                ("direct", "malformed"),
                ("qimen", "http500"),
                ("qimen", "gateway"),
            ):
                settings.set_value("guanyi.transport", transport)
                sb.guanyi.faults.push(fault)
                with connect() as client:
                    client.backoff_base = 0.01
                    assert pull_range(client, start, end).codes
            # A wrong secret: refused, and the refusal (with whatever the server says) is shown and logged.
            for transport, kind, values in (("direct", "guanyi", GUANYI), ("qimen", "qimen", QIMEN)):
                settings.set_value("guanyi.transport", transport)
                credentials.store(kind, {**values, "secret": WRONG_SECRET})
                with pytest.raises(ReturnSyncError) as refused, connect() as client:
                    pull_range(client, start, end)
                print(refused.value)
                credentials.store(kind, values)
            codes = ready_codes()
            assert len(codes) >= 4
            assert all(p.ready for p in push.previews(codes[:4]))
            # Posted, refused (flag0), unknown (http500).
            assert push.push([codes[0]]).items[0].status == "posted"
            sb.jingcheng.faults.push("flag0")
            assert push.push([codes[1]]).items[0].status == "failed"
            sb.jingcheng.faults.push("http500")
            assert push.push([codes[2]]).items[0].status == "unknown"
            # A refused credential: 精诚 answers 401 (none there for "none").
            sb.jingcheng.faults.push("http401")
            push.push([codes[3]])

            # A crash inside a push step, with the request at hand — its text carries the URL and headers.
            def broken(self, request):
                request.headers.update(self.headers)
                raise RuntimeError(f"cannot prepare {request.method} {request.url} {dict(request.headers)}")

            monkeypatch.setattr(jingcheng_client._FixedHeaders, "__call__", broken)
            app_dir = app.data_dir
            open_files = files_of(data_dir)  # the -wal and -shm as they are while the file is open
            assert any(name.endswith("-wal") for name in open_files)
        crash = _crash_text(app_dir, codes[0])
        monkeypatch.undo()
        monkeypatch.setattr(sandbox_module, "demo_credentials", known_credentials)
        with open_app(data_dir, "zh_CN", verbose=True, log_file=True):
            with pytest.raises(ReturnSyncError):
                jobs._ended("crashed", crash)  # the window logs it so
            export.export_log(export_file)
        outputs += list(capsys.readouterr())  # run_main drops what was printed before it
        for args in (
            ["preview", codes[0]],
            ["-v", "push", codes[1]],
            ["log", "export", str(cli_export)],
            ["backup", str(backup_file)],
            ["credentials", "check"],
            ["config", "show"],
        ):
            result = run_main(capsys, *args, data_dir=data_dir)
            outputs += [result.stdout, result.stderr]
        for handler in logging.getLogger().handlers:
            handler.flush()
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err, caplog.text, crash]
    assert wire.values, "the sandbox saw no sign or authorisation value"
    files = {**{f"{name} (open)": data for name, data in open_files.items()}, **files_of(data_dir)}
    log_text = b"".join(data for name, data in files.items() if ".log" in name)
    assert b"RuntimeError: cannot prepare POST" in log_text, "the crash's traceback was not logged"
    assert "ExtApi_RecvExSheet" in crash and any("DEBUG" in text for text in outputs)
    files[str(export_file)] = export_file.read_bytes()
    files[str(cli_export)] = cli_export.read_bytes()
    files[str(backup_file)] = backup_file.read_bytes()  # a backup holds the ledger's sent bodies, never a credential
    assert b"ExtApi_RecvExSheet" in files[str(backup_file)] or len(files[str(backup_file)]) > 50_000
    needles = sorted(set(secret_values(auth)) | wire.values)
    places = [*files.items(), *((f"output {i}", text.encode()) for i, text in enumerate(outputs))]
    found = leaks(needles, places)
    assert found == [], "\n".join(map(repr, found))


def test_a_crash_text_is_masked_where_it_is_written(monkeypatch, caplog):
    from core.redact import crash_text

    text = crash_text(
        "GET https://jc_user:JcPasswordQa77Ze@host/x?app_key=QmAppKeyLw90&session=QmSessionTc58Jd&"
        "sign=0123456789ABCDEF0123456789ABCDEF {'Authorization': 'Basic anNlY3JldA=='} "
        "Authorization: Bearer JcTokenRf12Yu GySecretXk27Vw",
        ["GySecretXk27Vw"],
    )
    for value in (
        "JcPasswordQa77Ze",
        "QmAppKeyLw90",
        "QmSessionTc58Jd",
        "0123456789ABCDEF",
        "anNlY3JldA",
        "JcTokenRf12Yu",
        "GySecretXk27Vw",
    ):
        assert value not in text
    assert "https://***@host/x?app_key=***" in text

    crash_dialog = pytest.importorskip("ui.crash_dialog")  # the window's error hook logs and shows this report
    credentials.store("guanyi", GUANYI)
    try:
        raise RuntimeError(f"bad {GUANYI['secret']} and {GUANYI['sessionkey']}")
    except RuntimeError as exc:
        message, details = crash_dialog.crash_report(type(exc), exc, exc.__traceback__)
    assert "RuntimeError: bad *** and ***" in message and "RuntimeError: bad *** and ***" in details
    assert GUANYI["secret"] not in message + details and GUANYI["sessionkey"] not in message + details
