"""The test SMTP server, able to hang one conversation at a chosen point (aiosmtpd, 127.0.0.1).

    with StallingSmtpServer() as smtp:
        smtp.stall_next("data")                  # the next message is stored, then no answer
        ...start the sender...
        stage = smtp.wait_stalled(30)            # "data": the sender waits for the 250
        ...kill the sender...
        assert smtp.cut_after_accepting == [message_id]

Stages, in the order of a conversation:
- "mail": MAIL FROM gets no answer (nothing accepted yet);
- "rcpt": RCPT TO gets no answer (nothing accepted yet);
- "data": the message is received and STORED, then the end of DATA gets no answer: the server
  has accepted it but the sender never hears so (RFC 1047's duplicate window);
- "quit": the message was accepted with 250, then QUIT gets no answer: the sender heard the 250
  but may die before it records it.

Rules:
- one conversation stalls per `stall_next`; the others are served as SmtpTestServer serves them;
- a stall ends when the sender goes away (aiosmtpd cancels the handler), on `release()` or after
  STALL_LIMIT seconds (then it answers as usual), so no test can hang on it;
- the Message-ID of every message stored before a stall ("data", "quit") is kept in
  `cut_after_accepting`: the one place where a second copy of an email is expected.

`StarttlsSmtpServer` offers STARTTLS with a certificate of the test's making (openssl), which a
client that verifies certificates rejects unless told to trust it (SSL_CERT_FILE).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.servers.smtp_server import SmtpTestServer, _Handler

STAGES = ("mail", "rcpt", "data", "quit")
STALL_LIMIT = 120.0


class _StallingHandler(_Handler):
    server: StallingSmtpServer

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self.server._maybe_stall("mail")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await self.server._maybe_stall("rcpt")
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if answer.startswith("250"):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            session.accepted = str(message["Message-ID"])  # for a stall at QUIT
            if self.server._armed == "data":
                self.server.cut_after_accepting.append(session.accepted)
                await self.server._maybe_stall("data")
        return answer

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        accepted = getattr(session, "accepted", None)
        if self.server._armed == "quit" and accepted is not None:
            self.server.cut_after_accepting.append(accepted)
            await self.server._maybe_stall("quit")
        return "221 Bye"


class StallingSmtpServer(SmtpTestServer):
    def __init__(self, port: int | None = None) -> None:
        super().__init__(port)
        self.cut_after_accepting: list[str] = []
        self.stalls: list[str] = []
        self._armed: str | None = None
        self._stalled = threading.Event()
        self._released = threading.Event()

    def start(self) -> StallingSmtpServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_StallingHandler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __enter__(self) -> StallingSmtpServer:
        return self if self._controller is not None else self.start()

    def stall_next(self, stage: str) -> None:
        """Hang the next conversation that reaches `stage` (one of STAGES)."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}: one of {STAGES}")
        self._stalled.clear()
        self._released.clear()
        self._armed = stage

    def disarm(self) -> None:
        """No stall for the next conversations (one in progress stays stalled until released)."""
        self._armed = None

    def release(self) -> None:
        self._armed = None
        self._released.set()

    def wait_stalled(self, timeout: float) -> bool:
        """True once a conversation is hanging at the armed stage."""
        return self._stalled.wait(timeout)

    @property
    def stalled(self) -> bool:
        return self._stalled.is_set()

    async def _maybe_stall(self, stage: str) -> None:
        if self._armed != stage:
            return
        self._armed = None
        self.stalls.append(stage)
        self._stalled.set()
        deadline = time.monotonic() + STALL_LIMIT
        while not self._released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._released.set()
        super().stop()


# TLS -------------------------------------------------------------------------------------------
def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A fresh self-signed certificate and key for `host` (openssl), trusted by nobody."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName=IP:{host}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class StarttlsSmtpServer(SmtpTestServer):
    """The test SMTP server offering STARTTLS (and refusing mail without it) with `cert`."""

    def __init__(self, cert: Path, key: Path, port: int | None = None) -> None:
        super().__init__(port)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)

    def start(self) -> StarttlsSmtpServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
        )
        self._controller.start()
        return self
