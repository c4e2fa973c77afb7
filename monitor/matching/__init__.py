"""Name matching: find watched people in structured records and free text, and explain every match.

A pure library: no network, no database, no logging of names.

    index = MatchIndex.build(people)
    index.match_record(Record(name="ABLYAZOV", forename="MUKHTAR"))   # -> list[RecordMatch], best first
    index.match_text(article_text)                                    # -> list[TextMatch]
"""

from __future__ import annotations

from monitor.matching.context import classify_context
from monitor.matching.index import ALERT_THRESHOLD, STRONG_THRESHOLD, MatchIndex
from monitor.matching.models import (
    Context,
    Explanation,
    MatchPerson,
    Qualifiers,
    Record,
    RecordMatch,
    TextMatch,
)
from monitor.matching.score import score_names

__all__ = [
    "ALERT_THRESHOLD",
    "STRONG_THRESHOLD",
    "Context",
    "Explanation",
    "MatchIndex",
    "MatchPerson",
    "Qualifiers",
    "Record",
    "RecordMatch",
    "TextMatch",
    "classify_context",
    "score_names",
]
