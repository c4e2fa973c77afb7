"""Bylines: a feed entry's author field is matched as a name field and noted "byline"."""

from __future__ import annotations

import pytest

from monitor.feeds.parse import parse_feed
from monitor.matching import MatchIndex, MatchPerson
from monitor.matching.byline import byline_names, match_byline

PEOPLE = [
    MatchPerson("akhmetova", "Zhanara Akhmetova", ("Жанара Ахметова",), sex="F"),
    MatchPerson("ablyazov", "Mukhtar Ablyazov", ("Мухтар Аблязов",), sex="M"),
]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(PEOPLE)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Zhanara Akhmetova", ["Zhanara Akhmetova"]),
        ("By Zhanara Akhmetova and John Smith", ["Zhanara Akhmetova", "John Smith"]),
        ("editor@example.org (Zhanara Akhmetova)", ["Zhanara Akhmetova"]),
        ("Zhanara Akhmetova <z.akhmetova@example.org>", ["Zhanara Akhmetova"]),
        ("AKHMETOVA, Zhanara", ["AKHMETOVA, Zhanara"]),
        ("Zhanara Akhmetova, Staff Writer", ["Zhanara Akhmetova", "Staff Writer"]),
        ("Жанара Ахметова и Иван Петров", ["Жанара Ахметова", "Иван Петров"]),
        ("Von Anna Schmidt und Zhanara Akhmetova", ["Anna Schmidt", "Zhanara Akhmetova"]),
        (
            "Jane Roe; Mukhtar K. Ablyazov | Ivan Ivanov",
            ["Jane Roe", "Mukhtar K. Ablyazov", "Ivan Ivanov"],
        ),
        ("Staff", []),
        ("newsroom@example.org", []),
    ],
)
def test_a_byline_is_read_as_the_names_it_holds(byline: str, names: list[str]) -> None:
    found = byline_names(byline)
    assert [name for name, _ in found] == names
    assert all(byline[at : at + len(name)] == name for name, at in found)


@pytest.mark.parametrize(
    "byline",
    [
        "Zhanara Akhmetova",
        "By Zhanara Akhmetova and John Smith",
        "editor@example.org (Zhanara Akhmetova)",
        "AKHMETOVA, Zhanara",
        "Жанара Ахметова",
        "Zhanara K. Akhmetova",
    ],
)
def test_a_watched_author_is_a_strong_byline_match(index: MatchIndex, byline: str) -> None:
    [found] = match_byline(index, byline)
    assert (found.person_id, found.band, found.is_alert) == ("akhmetova", "strong", True)
    assert found.explanation.field == "byline" and "byline" in found.explanation.notes
    assert found.explanation.summary.startswith("byline ")
    assert byline[found.span[0] : found.span[1]] == found.surface
    assert found.evidence == byline


@pytest.mark.parametrize(
    "byline", ["Aigul Akhmetova", "Rinat Akhmetov", "Akhmetova", "Zhanara", "By Staff Writer"]
)
def test_another_author_or_a_lone_word_is_no_byline_match(index: MatchIndex, byline: str) -> None:
    assert match_byline(index, byline) == []


def test_two_watched_authors_are_two_byline_matches(index: MatchIndex) -> None:
    found = match_byline(index, "Mukhtar Ablyazov & Zhanara Akhmetova")
    assert [m.person_id for m in found] == ["ablyazov", "akhmetova"]


FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
<link>https://news.example.org/</link>
<item><title>One</title><link>https://news.example.org/1</link><description>x</description>
<author>editor@example.org (Zhanara Akhmetova)</author></item>
<item><title>Two</title><link>https://news.example.org/2</link><description>y</description>
<dc:creator>Zhanara Akhmetova</dc:creator></item>
<item><title>Three</title><link>https://news.example.org/3</link><description>z</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>
<entry><title>Four</title><id>urn:4</id><updated>2026-01-01T00:00:00Z</updated>
<link href="https://news.example.org/4"/><author><name>Zhanara Akhmetova</name></author>
<author><name>John Smith</name></author><summary>w</summary></entry></feed>"""


def test_a_feed_entry_keeps_its_authors_as_its_byline() -> None:
    rss = parse_feed(FEED, url="https://news.example.org/rss", headers={}).items
    atom = parse_feed(ATOM, url="https://news.example.org/atom", headers={}).items
    # feedparser reads RSS 2.0's "e-mail (Name)" as the name
    assert [item.byline for item in rss] == [
        "Zhanara Akhmetova",
        "Zhanara Akhmetova",
        "",
    ]
    assert [item.byline for item in atom] == ["Zhanara Akhmetova; John Smith"]
