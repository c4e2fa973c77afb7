"""Bylines: the author field of a feed entry (RSS `author`, `dc:creator`, Atom `author/name`) is a
name field, so it is matched as one, like a court party, not searched like running text.

    match_byline(index, "By Zhanara Akhmetova and John Smith")   # -> list[TextMatch]

Rules:
- a leading "By" (Von, Par, Por, Автор) is dropped; e-mail addresses are dropped, so RSS 2.0's
  "editor@example.org (Zhanara Akhmetova)" and "Zhanara Akhmetova <z@example.org>" read as the name
- several authors are split at "and", "&", ";", "|", "/" (und, et, y, и); at commas only when the
  first part is a name of two words or more ("Akhmetova, Zhanara" stays one name; "Zhanara
  Akhmetova, Staff Writer" is a name and a role)
- a one-word part (a pen name, a role) is no mention: one word in an author field says too little
- each name is matched as a structured record (the same rules as a court party's name); the match
  is noted "byline" and its field is "byline", so the alert says where the name was
"""

from __future__ import annotations

import re
from dataclasses import replace

from monitor.matching.index import MatchIndex
from monitor.matching.models import Context, Record, RecordMatch, TextMatch

BYLINE_LIMIT = 300  # an author field longer than this is not a list of names
_EMAIL = re.compile(r"<?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b>?")
_PREFIX = re.compile(r"^(?:by|von|par|por|автор(?:ы)?:?|текст:)\s+", re.IGNORECASE)
_AUTHORS = re.compile(r"\s*(?:[;|/&]|\b(?:and|und|et|y|и)\b)\s*", re.IGNORECASE)
_COMMA = re.compile(",")
_TRIM = " \t\r\n,.:;()[]<>\"'«»“”—–-"
_NO_CONTEXT = Context((), "low")


def byline_names(byline: str) -> list[tuple[str, int]]:
    """The names a byline holds, each with its offset in the byline (see the module rules)."""
    text = _EMAIL.sub(lambda m: " " * len(m.group()), byline[:BYLINE_LIMIT])
    names: list[tuple[str, int]] = []
    for part, at in _split(text, _AUTHORS):
        for name, offset in _split_commas(part):
            stripped = name.strip(_TRIM)
            stripped = _PREFIX.sub("", stripped).strip(_TRIM)
            if len(stripped.split()) >= 2:
                names.append((stripped, at + offset + name.find(stripped)))
    return names


def match_byline(index: MatchIndex, byline: str) -> list[TextMatch]:
    """Every watched person a byline names, best match per name (see the module rules)."""
    evidence = " ".join(byline[:BYLINE_LIMIT].split())
    found: list[TextMatch] = []
    for name, at in byline_names(byline):
        matches = index.match_record(Record(name=name, forename=None))
        if matches:
            found.append(_as_text_match(matches[0], name, (at, at + len(name)), evidence))
    return found


def _as_text_match(
    match: RecordMatch, name: str, span: tuple[int, int], evidence: str
) -> TextMatch:
    explanation = replace(
        match.explanation,
        field="byline",
        span=span,
        notes=(*match.explanation.notes, "byline"),
    )
    return TextMatch(
        person_id=match.person_id,
        score=match.score,
        band=match.band,
        is_alert=match.is_alert,
        explanation=explanation,
        span=span,
        surface=name,
        evidence=evidence,
        context=_NO_CONTEXT,
    )


def _split(text: str, separator: re.Pattern[str]) -> list[tuple[str, int]]:
    parts: list[tuple[str, int]] = []
    start = 0
    for found in separator.finditer(text):
        parts.append((text[start : found.start()], start))
        start = found.end()
    parts.append((text[start:], start))
    return parts


def _split_commas(part: str) -> list[tuple[str, int]]:
    """At commas when what stands before the first is a name of two words or more."""
    pieces = _split(part, _COMMA)
    if len(pieces) > 1 and len(pieces[0][0].strip(_TRIM).split()) >= 2:
        return pieces
    return [(part, 0)]
