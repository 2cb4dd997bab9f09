"""The built-in sandbox: local simulators of 管易云 (direct and 奇门) and 精诚ERP (SPEC §9), and the ``--demo``.

``Sandbox`` and ``FaultPlan`` are loaded when first asked for, so that the command line's parser can name the fault
kinds (:mod:`core.sandbox.faults`) without loading the simulators and their HTTP servers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.sandbox.faults import FaultPlan
    from core.sandbox.sandbox import Sandbox

__all__ = ["FaultPlan", "Sandbox"]


def __getattr__(name: str) -> object:
    if name == "Sandbox":
        from core.sandbox.sandbox import Sandbox

        return Sandbox
    if name == "FaultPlan":
        from core.sandbox.faults import FaultPlan

        return FaultPlan
    raise AttributeError(f"module 'core.sandbox' has no attribute {name!r}")
