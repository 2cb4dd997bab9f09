"""The built-in sandbox: local simulators of 管易云 (direct and 奇门) and 精诚ERP (SPEC §9)."""

from core.sandbox.faults import FaultPlan
from core.sandbox.sandbox import Sandbox

__all__ = ["FaultPlan", "Sandbox"]
