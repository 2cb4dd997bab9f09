"""The HTTP plumbing both simulators share: a threaded stdlib server that can stop at once.

A simulator is a callable ``app(Request) -> Reply | NoReply``; this module turns it into real
sockets and real bytes, including the misbehaviour a fault asks for (a reply held back, a
connection closed or reset without a word).
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.guanyi.returns import dump_raw
from core.redact import mask_query

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: Message
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0  # wait this long before replying
    cut: bool = False  # send the headers and half the body, then reset the connection


@dataclass
class NoReply:
    """Close the connection without answering: after ``hold_seconds``, with a RST if ``reset``."""

    hold_seconds: float = 0.0
    reset: bool = False


App = Callable[[Request], "Reply | NoReply"]


def json_reply(payload: object, status: int = 200, delay_seconds: float = 0.0) -> Reply:
    # dump_raw writes a Decimal as the number it is, so a test can make the sandbox send ``146.10``.
    body = dump_raw(payload).encode("utf-8")
    return Reply(status=status, body=body, delay_seconds=delay_seconds)


class SandboxServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose ``stop`` returns quickly even with clients still connected."""

    daemon_threads = True
    # Handler threads of keep-alive clients block on their socket; stop() closes those sockets
    # instead of waiting for the threads.
    block_on_close = False

    def __init__(self, host: str, port: int, app: App, latency_seconds: float = 0.0) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.app = app
        self.latency_seconds = latency_seconds
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._to_reset: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> None:
        # stop() writes a byte to this pair to wake the accept loop at once (serve_forever would poll).
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread = threading.Thread(target=self._accept_loop, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()  # also releases requests held by a "timeout" or "delay" fault
        if self._thread is not None:
            self._wake_writer.send(b"x")
            self._thread.join()
            self._thread = None
            self._wake_reader.close()
            self._wake_writer.close()
        self.server_close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self and not self.stopping.is_set():
                        self._handle_request_noblock()  # what serve_forever calls: accept, then a thread

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._lock:
            self._open.discard(request)
            reset = request in self._to_reset
            self._to_reset.discard(request)
        if reset:
            # Linger 0 makes close() send a RST instead of a FIN: the client sees "connection reset".
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.close()
        else:
            super().shutdown_request(request)

    def mark_reset(self, request: socket.socket) -> None:
        with self._lock:
            self._to_reset.add(request)

    def handle_error(self, request: socket.socket, client_address: tuple) -> None:
        # A client that gives up mid-request is normal here (timeouts are tested on purpose).
        log.debug("sandbox connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients using a requests.Session expect
    # Headers and body leave in two writes; with Nagle on, the second waits for a delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server: SandboxServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        # With --demo the simulators share the app's process and its --verbose log: no sign in a request line.
        log.debug("%s %s", self.address_string(), mask_query(format % args))

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(Reply(status=400, body=b"bad Content-Length", content_type="text/plain"))
            return
        body = self.rfile.read(length) if length > 0 else b""
        arrived = time.monotonic()
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, self.headers, body)
        try:
            reply = self.server.app(request)
        except Exception:
            log.exception("sandbox failed on %s %s", self.command, self.path)
            reply = Reply(status=500, body=b"sandbox internal error", content_type="text/plain")
        # The latency is the time from request to answer, the simulator's own work included, as a remote
        # server's would be: a client measured against requests × latency then meets a reachable floor.
        remaining = self.server.latency_seconds - (time.monotonic() - arrived)
        if remaining > 0 and self.server.stopping.wait(remaining):
            self.close_connection = True
            return
        if isinstance(reply, NoReply):
            if reply.hold_seconds:
                self.server.stopping.wait(reply.hold_seconds)
            if reply.reset:
                self.server.mark_reset(self.connection)
            self.close_connection = True
            return
        if reply.delay_seconds and self.server.stopping.wait(reply.delay_seconds):
            self.close_connection = True
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if reply.cut:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.server.mark_reset(self.connection)
                self.close_connection = True
                return
            self.wfile.write(reply.body)
        except OSError:
            # The client left (its own timeout); nothing more to say to it.
            self.close_connection = True
