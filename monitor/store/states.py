"""The words stored in status, kind and band columns, as StrEnums mypy can check.

Rules:
- each member's value is the very string the database and the JSON output have always held, so
  nothing is migrated and `monitor status --json` reads the same;
- a StrEnum member is a `str`: it compares equal to the stored string and goes into a String
  column as it is;
- `Band` repeats matching's `Band` literal (matching stays a pure library of its own);
  tests/test_states.py holds the two equal.
"""

from __future__ import annotations

from enum import StrEnum


class SourceStatus(StrEnum):
    """A source's health (`sources.status`): "new" until its first poll."""

    NEW = "new"
    OK = "ok"
    FAILING = "failing"
    BLOCKED = "blocked"
    DEGRADED = "degraded"


class DeliveryStatus(StrEnum):
    """Where an email is in the outbox (`deliveries.status`)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryKind(StrEnum):
    """What an email is (`deliveries.kind`)."""

    ALERT = "alert"
    DIGEST = "digest"


class ObservationKind(StrEnum):
    """What an observation is (`observations.kind`): a notice, a followed page, or a feed's kind."""

    NOTICE = "notice"
    WATCH_PAGE = "watch_page"
    NEWS = "news"
    COURT = "court"


class Band(StrEnum):
    """How strong a match is (`matches.band`)."""

    STRONG = "strong"
    REVIEW = "review"
    WEAK = "weak"
