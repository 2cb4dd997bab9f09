"""The sandbox a benchmark talks to: ``main.py sandbox`` in a child process, as 管易云 and 精诚 run elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# On a machine of two cores a niced sandbox takes the CPU the app leaves rather than the GUI thread's.
NICE = ["nice", "-n", "15"] if sys.platform != "win32" else []


def start_sandbox(returns: int, days: int, seed: int, latency_ms: int, niced: bool = False,
                  ) -> tuple[subprocess.Popen, dict]:
    """The running sandbox and what it printed when ready: its addresses and the range of its returns."""
    command = [*(NICE if niced else []), sys.executable, str(ROOT / "main.py"), "sandbox", "--returns", str(returns),
               "--days", str(days), "--seed", str(seed), "--latency-ms", str(latency_ms)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    line = child.stdout.readline() if child.stdout else ""
    if not line:
        child.kill()
        raise SystemExit("the sandbox did not start")
    return child, json.loads(line)
