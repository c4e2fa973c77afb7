"""Structured matching: INTERPOL notices and court parties, with qualifiers that never drop a match."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

from monitor.matching import MatchIndex, MatchPerson, Record
from monitor.matching.index import _token_keys


def namesakes(forename: str, count: int = 60) -> list[MatchPerson]:
    """`count` watched people sharing one forename (60 make it a common key), other surnames."""
    return [MatchPerson(f"p{i}", f"{forename} Surname{chr(97 + i % 26)}{i}") for i in range(count)]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(
        [
            MatchPerson(
                "ablyazov", "Mukhtar Ablyazov", ("Мухтар Аблязов",), "1963-05-16", ("KZ",), "M"
            ),
            MatchPerson(
                "paraskevich", "Tatiana Paraskevich", ("Татьяна Параскевич",), "1970", ("UA",), "F"
            ),
            MatchPerson("pavlov", "Aleksandr Pavlov", ("Александр Павлов",), None, ("KZ",), "M"),
        ]
    )


def test_it_matches_an_interpol_record_in_upper_case(index: MatchIndex) -> None:
    (match,) = index.match_record(Record("ABLYAZOV", "MUKHTAR", "1963/05/16", ("KZ",), "M"))
    assert (match.person_id, match.band, match.is_alert) == ("ablyazov", "strong", True)
    assert match.explanation.qualifiers.birth_date == "agrees"


def test_it_matches_another_transliteration(index: MatchIndex) -> None:
    assert index.match_record(Record("ABLIAZOV", "MOUKHTAR"))[0].person_id == "ablyazov"
    assert index.match_record(Record("PARASKEVITCH", "TATYANA"))[0].person_id == "paraskevich"


def test_it_reads_a_court_party_written_surname_first(index: MatchIndex) -> None:
    assert index.match_record(Record("PAVLOV, Aleksandr", None))[0].person_id == "pavlov"


def test_it_ignores_a_missing_surname_placeholder(index: MatchIndex) -> None:
    assert index.match_record(Record("-", "ABLYAZOV MUKHTAR"))[0].person_id == "ablyazov"
    assert index.match_record(Record(None, None)) == []


def test_a_birth_date_conflict_lowers_the_match_but_keeps_it(index: MatchIndex) -> None:
    (match,) = index.match_record(Record("ABLYAZOV", "MUKHTAR", "1980/01/01"))
    assert match.band == "review"
    assert match.is_alert is False
    assert match.explanation.qualifiers.birth_date == "conflicts"


def test_a_partial_birth_date_agrees_with_a_full_one(index: MatchIndex) -> None:
    (match,) = index.match_record(Record("PARASKEVICH", "TATIANA", "1970/03/02"))
    assert match.explanation.qualifiers.birth_date == "agrees"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (Record("ABLYAZOV", "MUKHTAR", None, ("RU",)), "nationality"),
        (Record("ABLYAZOV", "MUKHTAR", None, (), "F"), "sex"),
    ],
)
def test_a_nationality_or_sex_conflict_takes_the_alert_away(
    index: MatchIndex, record: Record, field: str
) -> None:
    (match,) = index.match_record(record)
    assert getattr(match.explanation.qualifiers, field) == "conflicts"
    assert match.is_alert is False


def test_it_does_not_match_another_person_with_a_shared_surname(index: MatchIndex) -> None:
    assert [m for m in index.match_record(Record("PAVLOV", "IVAN")) if m.is_alert] == []


def test_a_common_key_alone_makes_no_candidate() -> None:
    people = namesakes("Ivan")
    index = MatchIndex.build(people)
    assert index.match_record(Record("PETROV", "IVAN")) == []


def test_it_explains_a_record_match_as_json_ready_data(index: MatchIndex) -> None:
    (match,) = index.match_record(Record("ABLYAZOV", "MUKHTAR"))
    data = json.loads(json.dumps(match.explanation.to_dict()))
    assert data["variant"] in ("Mukhtar Ablyazov", "Мухтар Аблязов")
    assert data["keys"]
    assert {"birth_date", "nationality", "sex"} <= set(data["qualifiers"])
    assert data["pairs"]


def test_it_ranks_the_best_match_first() -> None:
    index = MatchIndex.build(
        [MatchPerson("a", "Aleksandr Pavlov"), MatchPerson("b", "Aleksandra Pavlova")]
    )
    matches = index.match_record(Record("PAVLOV", "ALEKSANDR"))
    assert matches[0].person_id == "a"
    assert all(a.score >= b.score for a, b in pairwise(matches))


@pytest.mark.parametrize(
    ("surname", "forename", "watched"),
    [
        ("PULIN", "VLADIMIR", "Vladimir Putin"),  # one letter changed
        # errors that also break the prefix, the consonant skeleton and the letters' set
        ("AKLYAZOV", "MUKHTAR", "Mukhtar Ablyazov"),  # one changed
        ("ALYAZOV", "MUKHTAR", "Mukhtar Ablyazov"),  # one left out
        ("ADBLYAZOV", "MUKHTAR", "Mukhtar Ablyazov"),  # one added
    ],
)
def test_a_misspelt_surname_finds_the_person_when_the_forename_is_common(
    surname: str, forename: str, watched: str
) -> None:
    # 60 namesakes by forename make it too common to find anyone alone
    first = watched.split()[0]
    crowd = namesakes(first)
    index = MatchIndex.build([*crowd, MatchPerson("watched", watched)])
    matches = index.match_record(Record(surname, forename))
    assert matches and matches[0].person_id == "watched" and matches[0].is_alert


def test_the_explanation_names_the_one_letter_left_out_key_that_found_a_misspelt_name() -> None:
    crowd = namesakes("Vladimir")
    index = MatchIndex.build([*crowd, MatchPerson("putin", "Vladimir Putin")])
    assert "d:puin" in index.match_record(Record("PULIN", "VLADIMIR"))[0].explanation.keys
    # a name found through its own spelling does not list the typing-error keys
    assert not [k for k in index.match_name("Vladimir Putin")[0].explanation.keys if k[0] == "d"]


def test_the_keys_of_an_absurdly_long_token_stay_linear_in_its_length() -> None:
    # a hostile 20,000-letter "surname" in a notice must not cost its square in memory
    token = "".join("abcdefghij"[i * 7 % 10] for i in range(20_000))
    assert sum(len(key) for key in _token_keys(token)) < 10 * len(token)


def test_a_name_split_in_two_finds_its_person_in_a_crowd() -> None:
    # neither half alone is rare enough to find him: 60 Nikolais, 30 surnames starting Patr
    crowd = namesakes("Nikolai")
    crowd += [MatchPerson(f"q{i}", f"Ivan Patrakov{chr(97 + i % 26)}{i}") for i in range(30)]
    index = MatchIndex.build([*crowd, MatchPerson("patrushev", "Nikolai Platonovich Patrushev")])
    matches = index.match_record(Record("PATR USHEV", "NIKOLAI"))
    assert matches and matches[0].person_id == "patrushev" and matches[0].is_alert


def test_a_record_without_the_patronymic_is_not_outranked_by_namesakes() -> None:
    # four other Lavrovs would fill the prefilter's places if the patronymic counted against him
    lavrovs = [
        MatchPerson(f"n{i}", f"{f} Lavrov")
        for i, f in enumerate(("Fedor", "Eduard", "Ivan", "Oleg"))
    ]
    crowd = namesakes("Sergei")
    index = MatchIndex.build([*lavrovs, *crowd, MatchPerson("lavrov", "Сергей Викторович Лавров")])
    matches = index.match_record(Record("LAVROV", "SEREJ"))
    assert matches and matches[0].person_id == "lavrov" and matches[0].is_alert


def test_a_qualifier_conflict_on_a_review_band_name_makes_only_a_weak_match() -> None:
    index = MatchIndex.build([MatchPerson("p", "Muammar Gaddafi", (), "1942", ("LY",))])
    (match,) = index.match_record(Record("QADHAFI", "MOAMMAR", "1980/01/01", ("LY",)))
    assert (match.band, match.is_alert) == ("weak", False)
    assert match.explanation.qualifiers.birth_date == "conflicts"


def test_a_qualifier_conflict_on_a_strong_name_is_still_a_possible_match() -> None:
    index = MatchIndex.build([MatchPerson("p", "Zafar Iqbal", (), "1960", ("PK",))])
    (match,) = index.match_record(Record("IQBAL", "ZAFAR", "1980/01/01", ("PK",)))
    assert (match.band, match.is_alert) == ("review", False)


def test_an_identical_name_says_only_a_birth_date_can_tell_the_people_apart() -> None:
    index = MatchIndex.build([MatchPerson("p", "Zafar Iqbal")])
    (match,) = index.match_record(Record("IQBAL", "ZAFAR", None, ("PK",)))
    assert "only a birth date can tell" in " ".join(match.explanation.notes)
    dated = MatchIndex.build([MatchPerson("p", "Zafar Iqbal", (), "1960")])
    (agreed,) = dated.match_record(Record("IQBAL", "ZAFAR", "1960/03/01"))
    assert not any("birth date" in note for note in agreed.explanation.notes)


@pytest.mark.parametrize(
    ("surname", "forename", "form"),
    [
        ("PARASKEVYCH", "TETIANA", "Ukrainian"),
        ("PARASKEVICH", "TATSIANA", "Belarusian"),
        ("PAVLOV", "ALIAKSANDR", "Belarusian"),
        ("PAVLOV", "OLEKSANDR", "names-translator"),
    ],
)
def test_a_ukrainian_or_belarusian_form_matches_and_says_where_it_comes_from(
    index: MatchIndex, surname: str, forename: str, form: str
) -> None:
    (match, *_) = index.match_record(Record(surname, forename))
    assert match.is_alert
    assert form in match.explanation.provenance
