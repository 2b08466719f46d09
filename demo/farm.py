"""Serve demo/blogs/ on 127.0.0.1 the way a blog host would: feed and picture content types,
ETag, 304.

    python -m demo.farm            # serve until Ctrl-C
    invoke demo                    # serve while the demo hub builds

The ETag is a hash of the file's bytes, so it is the same on every checkout and the committed
archive's validators stay valid: a rebuild with unchanged feeds gets 304s and changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BLOGS = Path(__file__).resolve().parent / "blogs"
HOST = "127.0.0.1"
PORT = 8606
CONTENT_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    # The blogs' pictures: the hub keeps its own copies, and the demo's pages show those.
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}


class BlogHandler(BaseHTTPRequestHandler):
    server_version = "demo-blogs/1"

    def do_GET(self) -> None:
        path = (BLOGS / self.path.split("?", 1)[0].lstrip("/")).resolve()
        if BLOGS not in path.parents or not path.is_file() or path.suffix not in CONTENT_TYPES:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", CONTENT_TYPES[path.suffix])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(port: int = PORT) -> Iterator[ThreadingHTTPServer]:
    """Serve the demo blogs in a background thread for the duration of the block."""
    try:
        server = ThreadingHTTPServer((HOST, port), BlogHandler)
    except OSError as exc:
        raise SystemExit(f"cannot serve the demo blogs on {HOST}:{port}: {exc.strerror}") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    with serving():
        print(f"serving {BLOGS} at http://{HOST}:{PORT}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
