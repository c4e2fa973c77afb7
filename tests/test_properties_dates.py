"""Property tests of every date the service reads: INTERPOL birth dates, feed dates, watchlist
partial dates, intervals and Retry-After.

- INTERPOL: any value gives a readable date or none, never one that breaks later code (the age
  split of a sweep calls int() on each part); every real date round-trips, and agrees with the
  same date written in the watchlist, so a true match is never lowered by its own birth date;
- feeds: any published date gives a UTC datetime or none; a real one round-trips;
- the watchlist: any interval is accepted or refused with a message, never a crash;
- HTTP: any Retry-After gives a non-negative wait or none.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.config.watchlist import MAX_INTERVAL, WatchlistError, parse_interval, parse_watchlist
from monitor.feeds.parse import parse_feed
from monitor.http import retry_after
from monitor.interpol.parse import normalise_birth_date
from monitor.matching.qualify import compare_dates, parse_date

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
# Digits of every kind (superscripts, Arabic-Indic, full-width), slashes and anything else.
DATE_LIKE = st.text(
    st.one_of(st.sampled_from("0123456789/-¹²³⁰٠١٢٣٤٥٦٧٨٩０１９ "), st.characters()), max_size=14
)
ISO_PARTIAL = re.compile(r"[0-9]{4}(-[0-9]{2,}){0,2}")


DIGITS_OF_ALL_KINDS = st.text(st.sampled_from("0123456789¹²³⁰٣０/"), min_size=4, max_size=10)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(DATE_LIKE, DIGITS_OF_ALL_KINDS, st.integers(), st.none(), st.lists(st.text())))
@example("¹⁹⁶³")  # digits to str.isdigit(), not to int()
def test_any_interpol_birth_date_is_readable_or_none(value: object) -> None:
    written, precision = normalise_birth_date(value)
    if written is None:
        assert precision is None
        return
    assert ISO_PARTIAL.fullmatch(written), written
    parts = [int(part) for part in written.split("-")]  # what a sweep's age split does
    assert len(parts) == {"year": 1, "month": 2, "day": 3}[str(precision)]


@given(DAYS, st.sampled_from([1, 2, 3]))
def test_every_real_interpol_birth_date_round_trips(day: date, parts: int) -> None:
    slashed = day.strftime("%Y/%m/%d").split("/")[:parts]
    written, precision = normalise_birth_date("/".join(slashed))
    assert written == day.isoformat()[: len(written or "")] and precision in (
        "year",
        "month",
        "day",
    )
    assert parse_date(written) == tuple(int(p) for p in slashed)


@given(DAYS, st.sampled_from([4, 7, 10]))
def test_a_watchlist_birth_date_agrees_with_the_same_day_from_interpol(
    day: date, width: int
) -> None:
    watched = day.isoformat()[:width]
    from_interpol, _ = normalise_birth_date(day.strftime("%Y/%m/%d"))
    assert compare_dates(watched, from_interpol) == "agrees"
    assert compare_dates(from_interpol, watched) == "agrees"


@given(DAYS, DAYS)
def test_two_different_full_dates_conflict_both_ways(one: date, other: date) -> None:
    expected = "agrees" if one == other else "conflicts"
    assert compare_dates(one.isoformat(), other.strftime("%Y/%m/%d")) == expected
    assert compare_dates(other.strftime("%Y/%m/%d"), one.isoformat()) == expected


def feed_with_date(published: str) -> bytes:
    return (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        "<link>https://news.example.org/a</link>"
        f"<pubDate>{escape(published)}</pubDate></item></channel></rss>"
    ).encode()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_feed_date_gives_a_utc_datetime_or_none(published: str) -> None:
    [item] = parse_feed(feed_with_date(published), url="https://n.example.org/", headers={}).items
    assert item.published_at is None or item.published_at.tzinfo == UTC


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_a_real_feed_date_round_trips_to_utc(when: datetime, offset_minutes: int) -> None:
    from datetime import timezone

    local = when.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    [item] = parse_feed(
        feed_with_date(format_datetime(local)), url="https://n.example.org/", headers={}
    ).items
    assert item.published_at == local.astimezone(UTC)


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**30), st.sampled_from("smhdw"))
def test_any_interval_is_accepted_or_refused_with_a_message(number: int, unit: str) -> None:
    seconds = number * UNIT_SECONDS[unit]
    if not 60 <= seconds <= MAX_INTERVAL.total_seconds():
        with pytest.raises(ValueError, match=r"is too (short|long)"):
            parse_interval(f"{number}{unit}")
        return
    interval = parse_interval(f"{number}{unit}")
    assert interval == timedelta(seconds=seconds)
    assert datetime.now(UTC) + interval * 2 > datetime.now(UTC)  # a next poll's date exists


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**30), st.sampled_from("smhdw"))
def test_a_watchlist_with_any_interval_is_checked_without_crashing(number: int, unit: str) -> None:
    doc = (
        "people: []\nadvocates: []\nsources:\n"
        f"  - {{id: s, type: feed, url: 'https://x.example/', interval: {number}{unit}}}\n"
    )
    if 60 <= number * UNIT_SECONDS[unit] <= MAX_INTERVAL.total_seconds():
        assert len(parse_watchlist(doc.encode()).sources) == 1
        return
    with pytest.raises(WatchlistError) as refused:
        parse_watchlist(doc.encode())
    assert [p.line for p in refused.value.problems] == [4]


@pytest.mark.parametrize("value", ["", "soon", "-5", "1e999", "99999999999999999999"])
def test_odd_retry_after_values_give_no_negative_wait(value: str) -> None:
    wait = retry_after(value)
    assert wait is None or wait >= 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), DATE_LIKE, st.text(st.sampled_from("0123456789²٣１ "))))
def test_any_retry_after_gives_a_non_negative_wait_or_none(value: str) -> None:
    wait = retry_after(value)
    assert wait is None or wait >= 0
