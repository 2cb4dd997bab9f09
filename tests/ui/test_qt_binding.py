"""The Qt binding itself, where a release broke what this app leans on all day long.

PySide6-Essentials 6.12.0 dropped a reference to ``True`` on every ``Signal.emit()`` made from Python: a window
that emits progress, rows and ticks for hours would crash when the count reached zero ("bool_dealloc: deallocating
True or False"). requirements.txt pins 6.11.3; this test fails on a binding with that fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal()


def test_emitting_a_signal_keeps_every_reference_it_was_given(qapp):
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(500):
        emitter.fired.emit()
    assert sys.getrefcount(True) > before - 50  # a faulty binding loses 500
