"""A receiving HTTP server on 127.0.0.1 for channel tests: every POST/PUT/GET is kept with its body.

It stands in for the services behind Apprise URLs that speak plain HTTP: a `json://` or `form://`
webhook, a signal-cli REST API (`signal://`, POST /v2/send), a Matrix homeserver (`matrix://`:
login, join, send) and Telegram's Bot API when Apprise's Telegram plugin is pointed at it.

    with WebhookServer() as hooks:
        hooks.fail_next(2, status=503)          # the next two requests get 503, then 200 again
        ...send to json://127.0.0.1:{hooks.port}/hook...
        assert hooks.bodies("/hook")[0]["events"]

Rules:
- every request is recorded (method, path, headers, raw body) before it is answered;
- the answer is 200 with a JSON body that satisfies the services above (an access token, a room
  id, an event id, Telegram's `{"ok": true}`), unless failures were asked for;
- `stall_next()`: the next request is recorded, then held unanswered until `release()` (a
  service that received a message and dies, or whose sender dies, before the answer); its
  delivery reference (the JSON `delivery` field) is kept in `cut_after_accepting`;
- `stop()` (or leaving the `with`) closes the socket and releases a held request.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote_plus, urlsplit

ANSWER = {
    "ok": True,
    "result": {"message_id": 1, "id": 1, "first_name": "redwatch", "username": "redwatch_bot"},
    "access_token": "stand-in-token",
    "user_id": "@redwatch:127.0.0.1",
    "home_server": "127.0.0.1",
    "room_id": "!room:127.0.0.1",
    "event_id": "$event",
    "joined_rooms": ["!room:127.0.0.1"],
    "timestamp": 1,
}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """The body as text, form encoding undone (what a reader of the payload would see)."""
        decoded = self.body.decode("utf-8", errors="replace")
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            return unquote_plus(decoded)
        return decoded

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookServer:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.stall_armed = False
        self.stalled = threading.Event()
        self._release = threading.Event()
        self.cut_after_accepting: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def stall_next(self) -> None:
        with self._lock:
            self.stall_armed, self._release = True, threading.Event()
            self.stalled.clear()

    def release(self) -> None:
        with self._lock:
            self.stall_armed = False
            self._release.set()

    def _hold(self, received: Received) -> bool:
        """Hold this request if a stall was asked for; True when it was held (never answered)."""
        with self._lock:
            if not self.stall_armed:
                return False
            self.stall_armed = False
            release = self._release
            self.cut_after_accepting.append(_delivery_ref(received))
        self.stalled.set()
        release.wait(timeout=300)
        return True

    def bodies(self, path_prefix: str = "/") -> list[Any]:
        """The JSON bodies of the requests to paths starting with `path_prefix`."""
        return [r.json() for r in self.received if r.path.startswith(path_prefix) and r.body]

    def _answer(self) -> int:
        with self._lock:
            return self._failures.pop(0) if self._failures else 200

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def _handler(owner: WebhookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = urlsplit(self.path).path
            received = Received(self.command, path, headers, body)
            with owner._lock:
                owner.received.append(received)
            if owner._hold(received):
                self.close_connection = True
                return
            status = owner._answer()
            payload = json.dumps(ANSWER if status == 200 else {"error": "stand-in"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _delivery_ref(received: Received) -> str:
    """The `delivery` field of a redwatch webhook document (inside Apprise's `message`)."""
    try:
        return str(json.loads(received.json()["message"])["delivery"])
    except (ValueError, KeyError, TypeError):
        return ""
