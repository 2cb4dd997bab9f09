"""Export a 100,000-row sync log to CSV and print rows, seconds (target ≤ 2 s) and file size.

    python bench/export.py [--rows N]

Fills a temporary database with realistic rows (Chinese messages, some with commas, quotes,
newlines and formula-looking starts), then times :func:`core.export.export_log` alone.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import peewee as pw  # noqa: E402

from core import store  # noqa: E402
from core.export import export_log  # noqa: E402
from core.store import SyncLog  # noqa: E402

TARGET_SECONDS = 2.0
SHOPS = ["天猫旗舰店", "京东自营店", "拼多多专营店", "抖音小店", "唯品会"]
CUSTOMERS = ["广州百货有限公司", "深圳优品贸易", "佛山家居城", "东莞电商中心"]


def _message(rng: random.Random, action: str, code: str, status: str) -> str:
    if action == "pull":
        day, count = rng.randint(1, 28), rng.randint(0, 300)
        return f"入库时间 2026-11-{day:02d}：{count} 张退货单（新 {count // 3}，更新 3）"
    if action == "push" and status == "ok":
        sheet_no, amount = rng.randint(10**9, 10**10), rng.randint(1, 99999)
        return f"推送成功，精诚单号 JC{sheet_no}，客户“{rng.choice(CUSTOMERS)}”，金额 {amount}.00"
    if action == "push" and status == "failed":
        return rng.choice([
            f"精诚返回 Flag 0：客户编码 {rng.choice(SHOPS)} 不存在",
            '精诚返回："商品 6901234567890 未建档"，请先在精诚中建立商品',
            "-1 连接被拒绝（127.0.0.1:8090），请确认精诚服务已启动",
            "=HYPERLINK(\"http://example.com\")",
        ])
    if action == "push":
        return "读取超时（30 秒），已发送但未收到回复；请在精诚中核对后标记\n单号 " + code
    if action == "preview":
        return f"阻止：{rng.choice(['已取消', '没有已入库的明细', '单价为负'])}；警告：赠品行, 店铺未在对照表中"
    return f"mapping.remark_length: 200 -> {rng.randint(50, 300)}"


def fill(rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, 8, 0, 0)
    fields = [SyncLog.time, SyncLog.action, SyncLog.code, SyncLog.status, SyncLog.message,
              SyncLog.duration_ms, SyncLog.os_user]
    values = []
    for i in range(rows):
        action = rng.choices(["pull", "preview", "push", "config"], weights=[5, 30, 60, 5])[0]
        status = rng.choices(["ok", "failed", "unknown"], weights=[85, 12, 3])[0]
        code = f"RT{20260000000 + i}" if action in ("preview", "push") else None
        values.append((start + timedelta(seconds=i * 7), action, code, status,
                       _message(rng, action, code or "", status), rng.randint(5, 3000), "会计小王"))
    with store.db.atomic():
        for chunk in pw.chunked(values, 500):
            SyncLog.insert_many(chunk, fields=fields).execute()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="returnsync-bench-") as folder:
        store.open_database(Path(folder) / "bench.sqlite3")
        try:
            fill(args.rows)
            target = Path(folder) / "log.csv"
            began = time.perf_counter()
            written = export_log(target)
            seconds = time.perf_counter() - began
            size = target.stat().st_size
        finally:
            store.close_database()
    verdict = "ok" if seconds <= TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"rows {written}  seconds {seconds:.3f}  (target <= {TARGET_SECONDS:.0f} s: {verdict})  "
          f"file {size / 1_048_576:.1f} MiB")
    return 0 if seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
