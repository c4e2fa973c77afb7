"""Belarusian and Kazakh forms of a watched name written in Russian (issue 15, point 3).

A Belarusian dissident is on the watchlist as Светлана Тихановская and in the news as Sviatlana
Tsikhanouskaya; a Kazakh one as Назарбаев and on a list as NAZARBAYULY or NAZARBAY. Each form is
found in free text and in a structured record, with its rule in the explanation, and none of the
forms makes a false alert in a crowd of 21,453 real names.
"""

from __future__ import annotations

import json

import pytest

from monitor.matching import MatchIndex, MatchPerson, Record, datafiles
from monitor.matching.national import PROVENANCE
from monitor.matching.translit import belarusian_latin
from tests import crowd as crowds

BELARUSIAN = PROVENANCE["be"]
KAZAKH = PROVENANCE["kk"]

CASES = [
    (MatchPerson("t", "Светлана Тихановская"), "Sviatlana Tsikhanouskaya", "TSIKHANOUSKAYA", "SVIATLANA", BELARUSIAN),  # -овская -> -оўская, Ти -> Ці
    (MatchPerson("t", "Светлана Тихановская"), "Святлана Ціханоўская", "ЦІХАНОЎСКАЯ", "СВЯТЛАНА", BELARUSIAN),
    (MatchPerson("s", "Сергей Тихановский"), "Siarhei Tsikhanouski", "TSIKHANOUSKI", "SIARHEI", BELARUSIAN),  # -ский -> -скі
    (MatchPerson("l", "Александр Лукашенко"), "Aliaksandr Lukashenka", "LUKASHENKA", "ALIAKSANDR", BELARUSIAN),  # -енко -> -энка
    (MatchPerson("a", "Андрей Санников"), "Andrei Sannikau", "SANNIKAU", "ANDREI", BELARUSIAN),  # -ов -> -аў
    (MatchPerson("k", "Мария Колесникова"), "Maria Kolesnikava", "KOLESNIKAVA", "MARIA", BELARUSIAN),  # -ова -> -ава
    (MatchPerson("p", "Tatiana Paraskevich", ("Татьяна Параскевич",)), "Таццяна Параскевіч", "ПАРАСКЕВІЧ", "ТАЦЦЯНА", BELARUSIAN),  # -ич -> -іч
    (MatchPerson("n", "Нурсултан Назарбаев", nationalities=("KZ",)), "Nursultan Nazarbayuly", "NAZARBAYULY", "NURSULTAN", KAZAKH),  # -ев -> -ұлы
    (MatchPerson("n", "Нурсултан Назарбаев", nationalities=("KZ",)), "Nursultan Nazarbay", "NAZARBAY", "NURSULTAN", KAZAKH),  # -ев dropped
    (MatchPerson("d", "Дарига Назарбаева", nationalities=("KZ",)), "Dariga Nazarbaiqyzy", "NAZARBAIQYZY", "DARIGA", KAZAKH),  # -ева -> -қызы
    (MatchPerson("z", "Жанболат Мамаев", nationalities=("KZ",)), "Zhanbolat Mamaiuly", "MAMAIULY", "ZHANBOLAT", KAZAKH),
    (MatchPerson("j", "Асель Жанболатова", nationalities=("KZ",)), "Asel Zhanbolat", "ZHANBOLAT", "ASEL", KAZAKH),
]  # fmt: skip


@pytest.mark.parametrize(("person", "written", "surname", "forename", "rule"), CASES)
def test_a_belarusian_or_kazakh_form_in_a_text_finds_the_watched_russian_form(
    person: MatchPerson, written: str, surname: str, forename: str, rule: str
) -> None:
    text = f"On Monday {written} was questioned again, the lawyers said."
    (match,) = MatchIndex.build([person]).match_text(text)
    assert match.is_alert
    assert match.surface == written
    assert rule in match.explanation.provenance


# A patronymic in a text is a middle part the mention may hold or not: only records compare it.
PATRONYMIC = (
    MatchPerson("m", "Мухтар Кабулович Аблязов", nationalities=("KZ",)),
    "Mukhtar Kabululy Ablyazov",
    "ABLYAZOV",
    "MUKHTAR KABULULY",  # -ович -> -ұлы
    KAZAKH,
)


@pytest.mark.parametrize(("person", "written", "surname", "forename", "rule"), [*CASES, PATRONYMIC])
def test_a_belarusian_or_kazakh_form_in_a_record_finds_the_watched_russian_form(
    person: MatchPerson, written: str, surname: str, forename: str, rule: str
) -> None:
    (match,) = MatchIndex.build([person]).match_record(Record(surname, forename))
    assert match.is_alert
    assert rule in match.explanation.provenance


def test_kazakh_forms_are_only_made_for_a_kazakh_person() -> None:
    index = MatchIndex.build(
        [MatchPerson("n", "Нурсултан Назарбаев")]
    )  # no nationality, no Kazakh letter
    assert not [m for m in index.match_text("Nursultan Nazarbayuly spoke.") if m.is_alert]


def test_kazakh_letters_in_the_name_make_the_kazakh_forms() -> None:
    index = MatchIndex.build([MatchPerson("t", "Қасым-Жомарт Тоқаев")])
    (match,) = index.match_text("Kasym-Jomart Tokayuly spoke.")
    assert match.is_alert and KAZAKH in match.explanation.provenance


def test_no_belarusian_or_kazakh_form_makes_a_false_alert_in_a_crowd_of_real_names() -> None:
    watched = [
        *{p.id: p for p, *_ in (*CASES, PATRONYMIC)}.values(),
        MatchPerson("kz1", "Иван Петров", nationalities=("KZ",)),  # stems that are forenames: Petr
        MatchPerson("kz2", "Роман Николаев", nationalities=("KZ",)),  # Nikolay
        MatchPerson("kz3", "Айгерим Сергеева", nationalities=("KZ",)),  # Sergey
        MatchPerson("by1", "Виктор Иванов"),  # Ivanou, Ivanau
        MatchPerson("by2", "Ольга Ковалькова"),  # Kavalkova, Kovalkava
    ]
    index = MatchIndex.build(watched)
    people = crowds.crowd()
    national = [
        (someone.full, m.explanation.summary)
        for someone in people
        for m in index.match_record(someone.record)
        if m.is_alert
        and (BELARUSIAN in m.explanation.provenance or KAZAKH in m.explanation.provenance)
    ]
    national += [
        (someone.full, m.explanation.summary)
        for someone in people
        for m in index.match_text(someone.sentence)
        if m.is_alert
        and (BELARUSIAN in m.explanation.provenance or KAZAKH in m.explanation.provenance)
    ]
    assert national == []


def test_the_belarusian_romanisation_gives_the_spellings_belarusians_use() -> None:
    schemes = json.loads(datafiles.text("press_schemes.json"))
    (scheme,) = [s for s in schemes if s["name"] == "be_national"]
    for cyrillic, latin in scheme["samples"]:
        spelled = " ".join(belarusian_latin(word) for word in cyrillic.split())
        assert spelled == latin.lower()
