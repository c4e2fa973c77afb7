"""The error tree. Every error says whether retrying could help (`permanent`).

Messages never carry a watched person's name, a secret, or a query string that could hold either.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the service raises on purpose."""

    permanent: bool = True


class ConfigError(MonitorError):
    """A setting or the watchlist is wrong; the message says where and what."""


class SchemaOutOfDate(MonitorError):
    """The database schema is older than this code; `monitor db upgrade` fixes it."""


class FetchError(MonitorError):
    """A transport or HTTP failure while fetching a source."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.permanent = permanent


class BlockedError(FetchError):
    """Bot protection answered (a burst of 403s): the source is blocked, not empty."""


class ResponseTooLarge(FetchError):
    """The body went past the size cap; it was not read to the end."""


class ParseError(MonitorError):
    """A payload could not be understood."""


class DeliveryError(MonitorError):
    """An email could not be handed over; `permanent` tells a bounce from a retryable failure."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
