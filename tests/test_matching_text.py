"""Free-text matching: every verified mention, in the original script, with its span and evidence."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from monitor.matching import MatchIndex, Person

FIXTURES = Path(__file__).parent / "fixtures" / "matching"


def load_people() -> list[Person]:
    rows = json.loads((FIXTURES / "sample_watchlist.json").read_text("utf-8"))
    return [
        Person(r["id"], r["name"], tuple(r["aliases"]), None, tuple(r["nationalities"]), r["sex"])
        for r in rows
    ]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(load_people())


def alerting(index: MatchIndex, text: str) -> set[str]:
    return {m.person_id for m in index.match_text(text) if m.is_alert}


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Французский суд отказал в экстрадиции Мухтара Аблязова.", "ablyazov"),
        ("Жанаре Ахметовой отказали в убежище.", "akhmetova"),
        ("В Мадриде задержан Муратбек Кетебаев.", "ketebayev"),
        ("С Мухтаром Аблязовым встретились депутаты.", "ablyazov"),
        ("Moukhtar Abliazov a été arrêté.", "ablyazov"),
        ("Muchtar Abljasow wurde festgenommen.", "ablyazov"),
        ("Tatjana Paraskewitsch erhielt Schutz.", "paraskevich"),
        ("Aleksander Pawłow został zatrzymany.", "pavlov"),
        ("Muratbek Ketebaïev a été libéré.", "ketebayev"),
        ("The court heard Mukhtar \u0410blyazov.", "ablyazov"),
        ("Defendants: ABLYAZOV, Mukhtar; and others.", "ablyazov"),
        ("Аблязов Мухтар Кабулович объявлен в розыск.", "ablyazov"),
        ("Мухтар Кабулович Аблязов остается во Франции.", "ablyazov"),
        ("Мұхтар Әблязов Францияда.", "ablyazov"),
        ("Олександр Павлов може бути виданий.", "pavlov"),
        ("Mukh\u200btar Ablyazov was released.", "ablyazov"),
        ("Alexander Pavlov's lawyers appealed.", "pavlov"),
    ],
)
def test_it_finds_a_full_name_mention_however_it_is_written(
    index: MatchIndex, text: str, person: str
) -> None:
    assert person in alerting(index, text)


@pytest.mark.parametrize(
    "text",
    [
        "Ivan Pavlov won the Nobel Prize.",
        "Alexandra Pavlova performed at the Bolshoi.",
        "Alexander Pavlovsky was appointed minister.",
        "Rinat Akhmetov owns a football club.",
        "The church of Saint Paraskevi.",
        "Город Павловск находится под Петербургом.",
        "Madina Ablyazova spoke to the press.",
        "Pavlov's dogs are famous.",
    ],
)
def test_it_does_not_match_other_people(index: MatchIndex, text: str) -> None:
    assert index.match_text(text) == []


def test_it_maps_the_span_back_to_the_original_text(index: MatchIndex) -> None:
    text = "Report:\u200b the court heard Mukh\u200btar Ablyazov on Tuesday."
    (match,) = index.match_text(text)
    assert text[match.span[0] : match.span[1]] == match.surface
    assert match.surface == "Mukh\u200btar Ablyazov"
    assert "the court heard" in match.evidence


def test_each_mention_is_kept_once_and_overlapping_readings_are_one_mention(
    index: MatchIndex,
) -> None:
    # "Ablyazov Mukhtar Ablyazov": the forename reads with the surname on either side.
    crowded = index.match_text("Ablyazov Mukhtar Ablyazov spoke.")
    spans = sorted(m.span for m in crowded)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    assert any(m.is_alert for m in crowded)
    # A hostile page repeating one name: every place is a mention, found in one pass.
    repeated = index.match_text("Mukhtar Ablyazov. " * 20_000)
    assert len(repeated) == 20_000
    assert len({m.span for m in repeated}) == 20_000


def test_it_respects_unicode_word_boundaries(index: MatchIndex) -> None:
    assert index.match_text("Александр Павловский") == []
    assert {m.person_id for m in index.match_text("Александр Павлов")} == {"pavlov"}


def test_a_distinctive_surname_alone_is_a_weak_match_and_a_common_one_none(
    index: MatchIndex,
) -> None:
    (weak,) = index.match_text("Ablyazov did not attend.")
    assert weak.band == "weak" and not weak.is_alert
    assert index.match_text("Pavlov did not attend.") == []


def test_an_initial_with_a_distinctive_surname_is_for_review(index: MatchIndex) -> None:
    (match,) = index.match_text("The appeal of M. Ablyazov was rejected.")
    assert match.band == "review" and match.is_alert
    assert index.match_text("The appeal of K. Ablyazov was rejected.")[0].band == "weak"


def test_a_surname_several_watched_people_share_is_not_a_mention_alone() -> None:
    people = [Person("a", "Aigerim Zhaksybekova"), Person("b", "Saule Zhaksybekova")]
    index = MatchIndex.build(people)
    assert index.match_text("Zhaksybekova was detained.") == []
    assert {m.person_id for m in index.match_text("Saule Zhaksybekova was detained.")} == {"b"}
    assert {m.person_id for m in index.match_text("Parties: ZHAKSYBEKOVA, Saule.")} == {"b"}
    assert {m.person_id for m in index.match_text("Report.  Aigerim  Zhaksybekova left.")} == {"a"}


def test_it_explains_a_mention_as_json_ready_data(index: MatchIndex) -> None:
    (match,) = index.match_text("Мухтара Аблязова задержали во Франции.")
    data = json.loads(json.dumps(match.explanation.to_dict()))
    assert data["span"] == list(match.span)
    assert "declension" in data["provenance"]
    assert data["band"] == "strong"
    assert match.context.severity == "high"
    assert "arrest" in match.context.labels


def test_a_person_added_later_can_be_matched_against_stored_texts() -> None:
    stored = ["Nail Malyutin faces extradition from Austria.", "Unrelated text."]
    newcomer = MatchIndex.build([Person("malyutin", "Nail Malyutin", ("Наиль Малютин",))])
    assert [bool(newcomer.match_text(t)) for t in stored] == [True, False]


def test_the_evaluation_set_has_full_recall_and_no_hard_negative_match(index: MatchIndex) -> None:
    lines = (FIXTURES / "eval_mentions.jsonl").read_text("utf-8").splitlines()
    cases = [json.loads(line) for line in lines]
    missed = []
    wrong = []
    for case in cases:
        matches = index.match_text(case["text"])
        found = {m.person_id for m in matches if m.is_alert}
        missed += [(p, case["text"]) for p in case["full"] if p not in found]
        allowed = set(case["full"]) | set(case["mentioned"])
        wrong += [(m.person_id, case["text"]) for m in matches if m.person_id not in allowed]
    assert missed == []
    assert wrong == []
