"""A crowd of real names against watchlists: the data and the counting behind the crowd evaluation
(bench/eval_matching.py prints it, tests/test_matching_quality.py holds it to the issue's targets).

- the crowd: 20,199 real forenames and surnames combined within one country (names-dataset,
  crowd_names.csv, made by bench/make_crowd.py) and the 1,254 members of the US Congress (yente),
  each as a record (with the country as nationality and a birth date of yente's generator) and as a sentence
- the evaluation watchlist: the 11 people of sample_watchlist.json, the 683 people of the UN
  sanctions list (yente, with birth year and nationality), yente's synthetic people written in
  Arabic script (with birth date) and the bench's people (no birth date, no nationality)
- the bench's people: every name the name bench holds as a true match's watched side

Nobody in the crowd is a watched person, so every alert is false; a name identical to a watched
name (up to transliteration) is counted apart: only a birth date can tell those two people apart.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path

from monitor.matching import MatchIndex, MatchPerson, Record, RecordMatch, TextMatch

FIXTURES = Path(__file__).parent / "fixtures" / "matching"
IDENTICAL = 0.99  # the score of the same tokens, up to order and transliteration


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Someone:
    """One crowd name: as a structured record and as one sentence of news."""

    full: str
    record: Record
    sentence: str


def birth_dates() -> Iterator[str]:
    """Birth dates of yente's synthetic people, in a fixed order, written as INTERPOL writes them."""
    dates = [r["date_of_birth"] for r in rows("yente_negatives_global.csv") if r["date_of_birth"]]
    return cycle(d.replace("-", "/") for d in dates)


def crowd() -> list[Someone]:
    """The crowd: names-dataset combinations of one country, and the US Congress."""
    dates = birth_dates()
    out = []
    for r in rows("crowd_names.csv"):
        record = Record(
            r["surname"].upper(), r["forename"].upper(), next(dates), (r["country"],), r["sex"]
        )
        out.append(_someone(f"{r['forename']} {r['surname']}", record))
    for r in rows("yente_positives_us_congress_untreated.csv"):
        out.append(
            _someone(
                r["full_name"], Record(r["full_name"], None, r["date_of_birth"] or None, ("US",))
            )
        )
    return out


def _someone(full: str, record: Record) -> Someone:
    return Someone(full, record, f"On Monday {full} was detained at the airport, the court said.")


def sample_people() -> list[MatchPerson]:
    data = json.loads((FIXTURES / "sample_watchlist.json").read_text("utf-8"))
    return [
        MatchPerson(r["id"], r["name"], tuple(r.get("aliases", ())), r.get("birth_date"),
               tuple(r.get("nationalities", ())), r.get("sex"))
        for r in data
    ]  # fmt: skip


def evaluation_watchlist() -> list[MatchPerson]:
    """The sample watchlist, the UN sanctions list, yente's synthetic people in Arabic script and
    the bench's people (the issue's watchlist of this shape had 783 people)."""
    people = sample_people() + bench_people()
    for i, r in enumerate(rows("yente_positives_un_untreated.csv")):
        nationality = (r["nationality"].upper(),) if len(r["nationality"]) == 2 else ()
        people.append(
            MatchPerson(f"un{i}", r["full_name"], (), r["date_of_birth"] or None, nationality)
        )
    for i, r in enumerate(rows("yente_negatives_global.csv") + rows("yente_negatives_us.csv")):
        if any("\u0600" <= c <= "\u06ff" for c in r["full_name"]):
            sex = {"male": "M", "female": "F"}.get(r["gender"])
            people.append(
                MatchPerson(f"ar{i}", r["full_name"], (), r["date_of_birth"] or None, (), sex)
            )
    return people


def bench_people() -> list[MatchPerson]:
    names = sorted(
        {
            r["name2"]
            for r in rows("name_bench_cases.csv")
            if r["schema"] == "Person" and r["is_match"] == "true"
        }
    )
    return [MatchPerson(f"bench{i}", name) for i, name in enumerate(names)]


@dataclass
class Tally:
    """What a crowd did to a watchlist, in one way of reading it (records or texts)."""

    names: int = 0
    alerts: int = 0
    possible: int = 0
    identical: int = 0  # alerts and possible matches on a name identical to the watched one
    seconds: float = 0.0
    megabytes: float = 0.0
    people: set[str] = field(default_factory=set)  # watched people with a false alert
    examples: list[tuple[float, str, str, str]] = field(default_factory=list)

    def rate(self, count: int, watched: int) -> float:
        """Per 1,000 crowd names per watched person."""
        return count / (self.names / 1000) / watched if self.names and watched else 0.0


def match_records(
    index: MatchIndex, people: dict[str, MatchPerson], crowd: list[Someone], passes: int = 2
) -> Tally:
    tally = Tally()
    found: list[tuple[Someone, list[RecordMatch]]] = []
    for _ in range(passes):  # the best pass: the first fills the caches
        start = time.process_time()  # CPU time: other processes on the machine do not count
        found = [(someone, index.match_record(someone.record)) for someone in crowd]
        seconds = time.process_time() - start
        tally.seconds = min(tally.seconds or seconds, seconds)
    for someone, matches in found:
        tally.names += 1
        for m in matches:
            _count(
                tally,
                m.is_alert,
                m.band != "weak",
                m.score,
                someone,
                people[m.person_id],
                m.explanation.variant,
            )
    return tally


def match_texts(
    index: MatchIndex, people: dict[str, MatchPerson], crowd: list[Someone], passes: int = 2
) -> Tally:
    tally = Tally()
    texts = [(someone, someone.sentence) for someone in crowd]
    found: list[tuple[Someone, list[TextMatch]]] = []
    for _ in range(passes):
        start = time.process_time()
        found = [(someone, index.match_text(text)) for someone, text in texts]
        seconds = time.process_time() - start
        tally.seconds = min(tally.seconds or seconds, seconds)
    tally.megabytes = sum(len(t.encode()) for _, t in texts) / 1e6
    for someone, matches in found:
        tally.names += 1
        for m in matches:
            event = m.is_alert or m.band == "review"  # what makes an event (recording.py)
            _count(
                tally,
                m.is_alert,
                event,
                m.score,
                someone,
                people[m.person_id],
                m.explanation.variant,
            )
    return tally


def _count(tally: Tally, alert: bool, event: bool, score: float, someone: Someone, person: MatchPerson, variant: str) -> None:  # fmt: skip
    tally.identical += (alert or event) and score >= IDENTICAL
    if alert:
        tally.alerts += 1
        tally.people.add(person.id)
        tally.examples.append((score, someone.full, person.name, "alert"))
    elif event:
        tally.possible += 1
        tally.examples.append((score, someone.full, person.name, "possible"))
