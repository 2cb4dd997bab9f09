"""One vocabulary of states: a return's state follows its ledger row, then its mapping, the same for every view."""

from __future__ import annotations

import pytest

from core import i18n, ledger
from core.guanyi.returns import parse_return
from core.jingcheng.outcome import Outcome
from core.jingcheng.sheet import Sheet, SheetLine
from core.mapping.mapper import MappedReturn, Problem
from core.push import Preview
from core.states import TICKABLE, ReturnState, SheetStatus, return_state, state_text, status_text
from core.store import LedgerEntry


def _sheet(amo: str = "10.00") -> Sheet:
    line = SheetLine(qua="1", goods_id="G1", price=amo, amo=amo, remark="")
    return Sheet("RGO1", "2024-01-02", "C1", "客户", "R", "1", amo, "备注", (line,))


def _preview(sheet: Sheet | None, blocking: tuple[Problem, ...] = ()) -> Preview:
    mapped = MappedReturn(parse_return({"code": "RGO1"}), sheet, blocking, ())
    return Preview("RGO1", mapped, LedgerEntry.get_or_none(LedgerEntry.sheet_id == "RGO1"))


CANCELLED = (Problem("cancelled", "已取消。", "Cancelled."),)


def test_a_returns_state_follows_its_ledger_row_then_its_mapping(db):
    assert _preview(_sheet()).state is ReturnState.READY and _preview(_sheet()).ready
    assert _preview(_sheet(), CANCELLED).state is ReturnState.BLOCKED
    claim = ledger.claim(_sheet(), "RGO1")
    assert _preview(_sheet()).state is ReturnState.SENDING and _preview(_sheet()).note == "正在推送…"
    ledger.record(claim, Outcome(SheetStatus.FAILED, "客户编码不存在"))
    assert _preview(_sheet()).state is ReturnState.FAILED and _preview(_sheet()).ready
    assert "客户编码不存在" in _preview(_sheet()).note
    assert _preview(_sheet(), CANCELLED).state is ReturnState.BLOCKED  # blocked now, whatever failed before
    claim = ledger.claim(_sheet(), "RGO1")
    ledger.record(claim, Outcome(SheetStatus.POSTED, "ok", sheet_no="XT1"))
    posted = _preview(_sheet())
    assert posted.state is ReturnState.POSTED and not posted.ready and "XT1" in posted.note
    # The return changed in 管易云 after it was posted: another sheet, no sheet, or a sheet that may not go.
    for changed in (_preview(_sheet(amo="11.00")), _preview(None), _preview(_sheet(), CANCELLED)):
        assert changed.state is ReturnState.CHANGED and not changed.ready and "XT1" in changed.note
    LedgerEntry.update(status=SheetStatus.UNKNOWN, message="精诚在 30 秒内没有回复。").execute()
    unknown = _preview(_sheet())
    assert unknown.state is ReturnState.UNKNOWN and not unknown.ready and "30 秒" in unknown.note


@pytest.mark.parametrize(
    ("ledger_status", "ready", "now", "posted", "state"),
    [(None, True, "h", None, ReturnState.READY), (None, False, None, None, ReturnState.BLOCKED),
     ("failed", True, "h", None, ReturnState.FAILED), ("failed", False, "h", None, ReturnState.BLOCKED),
     ("sending", False, None, None, ReturnState.SENDING), ("unknown", True, "h", None, ReturnState.UNKNOWN),
     ("posted", True, "h", "h", ReturnState.POSTED), ("posted", True, "h", None, ReturnState.POSTED),
     ("posted", True, "h2", "h", ReturnState.CHANGED), ("posted", False, "h", "h", ReturnState.CHANGED),
     ("posted", True, None, "h", ReturnState.CHANGED)],
)
def test_return_state(ledger_status, ready, now, posted, state):
    assert return_state(ledger_status, ready, now, posted) is state


def test_every_state_has_its_word_in_both_languages_and_posted_is_never_called_booked():
    zh = {state: state_text(state) for state in ReturnState}
    assert list(zh.values()) == ["待推送", "不可推送", "推送中", "已推送", "失败", "结果未知", "推送后有变更"]
    i18n.set_language("en")
    assert len({state_text(state) for state in ReturnState}) == len(ReturnState)
    assert status_text(SheetStatus.POSTED) == "posted" and status_text("blocked") == "blocked"
    i18n.set_language("zh_CN")
    assert status_text(SheetStatus.POSTED) == "已推送" and status_text(SheetStatus.UNKNOWN) == "结果未知"
    assert set(TICKABLE) == {ReturnState.READY, ReturnState.FAILED}


# The sync log's actions and statuses have their words here too (SPEC §8, §10: the log and the CSV speak words).
import ast  # noqa: E402
from pathlib import Path  # noqa: E402

from core.states import ItemStatus, action_text  # noqa: E402

CORE = Path(__file__).resolve().parents[2] / "core"
RUN_STATUS_WORDS = {"ok": ("成功", "ok"), "warning": ("有提醒", "warning"), "cancelled": ("已中止", "cancelled"),
                    "stopped": ("已停止", "stopped"), "partial": ("部分完成", "partial"),
                    "dry-run": ("试运行", "dry run"), "failed": ("失败", "failed")}
ACTION_WORDS = {"pull": ("拉取", "pull"), "push": ("推送", "push"), "force": ("强制重推", "forced re-push"),
                "mark": ("手工标记", "marked by hand"), "recover": ("启动恢复", "recovery at start-up"),
                "config": ("设置", "settings"), "credentials": ("凭据", "credentials"),
                "maps": ("对照表", "value tables"), "import": ("导入", "import"), "export": ("导出", "export")}


@pytest.mark.parametrize("lang", [0, 1])
def test_run_statuses_and_actions_have_their_words(lang):
    i18n.set_language(i18n.LANGUAGES[lang])
    assert {code: status_text(code) for code in RUN_STATUS_WORDS} == {c: w[lang] for c, w in RUN_STATUS_WORDS.items()}
    assert {code: action_text(code) for code in ACTION_WORDS} == {c: w[lang] for c, w in ACTION_WORDS.items()}
    assert status_text("no-such-status") == "no-such-status" and action_text("no-such-action") == "no-such-action"


def test_cancelled_is_not_the_word_of_a_cancelled_return():
    assert status_text("cancelled") == "已中止" != "已取消"


def test_the_ledger_and_item_words_are_unchanged():
    words = {code: status_text(code) for code in (*SheetStatus, *ItemStatus)}
    assert words == {"ready": "待推送", "sending": "推送中", "posted": "已推送", "failed": "失败",
                     "unknown": "结果未知", "blocked": "不可推送", "skipped": "已跳过", "would_send": "将推送",
                     "not_sent": "未发送"}


def _logged_codes() -> tuple[set[str], set[str]]:
    """Every action and status ``write_log`` can be given anywhere in core, read from the source.

    An action is always a literal. A status is a literal, a SheetStatus / ItemStatus member, or a variable; the
    variables carry a ledger or item status (every member is taken) or how a run ended: the literals of pull's
    ``write(...)``, of push's ``_run_status`` and of ``PullResult.status``."""
    actions: set[str] = set()
    statuses = {str(member) for member in (*SheetStatus, *ItemStatus)}
    enums = {"SheetStatus": SheetStatus, "ItemStatus": ItemStatus}

    def literals(node: ast.AST) -> set[str]:
        return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "write_log":
                    action, status = node.args[:2]
                    assert isinstance(action, ast.Constant), f"{path}:{node.lineno}: the action is not a literal"
                    actions.add(action.value)
                    if isinstance(status, ast.Constant):
                        statuses.add(status.value)
                    elif isinstance(status, ast.Attribute) and getattr(status.value, "id", "") in enums:
                        statuses.add(str(enums[status.value.id][status.attr]))
                elif name == "write" and path.match("pull/__init__.py") and node.args:
                    statuses |= literals(node.args[0]) if isinstance(node.args[0], ast.Constant) else set()
            elif isinstance(node, ast.FunctionDef) and node.name in ("_run_status", "status"):
                for ret in (n for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None):
                    statuses |= literals(ret.value)
    return actions, statuses


def test_every_action_and_status_core_logs_has_a_word():
    actions, statuses = _logged_codes()
    assert {"pull", "push", "force", "mark", "recover", "config", "credentials", "maps", "import", "export"} <= actions
    assert {"ok", "warning", "failed", "cancelled", "stopped", "partial", "dry-run"} <= statuses
    assert {a for a in actions if action_text(a) == a} == set()  # in Chinese every word differs from its code
    assert {s for s in statuses if status_text(s) == s} == set()
