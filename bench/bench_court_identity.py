"""Issue 16 figure: docket entries kept as distinct items, before and after per-entry identity.

    .venv/bin/python bench/bench_court_identity.py

Over every saved PACER feed in tests/fixtures/courts/pacer/, counts the feed's entries, the
distinct items the current parser keeps, and the distinct keys the previous rule gave them (each
item's first alias, else its key: the link first, merging a case's entries). Prints one line per
feed and the totals, then splits the entries merged now by what tells them apart in the feed:
nothing at all (a byte-identical repeat), nothing of their title, GUID, text and pubDate (other
bytes only), or one of those (a real docket entry lost: must be 0; a case's second "[Order]"
filed at another time is an entry of its own).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

from monitor.feeds.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "courts" / "pacer"
IDENTITY = ("title", "guid", "description", "pubDate")


def counts(body: bytes) -> tuple[int, int, int]:
    result = parse_feed(body, url="https://ecf.example.uscourts.gov/rss", headers={})
    # The previous rule merged entries under one key; its keys are the items' aliases.
    before = {item.aliases[0] if item.aliases else item.key for item in result.items}
    return body.count(b"<item>"), len(before), len(result.items)


def repeats(body: bytes) -> tuple[int, int]:
    """Entries that repeat an earlier one: byte for byte, and in title, GUID, text and date."""
    entries = list(ElementTree.fromstring(body).iter("item"))
    exact = Counter(ElementTree.tostring(entry) for entry in entries)
    same = Counter(tuple(entry.findtext(tag) for tag in IDENTITY) for entry in entries)
    return sum(n - 1 for n in exact.values()), sum(n - 1 for n in same.values())


def main() -> None:
    total = Counter[str]()
    print(f"{'feed':<16}{'entries':>8}{'before':>8}{'after':>8}")
    for path in sorted(FEEDS.glob("*.xml")):
        body = path.read_bytes()
        entries, before, after = counts(body)
        exact, same = repeats(body)
        total.update(entries=entries, before=before, after=after, exact=exact, same=same)
        print(f"{path.stem:<16}{entries:>8}{before:>8}{after:>8}")
    entries, before, after = total["entries"], total["before"], total["after"]
    print(f"{'all':<16}{entries:>8}{before:>8}{after:>8}")
    merged = entries - after
    print(f"merged before: {entries - before} of {entries}; merged now: {merged}")
    print(
        f"merged now, by what tells them apart: nothing {total['exact']}, "
        f"other bytes only {total['same'] - total['exact']}, "
        f"title, GUID, text or date {merged - total['same']}"
    )


if __name__ == "__main__":
    main()
