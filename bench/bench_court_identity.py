"""Issue 16 figure: docket entries kept as distinct items, before and after per-entry identity.

    .venv/bin/python bench/bench_court_identity.py

Over every saved PACER feed in tests/fixtures/courts/pacer/, counts the feed's entries, the
distinct items the current parser keeps, and the distinct keys the previous rule gave them (each
item's first alias, else its key: the link first, merging a case's entries). Prints one line per
feed and the totals.
"""

from __future__ import annotations

from pathlib import Path

from monitor.feeds.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "courts" / "pacer"


def counts(path: Path) -> tuple[int, int, int]:
    body = path.read_bytes()
    result = parse_feed(body, url="https://ecf.example.uscourts.gov/rss", headers={})
    # The previous rule merged entries under one key; its keys are the items' aliases.
    before = {item.aliases[0] if item.aliases else item.key for item in result.items}
    return body.count(b"<item>"), len(before), len(result.items)


def main() -> None:
    total = [0, 0, 0]
    print(f"{'feed':<24}{'entries':>8}{'before':>8}{'after':>8}")
    for path in sorted(FEEDS.glob("*.xml")):
        entries, before, after = counts(path)
        total = [total[0] + entries, total[1] + before, total[2] + after]
        print(f"{path.stem:<24}{entries:>8}{before:>8}{after:>8}")
    entries, before, after = total
    print(f"{'all':<24}{entries:>8}{before:>8}{after:>8}")
    print(f"merged before: {entries - before} of {entries}; merged now: {entries - after}")


if __name__ == "__main__":
    main()
