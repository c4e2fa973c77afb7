"""Free-text matching: every verified mention, in the original script, with its span and evidence."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pytest

from monitor.matching import MatchIndex, MatchPerson

FIXTURES = Path(__file__).parent / "fixtures" / "matching"


def load_people() -> list[MatchPerson]:
    rows = json.loads((FIXTURES / "sample_watchlist.json").read_text("utf-8"))
    return [
        MatchPerson(
            r["id"], r["name"], tuple(r["aliases"]), None, tuple(r["nationalities"]), r["sex"]
        )
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
    people = [MatchPerson("a", "Aigerim Zhaksybekova"), MatchPerson("b", "Saule Zhaksybekova")]
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
    newcomer = MatchIndex.build([MatchPerson("malyutin", "Nail Malyutin", ("Наиль Малютин",))])
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


# Middle names and initials (issue 16) -------------------------------------------------------

COURT_PEOPLE = [
    MatchPerson("greer", "Chad Greer"),
    MatchPerson("burns", "LaQuece Burns"),
    MatchPerson("juracan", "Oscar Juracan-Juracan"),
    MatchPerson("zhukov", "Vladimir Zhukov", ("Владимир Жуков",)),
]


@pytest.fixture(scope="module")
def court_index() -> MatchIndex:
    return MatchIndex.build([*load_people(), *COURT_PEOPLE])


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Mukhtar K. Ablyazov was arrested in France.", "ablyazov"),
        ("Мухтар К. Аблязов задержан.", "ablyazov"),
        ("Мухтара К. Аблязова задержали.", "ablyazov"),
        ("Appellant: Chad Adrian Greer, pro se.", "greer"),
        ("Counsel: LaQuece N. Burns, Assistant Federal Defender.", "burns"),
        ("USA v. Oscar R. Juracan-Juracan", "juracan"),
        ("USA v. Vladimir V. Zhukov", "zhukov"),
        ("Mukhtar K. L. Ablyazov appealed.", "ablyazov"),
        ("Mukhtar Kabul Aliuly Ablyazov appealed.", "ablyazov"),
        ("MUKHTAR K. ABLYAZOV appealed.", "ablyazov"),
        ("GREER, Chad A., Defendant.", "greer"),
        ("Владимир Владимирович Жуков арестован.", "zhukov"),
    ],
)
def test_a_middle_name_or_initial_keeps_a_full_name_mention_strong(
    court_index: MatchIndex, text: str, person: str
) -> None:
    found = {m.person_id: m for m in court_index.match_text(text)}
    assert person in found, text
    assert found[person].band == "strong" and found[person].is_alert
    assert "full name" in found[person].explanation.notes


def test_each_middle_part_costs_a_little_and_is_noted(court_index: MatchIndex) -> None:
    [bare] = court_index.match_text("Chad Greer appealed.")
    [one] = court_index.match_text("Chad A. Greer appealed.")
    [two] = court_index.match_text("Chad Adrian Lee Greer appealed.")
    assert bare.score > one.score > two.score
    assert "1 middle part(s) between forename and surname" in one.explanation.notes
    assert "2 middle part(s) between forename and surname" in two.explanation.notes
    assert one.surface == "Chad A. Greer" and two.surface == "Chad Adrian Lee Greer"


@pytest.mark.parametrize(
    "text",
    [
        "Chad Adrian Lee Roy Greer appealed.",  # three middle parts: a list, not one name
        "Chad And Greer Appealed",  # a title-case headline joins two people
        "Chad met Greer on Monday.",  # a lower-case word is no middle name
        "Chad, Adrian Greer and others.",  # a comma ends a name
        "Chad 42 Greer",
    ],
)
def test_what_is_not_a_middle_part_does_not_join_forename_and_surname(
    court_index: MatchIndex, text: str
) -> None:
    assert not [m for m in court_index.match_text(text) if m.person_id == "greer"]


def test_a_shared_surname_finds_the_forename_behind_a_middle_initial() -> None:
    index = MatchIndex.build(
        [MatchPerson("a", "Aigerim Zhaksybekova"), MatchPerson("b", "Saule Zhaksybekova")]
    )
    assert {m.person_id for m in index.match_text("Saule K. Zhaksybekova was detained.")} == {"b"}
    assert {m.person_id for m in index.match_text("Aigerim Nurlanovna Zhaksybekova left.")} == {"a"}
    assert index.match_text("Dana K. Zhaksybekova left.") == []


def test_yente_negatives_written_with_their_middle_names_match_no_one(
    court_index: MatchIndex,
) -> None:
    """yente's synthetic negatives, in a sentence, in the forms court feeds write names."""
    rows = []
    for name in ("yente_negatives_global.csv", "yente_negatives_us.csv"):
        with (FIXTURES / name).open(encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    written = []
    for row in rows:
        first, middle, last = row["first_name"], row["middle_name"], row["last_name"]
        if first and middle and last:
            written += [f"{first} {middle} {last}", f"{first} {middle[0]}. {last}"]
            written.append(f"{last.upper()}, {first} {middle[0]}.")
    assert len(written) > 1000
    wrong = [
        (name, m.person_id)
        for name in written
        for m in court_index.match_text(f"On Monday {name} was detained, the court said.")
    ]
    assert wrong == []
