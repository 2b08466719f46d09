"""A real HTTP server on 127.0.0.1 for the tests, programmable per path.

Each route answers with a `Reply` (or a function of the request that returns one). Every request
is recorded with its headers, so tests can assert what the client actually sent.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str | bytes] = field(default_factory=dict)  # bytes go out exactly as given
    delay: float = 0.0  # seconds to wait before answering
    etag: bool = True  # send an ETag and honour If-None-Match with 304
    drip: float = 0.0  # seconds between single bytes of the body
    stall: float = 0.0  # seconds to wait after the headers, before the body
    header_drip: float = 0.0  # seconds between header lines
    endless: bool = False  # a body that never ends (until the client hangs up or 20 s pass)
    reason: str | None = None  # the status line's reason phrase, when not the usual one
    length: bool = True  # send a Content-Length (without one, the body ends when the server hangs up)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: bytes = b""  # what a POST sent


Route = Reply | Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    """A client closing an idle keep-alive connection is normal, not an error to print."""

    request_queue_size = 64  # the default 5 drops connections a client opens at once (pictures)

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.sent: dict[str, int] = {}  # bytes of body written to each path (the client took them in)
        self._server = _QuietServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            CHUNK = 256 * 1024

            def do_GET(self) -> None:
                self._handle(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))

            def do_POST(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = self.rfile.read(int(headers.get("content-length") or 0))
                self._handle(Request(self.path, headers, "POST", body))

            def _handle(self, request: Request) -> None:
                server.requests.append(request)
                route = server.routes.get(self.path, Reply(404, b"<html><body>Not found</body></html>"))
                reply = route(request) if callable(route) else route
                time.sleep(reply.delay)
                self._answer(request, reply)

            def _answer(self, request: Request, reply: Reply) -> None:
                headers = dict(reply.headers)
                status, body = reply.status, reply.body
                if reply.etag and status == 200:
                    headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if request.headers.get("if-none-match") == headers["ETag"]:
                        status, body = 304, b""
                if reply.length and not reply.endless:
                    headers["Content-Length"] = str(len(body))
                try:
                    self._send_head(status, headers, reply.header_drip, reply.reason)
                    time.sleep(reply.stall)
                    self._send_body(body, reply)
                except OSError:
                    pass  # the client hung up: that is what these tests expect of it

            def _send_head(
                self, status: int, headers: dict[str, str], drip: float, reason: str | None
            ) -> None:
                self.send_response(status, reason)  # sent as Latin-1: "\xff" is the byte 0xff
                for key, value in headers.items():
                    # Text as raw UTF-8 bytes, as a careless or hostile server sends it (http.server
                    # writes header values as Latin-1).
                    raw = value if isinstance(value, bytes) else value.encode("utf-8")
                    self.send_header(key, raw.decode("latin-1"))
                if drip:
                    for name in ("X-Slow-1", "X-Slow-2", "X-Slow-3", "X-Slow-4", "X-Slow-5", "X-Slow-6"):
                        self.flush_headers()
                        time.sleep(drip)
                        self.send_header(name, "drip")
                if "Content-Length" not in headers:
                    self.close_connection = True
                self.end_headers()

            def _send_body(self, body: bytes, reply: Reply) -> None:
                if reply.endless:
                    ends = time.monotonic() + 20
                    while time.monotonic() < ends:
                        self.wfile.write(b"<item>" + b"x" * 65536 + b"</item>")
                elif reply.drip:
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                else:
                    for start in range(0, len(body), self.CHUNK):  # counted as the client reads on
                        chunk = body[start : start + self.CHUNK]
                        self.wfile.write(chunk)
                        server.sent[self.path] = server.sent.get(self.path, 0) + len(chunk)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


class StaticSite:
    """Serve a built site's output folder on 127.0.0.1, as a reader's browser would see it.

    As GitHub Pages serves a project site, when asked: under `prefix` ("/repo"), and with the
    site's 404.html, status 404, for any missing address under it (`pages_404`).
    """

    def __init__(self, directory: str, prefix: str = "", pages_404: bool = False) -> None:
        from functools import partial
        from http.server import SimpleHTTPRequestHandler

        class Quiet(SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                inside = path.startswith(prefix + "/")
                return super().translate_path(
                    path.removeprefix(prefix) if inside else "/.not-under-the-prefix"
                )

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                page = os.path.join(directory, "404.html")
                if code != 404 or not pages_404 or not os.path.isfile(page):
                    super().send_error(code, message, explain)
                    return
                with open(page, "rb") as handle:
                    body = handle.read()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=directory))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
