"""What one POST of a sheet to 精诚 came to: exactly one of posted, failed or unknown (SPEC §5 step 4)."""

from __future__ import annotations

from dataclasses import dataclass

from core.advice import Advice
from core.states import SheetStatus


@dataclass(frozen=True)
class Outcome:
    """What one POST came to. ``reply`` is the reply text with every secret removed. ``message`` says what
    happened; ``advice`` is the next step when it is more than the status implies (:func:`core.advice.for_state`)."""

    status: SheetStatus  # POSTED | FAILED | UNKNOWN
    message: str
    sheet_no: str | None = None
    http_status: int | None = None
    reply: str = ""
    duration_ms: int = 0
    auth_refused: bool = False  # HTTP 401/403: every further sheet would be refused too
    unreachable: bool = False  # no connection was made: nothing left this machine
    advice: Advice | None = None


