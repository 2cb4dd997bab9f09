"""Guanyi clients pointed at a running sandbox, tuned so retries and timeouts cost milliseconds."""

from __future__ import annotations

from core.guanyi.client import GuanyiClient
from core.guanyi.transports import DirectTransport, QimenTransport

FAST = {"connect_timeout": 2.0, "read_timeout": 2.0, "retries": 2, "backoff_base": 0.001, "backoff_cap": 0.01}


def direct_transport(sb, **override: str) -> DirectTransport:
    creds = sb.credentials["guanyi"] | override
    return DirectTransport(sb.guanyi_url, creds["appkey"], creds["sessionkey"], creds["secret"])


def qimen_transport(sb, sign_method: str = "md5", **override: str) -> QimenTransport:
    guanyi = sb.credentials["guanyi"]
    qimen = sb.credentials["qimen"] | override
    return QimenTransport(
        sb.qimen_url, qimen["app_key"], qimen["secret"], guanyi["appkey"], guanyi["sessionkey"],
        sign_method=sign_method, session=qimen.get("session", ""),
    )


def client(sb, transport: str = "direct", sign_method: str = "md5", **tuning: float) -> GuanyiClient:
    """A client of ``transport`` ("direct" or "qimen") with the sandbox's own credentials."""
    chosen = direct_transport(sb) if transport == "direct" else qimen_transport(sb, sign_method)
    return GuanyiClient(chosen, **(FAST | tuning))
