"""The words stored in status, kind and band columns, as StrEnums mypy can check.

Rules:
- each member's value is the very string the database and the JSON output have always held, so
  nothing is migrated and `monitor status --json` reads the same;
- a StrEnum member is a `str`: it compares equal to the stored string and goes into a String
  column as it is;
- `Band` repeats matching's `Band` literal (matching stays a pure library of its own), and
  `Severity` the `Severity` literals of matching and of the watchlist (a leaf below store/);
  tests/test_states.py holds them equal.
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


class RunStatus(StrEnum):
    """How one poll of a source ended (`source_runs.status`)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """Where an email is in the outbox (`deliveries.status`)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class SendOutcome(StrEnum):
    """How one attempt to send a delivery ended: the outbox's report and the metrics' label."""

    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


class DeliveryKind(StrEnum):
    """What an email is (`deliveries.kind`): the web app's sign-in email is a "login"."""

    ALERT = "alert"
    DIGEST = "digest"
    LOGIN = "login"


class ObservationKind(StrEnum):
    """What an observation is (`observations.kind`): a notice, a followed page, or a feed's kind."""

    NOTICE = "notice"
    WATCH_PAGE = "watch_page"
    NEWS = "news"
    COURT = "court"


class Severity(StrEnum):
    """How urgent an event is (`events.severity`), and an advocate's `min_severity`."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Band(StrEnum):
    """How strong a match is (`matches.band`)."""

    STRONG = "strong"
    REVIEW = "review"
    WEAK = "weak"


class EventType(StrEnum):
    """What an event tells (`events.type`)."""

    NOTICE_PUBLISHED = "notice_published"
    NOTICE_CHANGED = "notice_changed"
    NOTICE_NO_LONGER_PUBLIC = "notice_no_longer_public"
    NOTICE_REAPPEARED = "notice_reappeared"
    POSSIBLE_MATCH = "possible_match"
    NEWS_MENTION = "news_mention"
    COURT_ITEM = "court_item"
    PAGE_CHANGED = "page_changed"


class Verdict(StrEnum):
    """An advocate's decision on a (person, observation) pair (`decisions.verdict`)."""

    CONFIRMED = "confirmed"
    NOT_THIS_PERSON = "not_this_person"
