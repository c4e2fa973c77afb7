"""Transliteration variants: the schemes passports and the press use, each with its provenance."""

from __future__ import annotations

import iuliia
import pytest

from monitor.matching.normalize import fold_name
from monitor.matching.translit import (
    RUSSIAN_SCHEMES,
    cyrillic_to_latin,
    latin_to_cyrillic,
    ukrainian_russian_forms,
)


def spellings(token: str) -> dict[str, str]:
    return dict(cyrillic_to_latin(token))


@pytest.mark.parametrize("scheme", list(RUSSIAN_SCHEMES))
def test_it_produces_every_name_sample_of_the_iuliia_schemes_it_uses(scheme: str) -> None:
    for cyrillic, latin in iuliia.schemas.get(scheme).samples:
        words = cyrillic.split()
        if len(words) != 2 or not all(w.isalpha() for w in words):
            continue  # sentences and punctuation are not names
        expected = [
            fold_name(w.replace("'", "").replace("’", "").replace("ʹ", "")) for w in latin.split()
        ]
        for word, want in zip(words, expected, strict=True):
            assert want in spellings(word.lower()), (scheme, word, want)


@pytest.mark.parametrize(
    ("cyrillic", "latin", "provenance_part"),
    [
        ("аблязов", "ablyazov", "1997"),
        ("аблязов", "abliazov", "ICAO"),
        ("татьяна", "tatiana", "ICAO"),
        ("цой", "tcoi", "2010"),
        ("мухтар", "moukhtar", "French"),
        ("аблязов", "abljasow", "German"),
        ("параскевич", "paraskewitsch", "German"),
        ("павлов", "pawlow", "German"),
        ("параскевич", "paraskiewicz", "Polish"),
    ],
)
def test_it_spells_a_russian_name_the_way_each_scheme_does(
    cyrillic: str, latin: str, provenance_part: str
) -> None:
    found = spellings(cyrillic)
    assert latin in found
    assert provenance_part in found[latin]


def test_it_spells_kazakh_letters_instead_of_dropping_them() -> None:
    found = spellings("әлихан")
    assert "alikhan" in found
    assert all("@" not in form and form.isascii() for form in found)
    assert "qasym" in spellings("қасым")


def test_it_spells_ukrainian_names_with_the_ukrainian_scheme() -> None:
    assert "oleksandr" in spellings("олександр")
    assert "volodymyr" in spellings("володимир")
    assert "hanna" in spellings("ганна")


def test_it_bridges_ukrainian_and_russian_name_forms() -> None:
    assert "александр" in dict(ukrainian_russian_forms("олександр"))
    assert "олександр" in dict(ukrainian_russian_forms("александр"))


def test_it_offers_the_english_conventional_spelling_from_wikidata() -> None:
    assert spellings("александр")["alexander"] == "Wikidata English spelling"


def test_it_reads_a_latin_name_back_into_cyrillic() -> None:
    assert "аблязов" in dict(latin_to_cyrillic("Ablyazov"))
    assert "мухтар" in dict(latin_to_cyrillic("Mukhtar"))
