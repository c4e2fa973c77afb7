"""Property tests: whatever bytes an admin (or an attacker) puts in watchlist.yaml, `monitor check`
answers with positioned problems or a valid watchlist, never a crash."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.watchlist import (
    WatchlistError,
    format_interval,
    parse_interval,
    parse_watchlist,
)

FRAGMENTS = st.sampled_from(
    [
        "people:",
        "advocates:",
        "sources:",
        "  - id: a",
        "    name: A B",
        "    name: ",
        "    birth_date: 1963-02-30",
        "    birth_date: 1963",
        "    advocates: [l]",
        "    advocates: l",
        "  - {id: l, name: L, email: l@example.org}",
        "  - {id: s, type: feed, url: 'https://x.example'}",
        "    nationalities: [KZ, XX]",
        "    interval: 5x",
        "&a [1]",
        "*a",
        "!!python/object:os.system",
        "  - [",
        "]",
        "{",
        "key: value",
        "\t",
        "    sex: M",
        "- - -",
        "---",
        "...",
        "%YAML 1.2",
        "'",
        '"',
        "    nmae: x",
        "    watch: [{url: 'https://c.example/1', selector: 'div[['}]",
    ]
)


def check(data: bytes) -> None:
    problems = []
    try:
        parse_watchlist(data)
    except WatchlistError as exc:
        problems = exc.problems
        assert problems, "an error always says what is wrong"
    lines = data.count(b"\n") + 2
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.column >= 1 and problem.message


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=25))
def test_any_arrangement_of_watchlist_lines_is_checked_without_crashing(lines: list[str]) -> None:
    check("\n".join(lines).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_checked_without_crashing(data: bytes) -> None:
    check(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_text_is_checked_without_crashing(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date.today()), st.sampled_from([4, 7, 10]))
def test_every_real_date_is_accepted_as_written(day: date, width: int) -> None:
    written = day.isoformat()[:width]
    doc = (
        f"people:\n  - id: a\n    name: A B\n    birth_date: {written}\n    advocates: [l]\n"
        "advocates:\n  - {id: l, name: L, email: l@example.org}\n"
    )
    assert parse_watchlist(doc.encode()).people[0].birth_date == written


@given(st.integers(min_value=60, max_value=10**8))
def test_intervals_survive_a_round_trip(seconds: int) -> None:
    interval = parse_interval(format_interval(parse_interval(f"{seconds}s")))
    assert interval == timedelta(seconds=seconds)
