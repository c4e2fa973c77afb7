from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config.watchlist import (
    FeedSource,
    InterpolSource,
    WatchlistError,
    load_watchlist,
    parse_interval,
    parse_watchlist,
)
from tests.paths import FIXTURES, ROOT

BROKEN = sorted((FIXTURES / "watchlists" / "broken").glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.*)$", re.MULTILINE)


def expectations(path: Path) -> list[tuple[int, int, str]]:
    return [
        (int(line), int(col), text.decode("utf-8"))
        for line, col, text in EXPECT.findall(path.read_bytes())
    ]


def test_the_corpus_of_broken_watchlists_is_large_enough() -> None:
    assert len(BROKEN) >= 20
    assert all(expectations(path) for path in BROKEN)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_it_reports_each_problem_at_its_line_and_column(path: Path) -> None:
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(path)
    found = [(p.line, p.column, p.message) for p in caught.value.problems]
    expected = expectations(path)
    assert [(line, col) for line, col, _ in found] == [(line, col) for line, col, _ in expected]
    for (_, _, message), (_, _, fragment) in zip(found, expected, strict=True):
        assert fragment in message


def test_the_sample_watchlist_is_valid_and_watches_interpol() -> None:
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    assert len(watchlist.people) >= 5
    ablyazov = watchlist.person("mukhtar-ablyazov")
    assert ablyazov is not None and "Мухтар Аблязов" in ablyazov.aliases
    interpol = [s for s in watchlist.sources if isinstance(s, InterpolSource) and s.enabled]
    assert interpol and interpol[0].base_url == "https://ws-public.interpol.int"
    assert interpol[0].targeted is False


def test_every_person_in_the_sample_has_a_following_advocate() -> None:
    watchlist = load_watchlist(ROOT / "watchlist.yaml")
    assert all(watchlist.followers(person) for person in watchlist.people)


def test_problems_are_formatted_with_the_file_name() -> None:
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(b"people: [\n", filename="team/watchlist.yaml")
    assert str(caught.value).startswith("team/watchlist.yaml:")


def test_a_single_value_is_accepted_where_a_list_is_expected() -> None:
    watchlist = parse_watchlist(
        b"people:\n  - id: a\n    name: A B\n    nationalities: kz\n    advocates: legal\n"
        b"advocates:\n  - {id: legal, name: L, email: l@example.org}\n"
    )
    assert watchlist.people[0].nationalities == ["KZ"]
    assert watchlist.people[0].advocates == ["legal"]


def test_partial_birth_dates_stay_as_written() -> None:
    for written in ("1963", "1963-05", "1963-05-16"):
        doc = (
            f"people:\n  - id: a\n    name: A B\n    birth_date: {written}\n    advocates: [l]\n"
            "advocates:\n  - {id: l, name: L, email: l@example.org}\n"
        )
        assert parse_watchlist(doc.encode()).people[0].birth_date == written


def test_notice_ids_written_as_in_urls_are_normalised() -> None:
    doc = (
        b"people:\n  - id: a\n    name: A B\n    interpol_notice_ids: [2014-12345]\n"
        b"    advocates: [l]\nadvocates:\n  - {id: l, name: L, email: l@example.org}\n"
    )
    assert parse_watchlist(doc).people[0].interpol_notice_ids == ["2014/12345"]


def test_source_defaults_are_the_documented_ones() -> None:
    doc = b"sources:\n  - {id: i, type: interpol}\n  - {id: f, type: feed, url: 'https://a.example/rss'}\n"
    interpol, feed = parse_watchlist(doc).sources
    assert isinstance(interpol, InterpolSource) and isinstance(feed, FeedSource)
    assert interpol.notice_types == ["red"] and interpol.rate == 2.0
    assert interpol.interval == parse_interval("15m")
    assert interpol.sweep_interval == parse_interval("12h")


def test_one_notice_type_may_be_read_from_two_apis_and_by_a_disabled_source() -> None:
    doc = (
        b"sources:\n  - {id: public, type: interpol}\n"
        b"  - {id: mirror, type: interpol, base_url: 'https://mirror.example.org'}\n"
        b"  - {id: old, type: interpol, enabled: false}\n"
    )
    assert [s.id for s in parse_watchlist(doc).sources] == ["public", "mirror", "old"]


@pytest.mark.parametrize(
    ("written", "seconds"), [("30m", 1800), ("6h", 21600), ("1d", 86400), (" 2w ", 1209600)]
)
def test_intervals_are_read_in_their_units(written: str, seconds: int) -> None:
    assert parse_interval(written).total_seconds() == seconds


def test_a_yaml_alias_bomb_is_refused_without_expanding_it() -> None:
    bomb = b"a: &a [x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode()
        for i in range(20)
    )
    with pytest.raises(WatchlistError, match="anchors"):
        parse_watchlist(bomb)
