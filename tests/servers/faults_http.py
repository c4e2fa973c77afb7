"""HttpTestServer plus the one fault it cannot script: a connection reset (TCP RST).

    with FaultyHttpServer() as server:
        server.route("/feed", RESET, Reply.raw(body))   # the first request is reset, then served

Rules:
- a reply carrying RESET's marker header is never sent: the server closes the socket with
  SO_LINGER 0, so the client reads "connection reset by peer" before any status line;
- every other reply is served exactly as HttpTestServer serves it (delays, truncation, 304...);
- a client that resets its connection (a killed process) is not reported on stderr.
"""

from __future__ import annotations

import socket
import struct
import sys
from http.server import ThreadingHTTPServer
from typing import Any

from tests.servers.http_server import HttpTestServer, RecordedRequest, Reply

_MARKER = "X-Test-Fault"
RESET = Reply(status=599, headers={_MARKER: "reset"})


def is_reset(reply: Reply) -> bool:
    return reply.headers.get(_MARKER) == "reset"


class FaultyHttpServer(HttpTestServer):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.resets = 0
        base: Any = self._httpd.RequestHandlerClass
        owner = self

        class _Resetting(base):  # type: ignore[misc]
            def _send(self, request: RecordedRequest, reply: Reply) -> None:
                if not is_reset(reply):
                    super()._send(request, reply)
                    return
                owner.resets += 1
                linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                self.connection.close()

        self._httpd.RequestHandlerClass = _Resetting
        self._httpd.handle_error = self._quiet_on_resets  # type: ignore[method-assign]

    def __enter__(self) -> FaultyHttpServer:
        self.start()
        return self

    def _quiet_on_resets(self, request: Any, client_address: Any) -> None:
        """A client killed mid-conversation resets its connections: expected here, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            ThreadingHTTPServer.handle_error(self._httpd, request, client_address)
