"""Pictures of the window, for the README and for looking at what we built as a user would.

    python tools/screenshots.py OUT_DIR [--langs zh_CN,en] [--scales 1,1.5] [--data DIR]

Starts the demo (the built-in sandbox) offscreen once per language and scale, in a process of its own (Qt reads the
scale when it starts), pulls, pushes a few sheets — one of them while 精诚 answers HTTP 500, so its outcome is
unknown, and another that then changes in 管易云 — and saves PNGs under ``OUT_DIR/<lang>-<percent>/``: the main window,
a selected sheet, its body, what changed after posting, the pull's and the push's summaries, each settings tab, the log
view, each page of the first-run guide, and the menu of an unknown row.

``--data DIR`` instead opens the window on a data folder that holds many returns (``bench/ui.py --data DIR`` makes
one of 50,000, in every state) and saves the table at that volume: as it opens with some rows ticked, then filtered
to one state and searched, ``table-all.png`` and ``table-filtered.png``. Nothing is pulled or pushed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--langs", default="zh_CN,en")
    parser.add_argument("--scales", default="1,1.5")
    parser.add_argument("--data", type=Path, help="a data folder with many returns: the table at that volume")
    parser.add_argument("--one", nargs=2, metavar=("LANG", "SCALE"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.one:
        lang, scale = options.one
        return _shoot_volume(options.out, lang, scale, options.data) if options.data else _shoot(options.out, lang,
                                                                                                      scale)
    started = time.perf_counter()
    runs = [(lang, scale) for lang in options.langs.split(",") for scale in options.scales.split(",")]
    children = []
    for lang, scale in runs:  # two at a time: a CI machine has two cores
        env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
        extra = ["--data", str(options.data.resolve())] if options.data else []
        children.append(subprocess.Popen([sys.executable, __file__, str(options.out), "--one", lang, scale, *extra],
                                         env=env, cwd=ROOT))
        if options.data:  # one window per data folder: a second start would only bring the first to the front
            children[-1].wait()
        elif len(children) % 2 == 0:
            children[-2].wait()
    codes = [child.wait() for child in children]
    print(f"{len(runs)} sets in {time.perf_counter() - started:.1f} s -> {options.out}")
    return max(codes)


def _waiter(app) -> Callable[..., None]:
    def wait(done: Callable[[], bool], seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while not done():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    return wait


_SCREENFUL = 24  # rows the table shows at 1280×720


def _settle(app, seconds: float = 0.3) -> None:
    """Run the event loop a moment: views lay out again on a timer after a resize or a new content."""
    end = time.monotonic() + seconds
    _waiter(app)(lambda: time.monotonic() > end)


def _shoot_volume(out: Path, lang: str, scale: str, data: Path) -> int:
    """The table of a data folder with tens of thousands of returns: ticked rows, then a state filter and a search."""
    sys.path.insert(0, str(ROOT))
    import keyring
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    from core import credentials
    from core.cli.options import window_options
    from core.i18n import t
    from core.sandbox.memory_keyring import MemoryKeyring
    from core.states import TICKABLE, ReturnState
    from ui.app import Launch

    # Credentials in this process only, so that the first-run guide stays away; nothing here talks to a server.
    keyring.set_keyring(MemoryKeyring())
    stored = {kind: {name: "screenshots" for name in credentials.fields(kind, auth)[0]}
              for kind, auth in (("guanyi", None), ("qimen", None), ("jingcheng", "token"))}
    folder = out / f"{lang}-{round(float(scale) * 100)}"
    folder.mkdir(parents=True, exist_ok=True)
    launch = Launch(window_options(["--data-dir", str(data), "--lang", lang]))
    for kind, values in stored.items():
        credentials.store(kind, values)
    wait = _waiter(QApplication.instance())
    wait(lambda: launch.window.workspace is not None and launch.window.workspace._load is None)
    window, workspace = launch.window, launch.window.workspace
    window.resize(1280, 720)
    model = workspace.model
    # Where the most states are near one another, a screenful of rows around its middle one, some ticked.
    states = [model.row_at(n).state for n in range(model.rowCount())]
    start = max(range(0, max(1, len(states) - _SCREENFUL), 5), key=lambda n: len(set(states[n:n + _SCREENFUL])))
    rows = range(start, min(len(states), start + _SCREENFUL))
    tickable = [model.code_at(n) for n in rows if states[n] in TICKABLE]
    model.set_checked(tickable[:2] + tickable[3:5])
    middle = model.index(start + _SCREENFUL // 2, 0)
    workspace.returns.table.setCurrentIndex(middle)
    workspace.returns.table.scrollTo(middle, QAbstractItemView.ScrollHint.PositionAtCenter)
    _settle(QApplication.instance())
    window.grab().save(str(folder / "table-all.png"))
    state_filter = workspace.returns.state_filter
    state_filter.setCurrentIndex(state_filter.findData(ReturnState.READY))
    shop = model.row_at(model.shown_row_of(tickable[0])).shop if tickable else ""
    workspace.search.setText(shop[:2])  # the platform, as 天猫 or 京东
    model.set_checked(model.shown_tickable_codes()[:4])
    workspace.returns.table.selectRow(0)
    _settle(QApplication.instance())
    window.grab().save(str(folder / "table-filtered.png"))
    print(t(f"{model.total_rows()} 张退货单；已保存到 {folder}", f"{model.total_rows()} returns; saved in {folder}"))
    launch.window.close()
    wait(lambda: not launch.window.isVisible())
    launch.close()
    return 0


def _shoot(out: Path, lang: str, scale: str) -> int:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QDate, QPoint
    from PySide6.QtWidgets import QApplication, QWidget

    from core import overview
    from core.cli.options import window_options
    from core.i18n import t
    from core.overview import WARNING_MARK
    from core.timeutil import now_china
    from ui.app import Launch
    from ui.settings_dialog import SettingsDialog

    folder = out / f"{lang}-{round(float(scale) * 100)}"
    folder.mkdir(parents=True, exist_ok=True)
    launch = Launch(window_options(["--demo", "--lang", lang]))
    app = QApplication.instance()
    wait = _waiter(app)

    def save(widget: QWidget, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(folder / f"{name}.png"))

    wait(lambda: launch.window.workspace is not None and launch.window.workspace._load is None)
    window, workspace = launch.window, launch.window.workspace
    sandbox = launch.opened.sandbox
    window.resize(1280, 720)

    workspace.date_from.setDate(QDate.currentDate().addDays(-13))
    workspace.pull_button.click()
    wait(lambda: workspace._task is None)
    save(workspace.summary, "02-pull-summary")
    workspace.summary.close()

    ready = workspace.model.shown_tickable_codes()
    sandbox.jingcheng.faults.push("http500")  # the first sheet's outcome: unknown
    workspace.model.set_checked(ready[:6])
    workspace._push(workspace.model.checked_codes())
    wait(lambda: workspace._task is None)
    save(workspace.summary, "03-push-summary")
    workspace.summary.close()
    workspace.model.set_checked(ready[6:9])
    workspace.search.setText("")

    unknown = ready[0]
    workspace.returns.select_code(unknown)
    save(window, "01-main-window")
    row = workspace.model.shown_row_of(unknown)
    position = workspace.table.visualRect(workspace.model.index(row, 1)).center()
    workspace._row_menu(position)
    menu = workspace.row_menu
    app.processEvents()
    picture = window.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(picture)
    corner = window.mapFromGlobal(workspace.table.viewport().mapToGlobal(position)) + QPoint(4, 4)
    painter.drawPixmap(corner, menu.grab())
    painter.end()
    picture.save(str(folder / "04-unknown-row-menu.png"))
    menu.close()

    pane = workspace.sheet_pane
    warned = next(code for code in ready[6:] if WARNING_MARK in overview.details(code))
    workspace.returns.select_code(warned)
    save(pane, "05-selected-sheet")
    pane.tabs.setCurrentIndex(pane.BODY_TAB)
    save(pane, "05-selected-sheet-body")
    workspace.returns.select_code(ready[1])  # posted: the body that was sent
    save(pane, "05-posted-sheet-body")
    pane.tabs.setCurrentIndex(pane.SHEET_TAB)

    dialog = SettingsDialog(workspace)
    dialog.show()
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        save(dialog, f"06-settings-{index + 1}")
    dialog.close()

    # 推送后有变更: a posted return changes in 管易云 (one more item received), and a pull by modify time brings it.
    changed = ready[2]
    record = next(r for r in sandbox.guanyi.records if r["code"] == changed)
    record["details"][0]["real_in"] = str(Decimal(str(record["details"][0]["real_in"])) + 1)
    record["modify_date"] = now_china().strftime("%Y-%m-%d %H:%M:%S")
    workspace.axis.setCurrentIndex(workspace.axis.findData("modify"))
    workspace.date_from.setDate(QDate.currentDate())
    workspace.pull_button.click()
    wait(lambda: workspace._task is None)
    workspace.summary.close()
    workspace.show_changes(changed)
    save(pane, "05-changed-sheet-changes")

    view = workspace.open_log()
    view.resize(1180, 640)
    wait(lambda: not view.loading)
    save(view, "08-log-view")
    workspace.show_log(unknown)
    wait(lambda: not view.loading)
    save(view, "08-log-view-one-return")
    view.close()

    guide = workspace.open_guide()
    wait(lambda: guide.isVisible())
    for number in range(1, 6):
        page = guide.currentPage()
        test = getattr(page, "test", None)
        if test is not None:  # a connection page: its test run for real against the sandbox
            test.button.click()
            wait(lambda test=test: test.passed or "✖" in test.result.text(), 30)
        save(guide, f"07-guide-{number}")
        guide.next()
    guide.reject()

    launch.window.close()
    wait(lambda: not launch.window.isVisible())
    launch.close()
    print(t(f"已保存到 {folder}", f"saved in {folder}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
