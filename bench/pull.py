"""Pull 10,000 returns from the sandbox (20 ms latency per request) and compare with the network floor.

    python bench/pull.py [--returns N] [--days N] [--latency-ms MS] [--seed N] [--concurrency N] [--replay]

The sandbox runs as ``python main.py sandbox`` in a child process, as Guanyi runs on another machine;
its generator gives about 3 lines per return (1 to 5, evenly; the average is printed). The pull is
:func:`core.pull.pull` through the real client (``client_from_settings``: the keyring — in memory
here — the settings, one ``requests.Session``, retries), on the create axis with every status, so it
brings every return the sandbox holds, in one-day windows of 100-record pages read two windows at once
(the default settings; ``--concurrency 1`` reads one window at a time), into a temporary data folder.

What is timed is everything a real pull does, nothing left out or deferred past the clock: signing,
HTTP, reading each reply with exact numbers, paging and checking each window, and storing: the
typed parse of every record (``parse_return``, as on every real pull — it rejects a record without
a code and gives the indexed columns), its raw JSON (as sent), the comparison with the stored copy
(new / updated / unchanged), the upsert and commit of each window, and the sync-log row. The clock
stops when ``pull`` returns, which is after the last window is committed.

The target (issue 2) is wall / (requests × latency) <= 1.3. The floor counts every request's latency
one after another, as a client reading one window at a time pays it; two windows read at once can
come under it, and then what is left is the client's own work. Two more figures say where the time goes:
the same requests sent bare to the same sandbox (the sandbox answers each request ``latency`` after it
arrived, its own work included, so bare requests come close to the floor), and, with ``--replay``, the
pull again against a server that sends the sandbox's recorded replies after only the latency — with the
same requests bare, and bare but each reply read as JSON: the least a client can do that reads each
reply before it sends the next request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
import requests  # noqa: E402
from sandbox_process import start_sandbox  # noqa: E402  (bench/, beside this script)

from core import credentials, pull, settings, store  # noqa: E402
from core.guanyi.client import client_from_settings  # noqa: E402
from core.guanyi.returns import load_raw  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402
from core.store import ReturnRecord, db  # noqa: E402
from core.timeutil import format_datetime, parse_datetime  # noqa: E402

TARGET_RATIO = 1.3


class RecordingSession(requests.Session):
    """A session that keeps every POST it sends and the reply, so they can be sent or served again."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict]] = []
        self.replies: dict[bytes, bytes] = {}

    def post(self, url, data=None, json=None, **kwargs):  # requests' own signature
        response = super().post(url, data=data, json=json, **kwargs)
        self.sent.append((url, {"data": data, **kwargs}))
        self.replies[data] = response.content
        return response


def serve_replies(replies: dict[bytes, bytes], latency: float, ports: multiprocessing.Queue) -> None:
    """A server that answers each recorded request body with its recorded reply, after ``latency`` only."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(latency)
            reply = replies[body]
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def timed_pull(url: str, guanyi: dict, start: datetime, end: datetime, session: RecordingSession,
               warm_up: dict | None, concurrency: int | None) -> tuple[float, pull.PullResult, int, float]:
    """(wall seconds, result, returns stored, lines per return) of one pull into a new data folder."""
    with tempfile.TemporaryDirectory(prefix="returnsync-bench-") as folder:
        store.open_database(Path(folder) / "bench.sqlite3")
        try:
            settings.set_value("guanyi.url", url)
            credentials.store("guanyi", guanyi)
            with client_from_settings(session=session) as client:
                if warm_up is not None:
                    client.get_returns(warm_up)  # connected, and the sandbox's date cache filled, before timing
                else:
                    session.post(url, **session.sent[0][1])  # connected before timing (requests reads the whole body)
                session.sent.clear()
                began = time.perf_counter()
                result = pull.pull(client, start, end, axis="create", all_statuses=True, concurrency=concurrency)
                wall = time.perf_counter() - began
            stored = ReturnRecord.select().count()
            lines = db.execute_sql(
                "SELECT avg(coalesce(json_array_length(raw_json, '$.details'), 0)) FROM return_record"
            ).fetchone()[0]
        finally:
            store.close_database()
    return wall, result, stored, lines


def bare(sent: list[tuple[str, dict]], url: str | None = None, read_json: bool = False) -> float:
    """Seconds for the same POSTs with nothing around them (to ``url`` if given): send, read the body and,
    if ``read_json``, read it as JSON with exact numbers as the client does."""
    with requests.Session() as session:
        session.post(url or sent[0][0], **sent[0][1])  # connected before timing
        began = time.perf_counter()
        for target, options in sent:
            body = session.post(url or target, **options).content
            if read_json:
                load_raw(body.decode("utf-8-sig"))
        return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, help="windows read at once (default: the setting, 2)")
    parser.add_argument("--replay", action="store_true", help="also pull from a server that only waits the latency")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    latency = args.latency_ms / 1000
    child, info = start_sandbox(args.returns, args.days, args.seed, args.latency_ms)
    try:
        end = parse_datetime(info["end"])
        start = end.replace(hour=0, minute=0, second=0) - timedelta(days=args.days)
        warm_up = {"page_no": 1, "page_size": 1, "start_create": format_datetime(start),
                   "end_create": format_datetime(end)}
        guanyi = info["credentials"]["guanyi"]
        session = RecordingSession()
        wall, result, stored, lines = timed_pull(info["guanyi_url"], guanyi, start, end, session, warm_up,
                                                 args.concurrency)
        sent = list(session.sent)
        measured = bare(sent)
    finally:
        child.terminate()
        child.wait(timeout=10)
    requests_made = result.requests
    floor = requests_made * latency
    ratio = wall / floor
    complete = len(result.codes) == stored == info["returns"] and result.complete and not result.warnings
    verdict = "ok" if ratio <= TARGET_RATIO and complete else "MISSED"
    print(f"returns {info['returns']} ({lines:.2f} lines each on average)  pulled {len(result.codes)}  "
          f"stored {stored}  windows {result.windows}  warnings {len(result.warnings)}")
    at_once = args.concurrency or int(settings.KEYS["pull.concurrency"].default)
    print(f"pull wall time      {wall:7.2f} s   ({wall / max(len(result.codes), 1) * 1e6:.0f} µs per return, "
          f"{at_once} window{'s' if at_once > 1 else ''} read at once)")
    print(f"requests            {requests_made:7d}")
    print(f"network floor       {floor:7.2f} s   (requests × {args.latency_ms} ms)")
    print(f"ratio               {ratio:7.3f}     (target <= {TARGET_RATIO}: {verdict})")
    print(f"same requests bare  {measured:7.2f} s   ratio {measured / floor:.3f}; pull / bare {wall / measured:.3f}  "
          "(the latency plus the sandbox's own work)")
    if args.replay:
        ports: multiprocessing.Queue = multiprocessing.Queue()
        server = multiprocessing.Process(target=serve_replies, args=(session.replies, latency, ports), daemon=True)
        server.start()
        try:
            url = f"http://127.0.0.1:{ports.get(timeout=30)}{urlsplit(info['guanyi_url']).path}"
            replay_session = RecordingSession()
            replay_session.sent = sent[:1]
            again, replayed, _, _ = timed_pull(url, guanyi, start, end, replay_session, None, args.concurrency)
            plain, read = bare(sent, url), bare(sent, url, read_json=True)
        finally:
            server.terminate()
            server.join(timeout=10)
        print(f"replayed replies, only the latency (requests {replayed.requests}):")
        print(f"  pull              {again:7.2f} s   ratio {again / floor:.3f}")
        print(f"  same requests bare {plain:6.2f} s   ratio {plain / floor:.3f}")
        print(f"  bare, JSON read   {read:7.2f} s   ratio {read / floor:.3f}  "
              "(the least a client that reads each reply before the next request can do)")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
