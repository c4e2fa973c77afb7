"""One definition of a problem source: the digest lists every problem, `monitor status` shows the
same sentence and asks for an admin only when it will not heal by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.store.health import needs_admin, source_problem
from monitor.store.models import Source

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def source(**fields: object) -> Source:
    defaults: dict[str, object] = {
        "id": "news",
        "type": "feed",
        "enabled": True,
        "status": "ok",
        "consecutive_failures": 0,
        "created_at": NOW - timedelta(days=30),
        "last_success_at": NOW - timedelta(minutes=30),
    }
    return Source(**{**defaults, **fields})


def test_a_healthy_source_has_no_problem() -> None:
    assert source_problem(source()) is None and not needs_admin(source(), NOW)


def test_one_failed_poll_is_a_problem_for_the_digest_but_not_yet_for_an_admin() -> None:
    row = source(status="failing", consecutive_failures=1, last_error="could not connect")
    assert source_problem(row) == (
        f"not checked since {(NOW - timedelta(minutes=30)).date()} (1 failed poll): could not connect"
    )
    assert not needs_admin(row, NOW)


def test_failing_for_more_than_a_day_needs_an_admin() -> None:
    row = source(
        status="failing",
        consecutive_failures=40,
        last_error="HTTP 404",
        last_success_at=NOW - timedelta(days=1, hours=1),
    )
    assert needs_admin(row, NOW)


def test_a_blocked_source_needs_an_admin_at_once() -> None:
    row = source(status="blocked", last_error="HTTP 403")
    assert source_problem(row) == "blocked by the site: HTTP 403" and needs_admin(row, NOW)


def test_a_degraded_or_never_successful_source_is_a_gap_the_digest_names() -> None:
    assert source_problem(source(status="degraded", last_error="2 notices unreachable")) == (
        "partly readable: 2 notices unreachable"
    )
    assert source_problem(source(status="new", last_success_at=None)) == "not read yet"


def test_a_source_not_read_in_the_digest_period_is_a_problem_of_that_period() -> None:
    row = source(last_success_at=NOW - timedelta(days=9))
    assert source_problem(row) is None  # healthy now: it is simply not due yet
    assert source_problem(row, since=NOW - timedelta(days=7)) == (
        f"not checked since {(NOW - timedelta(days=9)).date()}"
    )


def test_a_disabled_source_has_no_problem() -> None:
    row = source(enabled=False, status="blocked", consecutive_failures=9)
    assert source_problem(row) is None and not needs_admin(row, NOW)


def _status_data(error: str) -> dict[str, object]:
    return {
        "sources": [
            {
                "id": "court-hearings-regional",
                "type": "page",
                "status": "failing",
                "last_success_at": "2026-11-30T08:00:00+00:00",
                "next_run_at": "2026-12-01T13:00:00+00:00",
                "consecutive_failures": 3,
                "items_seen": 120,
                "last_error": error,
                "withdrawals": None,
                "problem": f"not checked since 2026-11-30 (3 failed polls): {error}",
            }
        ],
        "queue": {"pending": 0, "sending": 0, "sent": 4, "failed": 0},
        "retrying_deliveries": [],
        "digests": [],
        "withdrawal_notes": [],
        "attention": [],
    }


def test_status_at_80_columns_shows_the_whole_error_and_no_line_is_wider() -> None:
    from monitor.commands.status import render_status

    error = (
        "could not connect to court.example.org:443 (connection refused) after 3 attempts;"
        " the next poll retries"
    )
    text = render_status(_status_data(error), UTC, 80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert " ".join(text.split()).count(error) == 1  # wrapped at words, never cut
