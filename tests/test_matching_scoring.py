"""Name similarity: spellings of one name meet, and names that differ in one part do not."""

from __future__ import annotations

import pytest

from monitor.matching import ALERT_THRESHOLD, MatchIndex, Person, score_names
from monitor.matching.mandarin import pinyin_readings


def record_score(query: str, watched: str) -> float:
    """The best score of a record named `query` against a watchlist of `watched` alone."""
    matches = MatchIndex.build([Person("p", watched)]).match_name(query)
    return matches[0].score if matches else 0.0


@pytest.mark.parametrize(
    ("query", "watched"),
    [
        ("Ted Doe", "Theodore Doe"),  # a listed nickname
        ("Bill Browder", "William Browder"),
        ("Usama ibn Ladin", "Osama bin Laden"),  # bin/ibn: one particle
        ("'Abd al-Aziz al-Nuristani", "Abdul Aziz Nooristani"),
        ("BIN LADEN, OSAMA", "Osama bin Laden"),  # court-list order around a particle
        ("Nikolai Patr ushev", "Nikolai Platonovich Patrushev"),  # one word split in two
        ("Mukhtar Ablya zov", "Mukhtar Ablyazov"),
        ("Kim Jung Un", "Kim Jong Un"),  # short tokens differing in a vowel
        ("ADB-AL-HAMID AL-MASLI", "ABD-AL-HAMID AL-MASLI"),  # a transposed letter
        ("Mao Tse-tung", "Mao Zedong"),  # Wade-Giles and Pinyin
        ("Hsi Chin-ping", "Xi Jinping"),
        ("rimaldiV nituP", "Vladimir Putin"),  # letters of a right-to-left run reversed
        ("Ablyazov Mukhtar Kabulovich", "Mukhtar Ablyazov"),
    ],
)
def test_it_matches_another_writing_of_the_same_name(query: str, watched: str) -> None:
    assert record_score(query, watched) >= ALERT_THRESHOLD


@pytest.mark.parametrize(
    ("query", "watched"),
    [
        # a son and his father: the names around "bin" are swapped
        ("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI"),
        # another patronymic is another father, whatever the shared -ovich says
        ("Sergey Viktorovich Lavrov", "Sergey Borisovich Lavrov"),
        ("Mukhtar Kabulovich Ablyazov", "Mukhtar Serikovich Ablyazov"),
        # a forename does not meet a patronymic made from it
        ("Aleksandr Pavlov", "Ivan Aleksandrovich Pavlov"),
        # one different part of a long name is another family, however many parts agree
        ("ABDUL RAHMAN YASIN AL-TIKRITI", "ABDUL RAHMAN YASIN AL-MOSULI"),
        ("NAZIRULLAH HANAFI HAMIDULLAH", "NAZIRULLAH HANAFI WALIULLAH"),
        # a different middle initial
        ("Hans O Friedrich", "Hans Joachim Friedrich"),
    ],
)
def test_it_does_not_alert_on_a_name_that_differs_in_one_part(query: str, watched: str) -> None:
    assert record_score(query, watched) < ALERT_THRESHOLD


def test_a_chinese_or_korean_name_in_its_own_script_must_agree_syllable_by_syllable() -> None:
    assert score_names("习近平", "习近平").score == 1.0
    assert score_names("习近朋", "习近平").score < ALERT_THRESHOLD
    assert score_names("김종은", "김정은").score < ALERT_THRESHOLD
    assert score_names("Xi Jinping", "习近平").score >= ALERT_THRESHOLD


def test_it_reads_a_wade_giles_token_as_every_pinyin_it_may_stand_for() -> None:
    assert {"zedong", "xiaoping"} <= pinyin_readings("tsetung") | pinyin_readings("hsiaoping")
    assert pinyin_readings("hsi") == {"xi"}
    assert pinyin_readings("anna") == frozenset()  # no spelling only Wade-Giles uses
    assert pinyin_readings("pavlov") == frozenset()


def test_a_son_swapped_with_his_father_is_told_apart_but_a_misspelt_particle_is_not() -> None:
    swapped = score_names("AHMAD BIN HASAN AL-UBAIDI", "HASAN BIN AHMAD AL-UBAIDI")
    misspelt = score_names("TAREK BEEN HABIB AL-TOUMI", "TAREK BEN HABIB AL-TOUMI")
    assert swapped.score < ALERT_THRESHOLD <= misspelt.score


def test_the_explanation_shows_each_pair_of_tokens_that_met() -> None:
    result = score_names("Ted Doe", "Theodore Doe")
    assert {(watched, query) for watched, query, _ in result.pairs} == {
        ("theodore", "ted"),
        ("doe", "doe"),
    }
