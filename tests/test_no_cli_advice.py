"""The window never gives command-line advice (SPEC §8, §10): the core's messages say what happened, and each front
end says what to do in its own words (:mod:`core.advice`, :mod:`ui.advice`, :mod:`core.cli.advice`).

The static part reads every string the window can show — every module of ``ui/`` and of ``core/`` but the command
line and the sandbox — and refuses command-line words in any of them. The dynamic part makes real errors and
outcomes and checks what each front end says of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import credentials, push
from core.advice import Advice
from core.cli.advice import cli_message, item_line
from core.errors import CredentialsError, ReturnSyncError
from core.i18n import set_language
from core.states import SheetStatus
from core.store import LedgerEntry, SyncLog
from tests.support.pushing import loaded_sandbox, ready_codes
from ui import summaries
from ui.advice import item_advice, state_advice, window_advice, window_message

ROOT = Path(__file__).resolve().parent.parent

# Words that only make sense at a command prompt: a command, an option, an environment variable.
CLI_WORDS = ("python main.py", "main.py", "--force", "--all-ready", "--posted", "--failed", "--sheet-no", "--data-dir",
             "credentials set", "config set", "config show", " mark ", "用 mark", "keyring --disable",
             "PYTHON_KEYRING_BACKEND", "returnsync-cli", "preview CODE", "preview 单号")
# The front ends' own folders that the window never shows: the command line and the simulators.
NOT_SHOWN = ("core/cli", "core/sandbox")
_LOGGERS = {"log", "logger", "logging"}
_LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


# Whole strings that hold such a word but are never shown: the script the app starts itself again with, the option
# naming its data folder then (a restore's restart), and the console executable's name (core.paths).
NEVER_SHOWN = {"main.py", "--data-dir", "returnsync-cli"}


def cli_words_in(text: str) -> list[str]:
    if text in NEVER_SHOWN:
        return []
    return [word for word in CLI_WORDS if word in text]


def _window_modules() -> list[Path]:
    paths = sorted((ROOT / "ui").rglob("*.py")) + sorted((ROOT / "core").rglob("*.py"))
    return [p for p in paths if not any(p.relative_to(ROOT).as_posix().startswith(f + "/") for f in NOT_SHOWN)]


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Docstrings and everything inside a logger call (``log.info(...)``): the log file is for support."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _LOG_CALLS
              and isinstance(node.func.value, ast.Name) and node.func.value.id in _LOGGERS):
            skipped.update(id(inner) for inner in ast.walk(node))
    return skipped


def shown_strings(source: str) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every string constant and f-string of ``source`` but docstrings and logger calls; an
    f-string is given whole, its placeholders as ``{}``, as well as part by part."""
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def test_the_scanner_finds_cli_words_and_skips_docstrings_and_logger_calls():
    source = '''
"""Run with --force."""
import logging
log = logging.getLogger(__name__)
def f(code):
    """Docstring: mark CODE --posted."""
    log.info("see python main.py credentials set %s", code)
    a = "请用 mark " + code
    b = f"Store them with 'credentials set {code}'."
    c = "确需重推请用 " "--force"
    return "fine"
'''
    found = sorted((line, cli_words_in(text)) for line, text in shown_strings(source) if cli_words_in(text))
    assert [line for line, _ in found] == [8, 9, 9, 10]
    assert "用 mark" in found[0][1] and "credentials set" in found[1][1] and found[3][1] == ["--force"]


@pytest.mark.parametrize("path", _window_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_string_the_window_can_show_gives_command_line_advice(path: Path):
    found = [f"{path.relative_to(ROOT).as_posix()}:{line}: {', '.join(cli_words_in(text))} in {text!r}"
             for line, text in shown_strings(path.read_text("utf-8")) if cli_words_in(text)]
    assert not found, "command-line advice where the window can show it:\n" + "\n".join(found)


# --- dynamic: real errors and outcomes, said by each front end ---------------------------------------------------

@pytest.fixture(params=["zh_CN", "en"])
def lang(request):
    set_language(request.param)
    return request.param


def test_missing_credentials(db, lang):
    with pytest.raises(CredentialsError) as caught:
        credentials.require("guanyi")
    exc = caught.value
    assert exc.advice is Advice.CREDENTIALS and exc.kind == "guanyi"
    assert not cli_words_in(str(exc))
    shown = window_message(exc)
    assert shown.startswith(str(exc)) and not cli_words_in(shown)
    assert ("设置 › 连接" if lang == "zh_CN" else "Settings › Connections") in shown
    assert "credentials set guanyi" in cli_message(exc)


def test_a_keyring_that_keeps_nothing(db, lang):
    import keyring
    from keyring.backends.null import Keyring

    keyring.set_keyring(Keyring())  # the test's in-memory keyring comes back after it (conftest)
    with pytest.raises(CredentialsError) as caught:
        credentials.store("guanyi", {"appkey": "a", "sessionkey": "s", "secret": "x"})
    assert caught.value.advice is Advice.KEYRING_KEEPS_NOTHING
    assert not cli_words_in(window_message(caught.value))
    assert "keyring --disable" in cli_message(caught.value) and "PYTHON_KEYRING_BACKEND" in cli_message(caught.value)


@pytest.fixture
def sb(db):
    with loaded_sandbox(returns=20, days=5) as sandbox:
        yield sandbox


def test_an_unknown_outcome_and_a_refused_re_push(sb, lang):
    code = ready_codes()[0]
    sb.jingcheng.faults.push("http500")
    result = push.push([code])
    item = result.items[0]
    assert item.status == SheetStatus.UNKNOWN and item.advice is Advice.CHECK_UNKNOWN
    stored = [LedgerEntry.get_by_id(code).message, SyncLog.select().where(SyncLog.code == code)
              .order_by(SyncLog.id.desc()).get().message]
    for text in (item.message, *stored):
        assert text and not cli_words_in(text)  # what happened, and only that
    shown = f"{item.message} {item_advice(item)}"
    assert not cli_words_in(shown) and ("标记为已推送" if lang == "zh_CN" else "Mark posted") in shown
    assert not cli_words_in(state_advice("unknown", code))
    (detail,) = summaries.of_push(result).details  # the window's summary after the push
    assert item_advice(item) in detail and not cli_words_in(detail)
    assert f"mark {code} --posted" in item_line(item) and "--force" in item_line(item)

    refused = push.push([code]).items[0]
    assert refused.status == "skipped" and refused.advice is Advice.CHECK_UNKNOWN
    assert not cli_words_in(refused.message + item_advice(refused))
    assert f"mark {code} --failed" in item_line(refused)


def test_a_posted_sheet_is_not_sent_again_without_a_confirmation(sb, lang):
    code = ready_codes()[0]
    push.push([code])
    skipped = push.push([code]).items[0]
    assert skipped.status == "skipped" and skipped.advice is Advice.CONFIRM_REPUSH
    assert not cli_words_in(skipped.message + item_advice(skipped))
    assert ("重新推送" if lang == "zh_CN" else "Push again") in item_advice(skipped)
    assert f"push {code} --force" in item_line(skipped)


def test_a_refused_token_stops_the_push(sb, lang):
    codes = ready_codes()[:2]
    credentials.store("jingcheng", {"token": "WRONG-token"})
    result = push.push(codes)
    first = result.items[0]
    assert first.advice is Advice.CREDENTIALS and result.stopped_advice is Advice.CREDENTIALS
    assert not cli_words_in(first.message + item_advice(first) + result.summary())
    summary = summaries.of_push(result)
    assert ("设置 › 连接" if lang == "zh_CN" else "Settings › Connections") in summary.text
    assert not cli_words_in(summary.text + "\n".join(summary.details))
    assert "credentials set jingcheng" in item_line(first)


@pytest.mark.parametrize("advice", list(Advice))
def test_every_advice_has_window_words_without_cli_words_and_cli_words(advice, lang):
    from core.cli.advice import cli_advice

    shown = window_advice(advice, kind="jingcheng", code="RGO1", sheet_no="JC-9")
    assert shown and not cli_words_in(shown)
    assert cli_advice(advice, kind="jingcheng", code="RGO1", sheet_no="JC-9")


def test_an_error_without_advice_is_shown_as_it_is(lang):
    exc = ReturnSyncError("出错了。", "It failed.")
    assert window_message(exc) == str(exc) == cli_message(exc)


def test_an_error_from_the_windows_push_process_keeps_its_class_and_advice(sb, lang):
    import threading

    from core import jobs

    credentials.delete("jingcheng")
    with pytest.raises(CredentialsError) as caught:
        jobs.run(jobs.Job("push", {"codes": ready_codes()[:1]}), lambda _report: None, threading.Event())
    exc = caught.value
    assert (exc.advice, exc.kind) == (Advice.CREDENTIALS, "jingcheng") and exc.exit_code == 2
    assert not cli_words_in(window_message(exc)) and "credentials set jingcheng" in cli_message(exc)


def test_a_background_task_of_the_window_fails_with_the_windows_advice(qtbot):
    from ui import worker

    def job(_progress, _cancel):
        raise CredentialsError("钥匙串里没有完整的管易云凭据（缺少 secret）。", "No complete Guanyi credentials.",
                               advice=Advice.CREDENTIALS, kind="guanyi")

    task = worker.Task(job)
    with qtbot.waitSignal(task.signals.failed, timeout=10_000) as failed:
        worker.start(task)
    qtbot.waitUntil(lambda: task not in worker._running, timeout=5_000)
    assert failed.args == ["钥匙串里没有完整的管易云凭据（缺少 secret）。请在“设置 › 连接”中填写管易云凭据。"]
