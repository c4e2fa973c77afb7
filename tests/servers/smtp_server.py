"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in its own thread, an ephemeral port).

    with SmtpTestServer() as smtp:
        smtp.refuse("blocked@example.org", code=550)     # a permanent refusal for one recipient
        ...send to 127.0.0.1:smtp.port...
        assert smtp.messages[0]["To"] == "legal@example.org"

Rules:
- every accepted message is parsed (email.message.EmailMessage) and kept in `messages`, with its
  envelope in `envelopes`;
- `refuse(address, code)` answers RCPT TO for that address with `code`; `fail_data(code)` answers the
  end of DATA with `code` (a 421 throttle, a 554 rejection);
- `stop()` makes the server go away (connections refused); `start()` brings it back on the same port.
"""

from __future__ import annotations

import email
import email.policy
import random
import socket
import threading
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any


def free_port() -> int:
    """A free port BELOW the kernel's ephemeral range: a client connecting to a stopped server on an
    ephemeral port can be given that very port as its own source port (a TCP self-connect), which
    would then keep the server from starting again."""
    low = (
        int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        if Path("/proc/sys/net/ipv4/ip_local_port_range").exists()
        else 32768
    )
    for _ in range(200):
        port = random.randrange(10000, max(low, 10001))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the test SMTP server")


class _Handler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        code = self.server.refused.get(address.lower())
        if code is not None:
            return f"{code} {'5.1.1 no such mailbox' if code >= 500 else '4.2.1 try later'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.data_code is not None:
            return f"{self.server.data_code} {'5.7.1 rejected' if self.server.data_code >= 500 else '4.7.0 throttled'}"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)  # type: ignore[arg-type]
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpTestServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: dict[str, int] = {}
        self.data_code: int | None = None
        self.lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> SmtpTestServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str, code: int = 550) -> None:
        self.refused[address.lower()] = code

    def fail_data(self, code: int | None) -> None:
        self.data_code = code

    def __enter__(self) -> SmtpTestServer:
        return self if self._controller is not None else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
