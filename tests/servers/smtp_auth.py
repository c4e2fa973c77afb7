"""The test SMTP server with a login: AUTH PLAIN/LOGIN for one user, over plain text (127.0.0.1).

    with AuthSmtpTestServer("redwatch", "s3cret-password") as smtp:
        ...MONITOR_SMTP_USERNAME=redwatch, MONITOR_SMTP_PASSWORD=s3cret-password, security none...
        assert smtp.logins == ["redwatch"]

A real password exchange, so a test can check that the password never shows up anywhere else.
"""

from __future__ import annotations

from typing import Any

from tests.servers.smtp_server import SmtpTestServer, _Handler


class AuthSmtpTestServer(SmtpTestServer):
    def __init__(self, username: str, password: str, port: int | None = None) -> None:
        super().__init__(port)
        self.username, self.password = username, password
        self.logins: list[str] = []

    def start(self) -> AuthSmtpTestServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,  # loopback only: the test needs no certificate
        )
        self._controller.start()
        return self

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        if ok:
            self.logins.append(self.username)
        return AuthResult(success=ok)
