"""The window with tens of thousands of returns: start-up, filling, sorting, filtering, the event loop's worst stall,
and memory — each figure printed beside its target (issue 8).

    python bench/ui.py [--returns 50000] [--data DIR] [--runs 5] [--latency-ms 20] [--why MS] [--cold]

Offscreen. The data folder is made by a real pull of ``--returns`` returns from the sandbox (running as
``main.py sandbox`` in a child process, as 管易云 runs elsewhere), every status, on the create axis; a few hundred are
then pushed, and some made failed, unknown or changed after posting, so the table holds every state. ``--data DIR``
keeps the folder for the next run (it is made only if it holds fewer returns).

1. Start to window shown: a child process runs ``main.py --data-dir DIR`` and prints the time when the window's
   event loop first turns, against a bare PySide6 ``QMainWindow`` + ``QTableView`` started the same way; the runs
   alternate, and the medians are compared. Python's own start is inside both.
2. In this process, the window on the same folder: the time from shown to every row in the table; each column
   sorted both ways; the state filter set to each state, and searches; then a pull of about 10,000 returns and a
   push of 1,000 ticked sheets through the window, against the sandbox. All along a 10 ms timer notes how late it
   fires: the worst lateness of each phase is the longest the window was frozen.
3. Peak memory (RSS) of this process.

``--cold`` (Linux): the data file is dropped from the page cache before the window of step 2 opens, so its fill is
that of the first start of the day, the file on disk, not in memory.

``--why MS``: a watcher thread notes what the GUI thread was running whenever the 10 ms timer is more than MS late,
and prints those stacks at the end — where a stall comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
from PySide6.QtCore import QDate, QElapsedTimer, QEventLoop, Qt, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402
from sandbox_process import start_sandbox  # noqa: E402  (bench/, beside this script)

from core import credentials, ledger, pull, review, settings  # noqa: E402
from core.app import open_app  # noqa: E402
from core.jingcheng.outcome import Outcome  # noqa: E402
from core.paths import database_path  # noqa: E402
from core.push import previews, push  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402
from core.states import ReturnState, SheetStatus  # noqa: E402
from core.store import ReturnRecord  # noqa: E402
from core.timeutil import parse_datetime  # noqa: E402
from ui.app import Launch  # noqa: E402

TARGETS = {"startup": 1.5, "fill": 1.0, "sort": 0.300, "filter": 0.100, "stall": 0.050, "rss_mb": 400}

# Both children note when their main window is first painted — "shown" — the same way, and end there. The filter
# watches the main window alone, from its show(): a filter on the whole application would have every object that gets
# an event wrapped for Python (and PySide make the enums of each new type), a cost neither app has by itself.
FIRST_PAINT = """
import os, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMainWindow
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time(), flush=True)
            os._exit(0)
        return False
first_paint = FirstPaint()
_show = QMainWindow.show
def show(self):
    self.installEventFilter(first_paint)
    _show(self)
QMainWindow.show = show
"""

BARE = FIRST_PAINT + """
import sys
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1280, 720)
window.show()
app.exec()
"""

# The app exactly as `python main.py --data-dir DIR` starts it.
OURS = FIRST_PAINT + """
import sys
sys.path.insert(0, {root!r})
import main
sys.exit(main.main(["--data-dir", {data!r}]))
"""


def point_at(info: dict) -> None:
    """Settings and (in-memory) credentials of the bound data folder, at the sandbox."""
    settings.set_value("guanyi.url", info["guanyi_url"])
    settings.set_value("jingcheng.url", info["jingcheng_url"])
    settings.set_value("jingcheng.auth", "token")
    for kind, values in info["credentials"].items():
        if values:
            credentials.store(kind, values)


def make_data(data: Path, returns: int, info: dict) -> None:
    """Pull every return the sandbox holds, then give a few hundred of them every ledger state."""
    with open_app(data):
        point_at(info)  # also for a kept folder: with no credentials the window would open the first-run guide
        if ReturnRecord.select().count() >= returns:
            _claim_one()  # the last run's claim was found dead at this start and is unknown now
            return
        end = parse_datetime(info["end"])
        began = time.perf_counter()
        with pull.connect() as client:
            result = pull.pull(client, end - timedelta(days=info["days"] + 1), end, axis="create",
                               all_statuses=True)
        print(f"  made the data folder: {len(result.codes)} returns pulled in {time.perf_counter() - began:.1f} s")
        codes = [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code).limit(2000)]
        ready = [p for p in previews(codes) if p.ready]
        push([p.code for p in ready[:300]])
        for n, shown in enumerate(ready[300:400]):
            claim = ledger.claim(shown.mapped.sheet, shown.code)
            state = (SheetStatus.FAILED, SheetStatus.UNKNOWN)[n % 2]
            message = "bench: 精诚没有回复" if state == SheetStatus.UNKNOWN else "bench: 拒收"
            ledger.record(claim, Outcome(state, message))
            ledger.release(claim)
        _claim_one()
        changed = [p.code for p in ready[:50]]  # 管易云 changed these after they were posted
        for code in changed:
            raw = json.loads(ReturnRecord.get_by_id(code).raw_json)
            raw["reason"] = "bench: 退货原因改过"
            ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()
        review.refresh(changed)


def _claim_one() -> None:
    """A sheet being sent by this process while it runs: the table then holds every state."""
    codes = [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code).limit(2000)]
    ready = next(p for p in previews(codes) if p.ready and ledger.find(p.code) is None)
    ledger.claim(ready.mapped.sheet, ready.code)


def startup(data: Path, runs: int) -> tuple[float, float]:
    def once(script: str) -> float:
        began = time.time()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
        return float(out.strip().splitlines()[-1]) - began

    ours_script = OURS.format(root=str(ROOT), data=str(data))
    once(BARE), once(ours_script)  # warm the file cache for both
    bare, ours = [], []
    for _ in range(runs):
        bare.append(once(BARE))
        ours.append(once(ours_script))
    return statistics.median(bare), statistics.median(ours)


def drop_from_page_cache(path: Path) -> None:
    """Let the kernel forget the file's pages (clean ones: the file was last written by a finished process)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


class StallMeter:
    """A 10 ms timer on the GUI thread; how late it fires is how long the event loop was kept from running. With
    ``why`` (seconds), a watcher thread keeps the GUI thread's stack whenever a tick is that much overdue."""

    def __init__(self, why: float | None = None) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.worst = 0.0
        self.last_tick = time.perf_counter()
        self.stacks: list[tuple[float, str]] = []
        if why is not None:
            gui = threading.get_ident()
            threading.Thread(target=self._watch, args=(gui, why), daemon=True).start()

    def start(self) -> None:
        self.worst = 0.0
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        late = self.clock.restart() / 1000 - 0.010
        self.worst = max(self.worst, late)
        self.last_tick = time.perf_counter()

    def _watch(self, gui: int, why: float) -> None:
        noted = None
        while True:
            time.sleep(0.002)
            tick = self.last_tick
            overdue = time.perf_counter() - tick - 0.010
            if overdue > why and noted != tick:
                noted = tick
                frame = sys._current_frames().get(gui)
                self.stacks.append((overdue, "".join(traceback.format_stack(frame)[-12:]) if frame else "?"))
                # Let go of the GUI thread's frames at once: held here, their locals (a QPainter in a paint event)
                # would be destroyed on this thread later.
                del frame

    def phase(self) -> float:
        """The worst stall since the last call, and start over."""
        worst, self.worst = self.worst, 0.0
        self.clock.restart()
        return worst


def wait(app: QApplication, done, timeout: float = 600.0) -> float:
    """Run the event loop, as the app would, until ``done()``; checked every 5 ms by a timer, so that the wait itself
    does not keep the GUI thread busy (a busy wait would slow the workers it waits for)."""
    began = time.perf_counter()
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(lambda: loop.quit() if done() or time.perf_counter() - began > timeout else None)
    check.start()
    if not done():
        loop.exec()
    check.stop()
    if not done():
        raise SystemExit("timed out")
    return time.perf_counter() - began


def timed(app: QApplication, action) -> float:
    began = time.perf_counter()
    action()
    app.processEvents()
    return time.perf_counter() - began


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--data", type=Path, help="data folder to make once and keep")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="fill with the data file out of the page cache (Linux)")
    parser.add_argument("--why", type=float, metavar="MS", help="print the GUI thread's stack on stalls over MS")
    args = parser.parse_args()
    # The offscreen platform warns on every window that cannot be sized by its contents; it says nothing here.
    qInstallMessageHandler(lambda _kind, _context, text: None if "propagateSizeHints" in text
                           else print(text, file=sys.stderr))
    keyring.set_keyring(MemoryKeyring())
    data = args.data or Path(tempfile.mkdtemp(prefix="bench-ui-"))
    data.mkdir(parents=True, exist_ok=True)
    # 管易云 and 精诚 run on other machines: the sandbox runs niced, or it slows the window it measures.
    child, info = start_sandbox(args.returns, args.days, 11, args.latency_ms, niced=True)
    try:
        make_data(data, args.returns, info)
        print(f"data folder {data}: {args.returns} returns; database {database_path(data).stat().st_size >> 20} MB")

        bare, ours = startup(data, args.runs)
        ratio = ours / bare
        print(f"start to window shown      bare {bare * 1000:.0f} ms, ReturnSync {ours * 1000:.0f} ms, "
              f"ratio {ratio:.2f}  (target <= {TARGETS['startup']})  {verdict(ratio, TARGETS['startup'])}")

        app = QApplication.instance() or QApplication(sys.argv[:1])
        if args.cold:
            drop_from_page_cache(database_path(data))
        meter = StallMeter(args.why / 1000 if args.why is not None else None)
        meter.start()
        launch = Launch(argparse.Namespace(data_dir=str(data), lang=None, demo=False, verbose=False))
        try:
            fill = wait(app, lambda: launch.window.workspace is not None and launch.window.workspace._load is None
                        and launch.window.workspace.model.total_rows() >= args.returns)
            fill_stall = meter.phase()
            window = launch.window.workspace
            point_at(info)  # the sandbox of this run (a kept data folder may name an earlier one)
            states = {row.state for row in window.model._rows}
            label = "table filled (cold)" if args.cold else "table filled"
            print(f"{label:27}{fill * 1000:.0f} ms after shown, {window.model.total_rows()} rows, "
                  f"{len(states)} states  (target <= {TARGETS['fill'] * 1000:.0f} ms)  "
                  f"{verdict(fill, TARGETS['fill'])}")
            wait(app, lambda: window._refresh is None)

            sorts = {}
            for column in range(window.model.columnCount()):
                header = window.model.headerData(column, Qt.Orientation.Horizontal)
                sorts[header] = max(timed(app, lambda c=column, o=order: window.table.sortByColumn(c, o))
                                    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            worst_sort = max(sorts.values())
            sort_stall = meter.phase()
            print(f"sort by each column        worst {worst_sort * 1000:.0f} ms ("
                  + ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in sorts.items())
                  + f")  (target <= {TARGETS['sort'] * 1000:.0f} ms)  {verdict(worst_sort, TARGETS['sort'])}")

            filters = {}
            for index in range(1, window.returns.state_filter.count()):
                name = window.returns.state_filter.itemText(index)
                filters[name] = timed(app, lambda i=index: window.returns.state_filter.setCurrentIndex(i))
            filters["全部"] = timed(app, lambda: window.returns.state_filter.setCurrentIndex(0))
            some = window.model.row_at(window.model.rowCount() // 2)
            for label, text in (("code", some.code), ("shop", some.shop[:3]), ("prefix", "RGO3"), ("nothing", "zzz"),
                                ("cleared", "")):
                filters[f"search {label}"] = timed(app, lambda s=text: window.search.setText(s))
            worst_filter = max(filters.values())
            filter_stall = meter.phase()
            print(f"state filter and search    worst {worst_filter * 1000:.0f} ms ("
                  + ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in filters.items())
                  + f")  (target <= {TARGETS['filter'] * 1000:.0f} ms)  "
                  + verdict(worst_filter, TARGETS["filter"]))

            end = parse_datetime(info["end"])
            days = max(1, round(info["days"] * 10_000 / max(args.returns, 1)))
            window.axis.setCurrentIndex(window.axis.findData("create"))
            window.all_statuses.setChecked(True)
            window.date_from.setDate(QDate((end - timedelta(days=days - 1)).date()))
            window.date_to.setDate(QDate(end.date()))
            meter.phase()
            pulled_in = timed(app, window.pull_button.click) + wait(app, lambda: window._task is None)
            pull_stall = meter.phase()
            print(f"pull through the window    {window.progress_label.text()[:110]} — {pulled_in:.1f} s")

            window.search.setText("")
            window.returns.state_filter.setCurrentIndex(window.returns.state_filter.findData(ReturnState.READY))
            window.model.set_checked(window.model.shown_tickable_codes()[:1000])
            QMessageBox.question = lambda *_args, **_kwargs: QMessageBox.StandardButton.Yes
            QMessageBox.warning = lambda *_args, **_kwargs: QMessageBox.StandardButton.Ok
            meter.phase()
            pushed_in = timed(app, window.push_button.click) + wait(app, lambda: window._task is None)
            push_stall = meter.phase()
            print(f"push through the window    {window.progress_label.text()[:110]} — {pushed_in:.1f} s")

            stalls = {"fill": fill_stall, "sorts": sort_stall, "filters": filter_stall, "pull": pull_stall,
                      "push": push_stall}
            worst = max(stalls[name] for name in ("fill", "sorts", "pull", "push"))
            print("worst event-loop stall     "
                  + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in stalls.items())
                  + f"  (target <= {TARGETS['stall'] * 1000:.0f} ms over fill, sorts, pull, push)  "
                  + verdict(worst, TARGETS["stall"]))
            launch.window.close()
            wait(app, lambda: not launch.window.isVisible())
        finally:
            launch.close()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory                {rss_mb:.0f} MB RSS  (target <= {TARGETS['rss_mb']} MB)  "
              f"{verdict(rss_mb, TARGETS['rss_mb'])}")
        for overdue, stack in meter.stacks:
            print(f"\n-- the GUI thread, {overdue * 1000:.0f} ms overdue:\n{stack}", end="")
    finally:
        child.terminate()
        child.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
