"""Both simulators on loopback, each on its own port, with demo credentials derived from the seed.

Used by ``--demo``, by the ``sandbox`` command, by the tests and by the benchmarks (SPEC §9).
"""

from __future__ import annotations

import random
from datetime import datetime
from types import TracebackType

from core.sandbox.generator import ReturnGenerator
from core.sandbox.guanyi_sim import DIRECT_PATH, METHOD, QIMEN_PATH, GuanyiSimulator
from core.sandbox.httpserver import SandboxServer
from core.sandbox.jingcheng_sim import AUTH_MODES, SHEET_PATH, JingchengSimulator
from core.sandbox.qimen import GUANYI_TARGET_APP_KEY, QimenGateway
from core.timeutil import format_datetime, now_china


def demo_credentials(seed: int, jingcheng_auth: str) -> dict[str, dict[str, str]]:
    """Credentials the sandbox accepts: random-looking, but the same for the same seed."""
    rng = random.Random(f"sandbox-credentials-{seed}")

    def hexes(length: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(length))

    guanyi = {"appkey": str(rng.randint(100000, 999999)), "sessionkey": hexes(32), "secret": hexes(32)}
    qimen = {"app_key": str(rng.randint(10_000_000, 99_999_999)), "secret": hexes(32)}
    jingcheng_modes = {
        "token": {"token": hexes(40)},
        "basic": {"user": "jc_demo", "password": hexes(16)},
        "md5-sign": {"appkey": f"jc{rng.randint(1000, 9999)}", "secret": hexes(32)},
        "none": {},
    }
    return {"guanyi": guanyi, "qimen": qimen, "jingcheng": jingcheng_modes[jingcheng_auth]}


class Sandbox:
    """The 管易云 (direct + 奇门) and 精诚 simulators. ``start()`` binds, ``stop()`` ends at once."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        guanyi_port: int = 0,
        jingcheng_port: int = 0,
        returns: int = 200,
        days: int = 30,
        seed: int = 1,
        latency_ms: int = 0,
        end: datetime | None = None,
        jingcheng_auth: str = "token",
    ) -> None:
        if returns < 0 or days < 1 or latency_ms < 0:
            raise ValueError("returns must be >= 0, days >= 1 and latency_ms >= 0")
        if jingcheng_auth not in AUTH_MODES:
            raise ValueError(f"unknown 精诚 auth {jingcheng_auth!r}; use one of {', '.join(AUTH_MODES)}")
        self.host = host
        self.seed = seed
        self.days = days
        self.end = (end or now_china()).replace(microsecond=0)
        self.jingcheng_auth = jingcheng_auth
        self.credentials = demo_credentials(seed, jingcheng_auth)
        self._ports = (guanyi_port, jingcheng_port)
        self._latency_seconds = latency_ms / 1000
        generator = ReturnGenerator(seed, self.end, days)
        gateway = QimenGateway(self.credentials["qimen"]["app_key"], self.credentials["qimen"]["secret"], METHOD,
                               f"qimen-{seed}")
        self._shops = len(generator.shops)
        self.guanyi = GuanyiSimulator(
            generator.generate(returns), generator, self.credentials["guanyi"], gateway, seed, self.info
        )
        self.jingcheng = JingchengSimulator(jingcheng_auth, self.credentials["jingcheng"], seed)
        self._servers: list[SandboxServer] = []
        self._bound: tuple[int, int] | None = None  # kept after stop() so URLs still name where it was

    def start(self) -> Sandbox:
        """Bind both ports (0 = any free port) and serve in daemon threads."""
        if self._servers:
            return self
        guanyi = SandboxServer(self.host, self._ports[0], self.guanyi, self._latency_seconds)
        try:
            jingcheng = SandboxServer(self.host, self._ports[1], self.jingcheng, self._latency_seconds)
        except OSError:
            guanyi.server_close()
            raise
        self._servers = [guanyi, jingcheng]
        self._bound = (guanyi.port, jingcheng.port)
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def guanyi_url(self) -> str:
        return self._base(0) + DIRECT_PATH

    @property
    def qimen_url(self) -> str:
        return self._base(0) + QIMEN_PATH

    @property
    def jingcheng_url(self) -> str:
        return self._base(1)

    def info(self) -> dict:
        """What the ``sandbox`` command prints: where to connect, with what, and what is there."""
        return {
            "guanyi_url": self.guanyi_url,
            "qimen_url": self.qimen_url,
            "qimen_target_app_key": GUANYI_TARGET_APP_KEY,
            "jingcheng_url": self.jingcheng_url,
            "jingcheng_sheet_url": self.jingcheng_url + SHEET_PATH,
            "jingcheng_auth": self.jingcheng_auth,
            "credentials": self.credentials,
            "returns": len(self.guanyi.records),
            "received": len(self.guanyi.matching({"receive": 1})),
            "cancelled": len(self.guanyi.matching({"cancel": 1})),
            "shops": self._shops,
            "seed": self.seed,
            "days": self.days,
            "end": format_datetime(self.end),
        }

    def _base(self, index: int) -> str:
        if self._bound is None:
            raise RuntimeError("the sandbox was never started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._bound[index]}"
