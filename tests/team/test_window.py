"""The window on the shared database: the table fills from it on a worker (a connection of the worker's own), with
the states another PC's pushes left."""

from __future__ import annotations

from PySide6.QtCore import QThreadPool

from core import push
from core.sandbox import Sandbox
from tests.support.pushing import load_returns, ready_codes, use_sandbox
from ui.main_window import MainWindow
from ui.workspace import Workspace


def test_the_table_fills_from_the_team_database(qtbot, team):
    with Sandbox(returns=25, days=5, seed=71) as sb:
        use_sandbox(sb)
        load_returns(sb)
        ready = ready_codes()
        push.push(ready[:2])
        frame = MainWindow()
        window = Workspace()
        frame.set_workspace(window)
        qtbot.addWidget(frame)
        frame.show()
        qtbot.waitUntil(lambda: window._load is None and window.model.rowCount() == 25, timeout=20_000)
        QThreadPool.globalInstance().waitForDone(20_000)
        qtbot.wait(200)  # what the table does once filled (its first row selected) is done before it goes
    states = {window.model.code_at(i): window.model.row_at(i).state for i in range(window.model.rowCount())}
    assert {states[code] for code in ready[:2]} == {"posted"} and {states[code] for code in ready[2:]} == {"ready"}


def test_the_windows_push_runs_in_a_process_of_its_own_on_the_team_database(team, data_dir):
    import threading

    from core import app, jobs
    from core.store import LedgerEntry

    assert app.data_folder() == data_dir  # this PC's folder, not the shared database's address
    with Sandbox(returns=10, days=3, seed=72) as sb:
        use_sandbox(sb)
        load_returns(sb)
        codes = ready_codes()[:2]
        result = jobs.run(jobs.Job("push", {"codes": codes}), lambda _report: None, threading.Event())
        assert result.counts() == {"posted": 2} and sorted(sb.jingcheng.sheet_ids()) == sorted(codes)
    assert {LedgerEntry.get_by_id(code).status for code in codes} == {"posted"}
