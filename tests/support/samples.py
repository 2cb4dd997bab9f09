"""The shape of a real ``gy.erp.trade.return.get`` reply (a copy of ``shared/samples``)."""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "return-get-response.json"
