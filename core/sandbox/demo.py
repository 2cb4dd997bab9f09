"""``--demo``: the app on the built-in sandbox, without touching the user's data or keyring.

The demo gets its own data folder (a temporary one unless given), an in-memory keyring holding
the sandbox's credentials, and settings pointing at the sandbox.
"""

from __future__ import annotations

import keyring

from core import credentials, settings
from core.i18n import t
from core.mapping import value_tables
from core.sandbox import Sandbox
from core.sandbox.memory_keyring import MemoryKeyring


def start_demo(*, returns: int = 300, days: int = 14, seed: int = 7, latency_ms: int = 30) -> Sandbox:
    """Start the sandbox and point the bound database and the keyring at it."""
    sandbox = Sandbox(returns=returns, days=days, seed=seed, latency_ms=latency_ms).start()
    keyring.set_keyring(MemoryKeyring())
    for kind, values in sandbox.credentials.items():
        if values:
            credentials.store(kind, values)
    settings.set_value("guanyi.url", sandbox.guanyi_url)
    settings.set_value("qimen.url", sandbox.qimen_url)
    settings.set_value("jingcheng.url", sandbox.jingcheng_url)
    _seed_value_tables(sandbox)
    return sandbox


def _seed_value_tables(sandbox: Sandbox) -> None:
    """Fill the value tables as an implementer would, leaving a few gaps so the warnings show too."""
    shops = sorted({(r.get("shop_code") or "", r.get("shop_name") or "") for r in sandbox.guanyi.records})
    goods = sorted({str(d.get("sku_code") or d.get("item_code") or "") for r in sandbox.guanyi.records
                    for d in (r.get("details") or [])})
    value_tables.apply_rows(value_tables.SHOPS, [
        {"shop_code": code, "customer_code": f"KH-{code}", "customer_name": f"{name}（精诚客户）"}
        for code, name in shops[:-1] if code
    ])
    value_tables.apply_rows(value_tables.GOODS, [
        {"code": code, "goods_id": f"JC{index:05d}"} for index, code in enumerate(goods) if code and index % 7
    ])


def describe_demo(sandbox: Sandbox) -> str:
    """One paragraph for the window's banner: what the sandbox holds and where it listens."""
    info = sandbox.info()
    return t(
        f"演示模式 · 内置沙箱有 {info['returns']} 张退货单（其中已入库 {info['received']}、已取消 "
        f"{info['cancelled']}），{info['days']} 天内，截至 {info['end']}；店铺 {info['shops']} 家。"
        f"管易云 {info['guanyi_url']} · 精诚 {info['jingcheng_url']}。"
        "凭据只保存在本次运行的内存中，数据在临时文件夹里。",
        f"Demo mode · the built-in sandbox holds {info['returns']} returns ({info['received']} received, "
        f"{info['cancelled']} cancelled) over {info['days']} days up to {info['end']}, from "
        f"{info['shops']} shops. Guanyi {info['guanyi_url']} · Jingcheng {info['jingcheng_url']}. "
        "Credentials live in memory for this run only; data is in a temporary folder.",
    )
