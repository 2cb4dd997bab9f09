"""Known, distinctive secrets to set in every credential, the ``sign`` and authorisation values a sandbox saw on the
wire, and a scan of files and outputs for any of them (issue 10, item 5). Shared by tests/reliability/test_secrets.py
and bench/reliability.py."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qs

from core.sandbox import Sandbox

# Distinctive values, each found nowhere else; none looks like a hex signature, so a scrub of "anything
# signature-shaped" cannot hide a leak of them.
GUANYI = {"appkey": "GyAppKeyZq81", "sessionkey": "GySessionKeyPm44Rt", "secret": "GySecretXk27Vw"}
QIMEN = {"app_key": "QmAppKeyLw90", "secret": "QmSecretHb63Ns", "session": "QmSessionTc58Jd"}
JINGCHENG = {
    "token": {"token": "JcTokenRf12Yu"},
    "basic": {"user": "jc_user", "password": "JcPasswordQa77Ze"},
    "md5-sign": {"appkey": "JcAppKeyVd48", "secret": "JcMd5SecretWn35Ko"},
}
WRONG_SECRET = "WrongSecretJj09Uy"


def known_credentials(seed: int, jingcheng_auth: str) -> dict[str, dict[str, str]]:
    """In place of :func:`core.sandbox.sandbox.demo_credentials`: a sandbox that accepts the known secrets."""
    return {
        "guanyi": dict(GUANYI),
        "qimen": {k: QIMEN[k] for k in ("app_key", "secret")},
        "jingcheng": dict(JINGCHENG[jingcheng_auth]),
    }


def secret_values(auth: str) -> list[str]:
    """Every known secret of a run whose 精诚 uses ``auth`` (the basic pair as its header carries it too)."""
    values = [*GUANYI.values(), *QIMEN.values(), *(v for k, v in JINGCHENG[auth].items() if k != "user"), WRONG_SECRET]
    if auth == "basic":
        pair = f"{JINGCHENG['basic']['user']}:{JINGCHENG['basic']['password']}".encode()
        values.append(base64.b64encode(pair).decode("ascii"))
    return values


class Wire:
    """Every request the sandbox's servers received: the signs and authorisation values to look for."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.values: set[str] = set()
        self._lock = threading.Lock()
        for server in sandbox._servers:
            server.app = self._recording(server.app)

    def _recording(self, app):
        def recorded(request):
            found = list(parse_qs(request.query).get("sign", []))
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("sign"), str):
                found.append(body["sign"])
            authorization = request.headers.get("Authorization", "")
            if authorization:
                found.append(authorization.partition(" ")[2])
            with self._lock:
                self.values.update(value for value in found if value)
            return app(request)

        return recorded


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by path: its bytes."""
    return {str(path): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def leaks(needles: Iterable[str], places: Iterable[tuple[str, bytes]]) -> list[tuple[str, str, str]]:
    """``(needle, place, text around it)`` for each needle found in a place."""
    places = list(places)
    return [
        (needle, where, _around(data, needle.encode()))
        for needle in sorted(set(needles))
        if needle
        for where, data in places
        if needle.encode() in data
    ]


def _around(data: bytes, needle: bytes) -> str:
    at = data.find(needle)
    return data[max(0, at - 120) : at + len(needle) + 40].decode("utf-8", "replace")
