"""Real court feeds, golden-file style: who a saved docket feed names, with what severity and
evidence (a saved feed and its expected matches side by side, see tests/fixtures/courts/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.feeds.parse import parse_feed
from monitor.matching import MatchIndex, MatchPerson

COURTS = Path(__file__).parent / "fixtures" / "courts"
# Parties named in the saved D.C. Circuit feed, watched as "Forename Surname".
PARTIES = [
    MatchPerson("koontz", "Randy Koontz"),
    MatchPerson("brody", "Tyson Brody"),
    MatchPerson("couch", "Matthew Couch"),
    MatchPerson("ollar", "Stephen Ollar"),
]


def matches_of(feed: Path, index: MatchIndex) -> list[dict[str, Any]]:
    """Each item's matches as the recorder reads them (title, a line break, the text)."""
    result = parse_feed(feed.read_bytes(), url="https://ecf.cadc.uscourts.gov/rss", headers={})
    out = []
    for item in result.items:
        found = index.match_text(f"{item.title}\n{item.text}")
        out.append(
            {
                "title": item.title,
                "matches": [
                    {
                        "person": m.person_id,
                        "band": m.band,
                        "severity": m.context.severity,
                        "labels": list(m.context.labels),
                        "evidence": m.evidence,
                    }
                    for m in found
                ],
            }
        )
    return out


@pytest.mark.parametrize("name", ["cadc"])
def test_a_saved_court_feed_names_its_parties_with_the_decision_it_records(name: str) -> None:
    got = matches_of(COURTS / f"{name}.xml", MatchIndex.build(PARTIES))
    expected_file = COURTS / f"{name}.expected.json"
    if not expected_file.exists():
        expected_file.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", "utf-8")
        pytest.fail(f"{expected_file.name} written: read it, then run again")
    assert got == json.loads(expected_file.read_text("utf-8"))


def test_a_judgment_or_order_against_a_party_is_a_medium_court_decision() -> None:
    got = matches_of(COURTS / "cadc.xml", MatchIndex.build(PARTIES))
    named = {m["person"]: m for item in got for m in item["matches"]}
    assert set(named) == {"koontz", "brody", "couch", "ollar"}
    assert all(m["band"] == "strong" and m["severity"] == "medium" for m in named.values())
    assert all("decision" in m["labels"] for m in named.values())
    # The caption is one sentence: the other party and the docket text stay in the evidence.
    assert named["couch"]["evidence"].startswith("22-7114 Matthew Couch v. Verizon")
    assert "[Order Filed (CLERK)]" in named["couch"]["evidence"]
    assert "[Judgment Filed (Merits Panel)]" in named["brody"]["evidence"]
