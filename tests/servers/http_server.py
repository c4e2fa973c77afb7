"""A small scriptable HTTP server on 127.0.0.1 for tests: real sockets, an ephemeral port.

Use it for anything a source fetches (feeds, pages, INTERPOL):

    with HttpTestServer() as server:
        server.route("/feed.xml", Reply.raw(b"<rss/>", etag='"v1"'))         # every request
        server.route("/flaky", Reply(status=503, headers={"Retry-After": "1"}), Reply.text("ok"))
        server.route_prefix("/api/", lambda request: Reply.json({"path": request.path}))
        ...fetch server.url("/feed.xml")...
        assert server.count("/flaky") == 2
        assert server.requests[-1].headers["user-agent"].startswith("redwatch")

Rules:
- `route(path, *replies)`: the n-th request to `path` gets the n-th reply; the last one repeats;
- `route_prefix(prefix, handler)`: a function of the request answers a whole tree of paths
  (longest prefix wins; exact routes win over prefixes);
- a reply with `etag` / `last_modified` answers 304 to a request carrying the matching
  `If-None-Match` / `If-Modified-Since` (exact value, as servers do for validators they issued);
- `delay` waits before the status line (a slow server); `truncate_to` announces the full length but
  closes after that many bytes; `stream_size` sends that many filler bytes in chunks without
  holding them in memory (a huge body), with or without a Content-Length (`announce_length`);
- unknown paths get 404; every request is logged (method, path, query, headers, monotonic time);
- `stop()` (or leaving the `with`) also wakes delayed replies, so a test never waits for them;
- `HttpTestServer(tls=context)` serves HTTPS with the server-side SSLContext given.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    truncate_to: int | None = None
    stream_size: int | None = None
    announce_length: bool = True
    # One byte every `drip` seconds, forever: of the body (after full headers), or of the headers
    # themselves when `endless_headers` (the status line goes out, the blank line never does).
    drip: float = 0.0
    endless_headers: bool = False

    @classmethod
    def json(cls, obj: object, status: int = 200, **options: Any) -> Reply:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return cls(status=status, body=body, content_type="application/json", **options)

    @classmethod
    def text(cls, text: str, status: int = 200, **options: Any) -> Reply:
        body = text.encode("utf-8")
        return cls(status=status, body=body, content_type="text/plain; charset=utf-8", **options)

    @classmethod
    def raw(
        cls, body: bytes, content_type: str = "application/octet-stream", **options: Any
    ) -> Reply:
        return cls(body=body, content_type=content_type, **options)

    @classmethod
    def huge(cls, size: int, *, announce_length: bool = True) -> Reply:
        """`size` bytes of filler, streamed: a 50 MB body costs the server no memory."""
        return cls(stream_size=size, announce_length=announce_length)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    at: float
    target: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)


Handler = Callable[[RecordedRequest], Reply]


class HttpTestServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with scripted routes and a request log."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._prefixes: dict[str, Handler] = {}
        self._log: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), _make_handler(self))
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._serve, name="http-test-server", daemon=True)

    # Life cycle -------------------------------------------------------------------------------
    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.02)  # a short poll makes stop() quick

    def start(self) -> HttpTestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HttpTestServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Configuration ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, *replies: Reply) -> None:
        """Answer `path` with `replies` in turn; the last one repeats. Replaces earlier replies."""
        if not replies:
            raise ValueError("route() needs at least one reply")
        with self._lock:
            self._routes[path] = list(replies)
            self._served[path] = 0

    def route_prefix(self, prefix: str, handler: Handler) -> None:
        """Answer every path under `prefix` with `handler(request)`."""
        with self._lock:
            self._prefixes[prefix] = handler

    # Observation ------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None) -> int:
        """Requests received, for one path or in all."""
        return sum(1 for request in self.requests if path is None or request.path == path)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # Internals --------------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _reply_for(self, request: RecordedRequest) -> Reply:
        with self._lock:
            replies = self._routes.get(request.path)
            if replies is not None:
                index = min(self._served[request.path], len(replies) - 1)
                self._served[request.path] += 1
                return replies[index]
            matches = [prefix for prefix in self._prefixes if request.path.startswith(prefix)]
            handler = self._prefixes[max(matches, key=len)] if matches else None
        if handler is None:
            return Reply.text("not found", status=404)
        return handler(request)

    def _sleep(self, seconds: float) -> bool:
        """Wait, unless the server stops first; True if the wait ran its course."""
        return not self._stopping.wait(seconds)


def _make_handler(server: HttpTestServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; the request log holds what tests need

        def _serve(self) -> None:
            request = self._recorded()
            server._record(request)
            reply = server._reply_for(request)
            if reply.delay and not server._sleep(reply.delay):
                self.close_connection = True
                return
            try:
                self._send(request, reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (size cap, timeout): expected

        def _recorded(self) -> RecordedRequest:
            parts = urlsplit(self.path)
            query = {
                key: values[-1]
                for key, values in parse_qs(parts.query, keep_blank_values=True).items()
            }
            headers = {key.lower(): value for key, value in self.headers.items()}
            return RecordedRequest(
                self.command, parts.path, query, headers, time.monotonic(), self.path
            )

        def _send(self, request: RecordedRequest, reply: Reply) -> None:
            if reply.drip:
                self._drip(reply)
                return
            if _not_modified(request, reply):
                self._head(304, reply, length=None)
                return
            if reply.stream_size is not None:
                self._stream(reply)
                return
            body = reply.body
            self._head(reply.status, reply, length=len(body))
            if self.command == "HEAD":
                return
            if reply.truncate_to is not None:
                self.wfile.write(body[: reply.truncate_to])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def _stream(self, reply: Reply) -> None:
            size = reply.stream_size or 0
            self._head(reply.status, reply, length=size if reply.announce_length else None)
            if not reply.announce_length:
                self.close_connection = True  # the end of the body is the end of the connection
            sent, filler = 0, b"x" * CHUNK
            while sent < size and not server._stopping.is_set():
                piece = filler[: min(CHUNK, size - sent)]
                self.wfile.write(piece)
                sent += len(piece)
            self.close_connection = self.close_connection or sent < size

        def _drip(self, reply: Reply) -> None:
            """Never finish: a header line or body byte at a time until the client hangs up."""
            self.close_connection = True
            if reply.endless_headers:
                self.send_response(reply.status)
                self.flush_headers()
                filler = b"X-Padding: " + b"x" * 1_000_000
            else:
                self._head(reply.status, reply, length=None)
                filler = reply.body or b"<rss><channel><title>drip</title>" * 1000
            sent = 0
            while not server._stopping.is_set() and server._sleep(reply.drip):
                self.wfile.write(filler[sent % len(filler) : sent % len(filler) + 1])
                self.wfile.flush()
                sent += 1

        def _head(self, status: int, reply: Reply, *, length: int | None) -> None:
            self.send_response(status)
            headers = {"Content-Type": reply.content_type, **reply.headers}
            if reply.etag is not None:
                headers["ETag"] = reply.etag
            if reply.last_modified is not None:
                headers["Last-Modified"] = reply.last_modified
            for name, value in headers.items():
                self.send_header(name, value)
            if length is not None:
                self.send_header("Content-Length", str(length))
            elif status == 304:
                self.send_header("Content-Length", "0")
            else:
                self.send_header("Connection", "close")
            self.end_headers()

    return _Handler


def _not_modified(request: RecordedRequest, reply: Reply) -> bool:
    if reply.status != 200:
        return False
    if reply.etag is not None and reply.etag in _split_etags(
        request.headers.get("if-none-match", "")
    ):
        return True
    since = request.headers.get("if-modified-since")
    return reply.last_modified is not None and since == reply.last_modified


def _split_etags(value: str) -> set[str]:
    return {tag.strip() for tag in value.split(",") if tag.strip()}
