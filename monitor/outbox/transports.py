"""Handing a message over: to an SMTP server (aiosmtplib), or as an .eml file into the outbox folder.

Rules:
- both transports have one method, `send(message)`, and raise DeliveryError on failure;
- `permanent` is set only when retrying cannot help this message (a 5xx for the recipient or the
  content); a wrong password, a refused connection or a 4xx is temporary: the alert waits, never lost;
- TLS certificates are always verified;
- outbox files are named from the message's Date and Message-ID, never from scraped text, and are
  written atomically with mode 0600: a retried send rewrites the same file, it does not add one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from monitor.exc import DeliveryError

if TYPE_CHECKING:
    from monitor.config.settings import Settings


class Transport(Protocol):
    description: str

    async def send(self, message: EmailMessage) -> None: ...


class OutboxTransport:
    """Writes each message as an .eml file: the embedded default when no SMTP host is set."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"outbox folder {directory}"

    async def send(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(self.directory / outbox_name(message), message.as_bytes())
        except OSError as exc:
            raise DeliveryError(f"cannot write to the outbox: {exc.strerror}") from None


def outbox_name(message: EmailMessage) -> str:
    when = parsedate_to_datetime(str(message["Date"])).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:16]
    return f"{when}-{digest}.eml"


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SmtpTransport:
    """Sends through an SMTP server with STARTTLS, implicit TLS, or (only if configured) none."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.settings = settings
        self.host = settings.smtp_host
        self.port = (
            settings.smtp_port or {"tls": 465, "starttls": 587, "none": 25}[settings.smtp_security]
        )
        self.description = f"SMTP server {self.host}:{self.port} ({settings.smtp_security})"

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        password = self.settings.smtp_password
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.settings.smtp_username,
                password=password.get_secret_value() if password else None,
                use_tls=self.settings.smtp_security == "tls",
                start_tls=self.settings.smtp_security == "starttls",
                validate_certs=True,
                timeout=self.settings.smtp_timeout,
            )
        except aiosmtplib.SMTPException as exc:
            raise _classify(exc) from None
        except OSError as exc:
            raise DeliveryError(f"{self.description}: {exc.strerror or exc}") from None


def _classify(exc: Exception) -> DeliveryError:
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        details = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return DeliveryError(
            f"recipient refused: {details}", permanent=all(c >= 500 for c in codes)
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return DeliveryError(f"{exc.code} {exc.message}", permanent=exc.code >= 500)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # Sender refused, authentication failed...: a configuration problem the admin can fix.
        return DeliveryError(f"SMTP server answered {exc.code} {exc.message}")
    return DeliveryError(f"SMTP failure: {type(exc).__name__}: {exc}")


def make_transport(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return OutboxTransport(settings.effective_outbox_dir)
