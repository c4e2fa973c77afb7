"""Folding: one form for watchlist variants and incoming text, with offsets back to the original."""

from __future__ import annotations

from monitor.matching import normalize
from monitor.matching.normalize import fold, fold_name, fold_text


def test_it_folds_case_diacritics_and_punctuation() -> None:
    assert fold_name("Ketebaïev") == fold_name("KETEBAIEV")
    assert fold_name("Erdoğan") == fold_name("Erdogan")
    assert fold_name("Alexandr’s") == fold_name("alexandr s")


def test_it_merges_cyrillic_lookalike_letters_with_latin_ones() -> None:
    mixed = "Mukhtar \u0410blyazov"  # Cyrillic А
    assert fold_name(mixed) == fold_name("Mukhtar Ablyazov")
    assert fold_name("Р\u0430vlov") == fold_name("Pavlov")  # Cyrillic Р and а


def test_it_folds_yo_and_ukrainian_and_kazakh_letters_to_their_russian_neighbours() -> None:
    assert fold_name("Артём") == fold_name("Артем")
    assert fold_name("Кетебаєв") == fold_name("Кетебаев")
    assert fold_name("Тоқаев") == fold_name("Токаев")


def test_it_keeps_one_character_per_character_on_ordinary_text() -> None:
    text = "Last Thursday, the Spanish Audiencia Nacional сourt decided."
    folded = fold_text(text)
    assert len(folded.text) == len(text)
    assert folded.anchors == ()


def test_it_drops_zero_width_and_combining_marks_and_maps_offsets_back() -> None:
    text = "x\u200bKetebai\u0308ev сourt"
    folded = fold_text(text)
    assert "ketebaiev" in folded.text
    start = folded.text.index("court")
    assert text[folded.to_original(start) : folded.to_original(start + 5)] == "сourt"


def test_it_does_not_strip_marks_from_scripts_where_they_are_letters() -> None:
    assert fold("バラク") != fold("ハラク")


def test_a_text_in_the_code_page_folds_exactly_as_through_the_table() -> None:
    # Russian, Ukrainian, Kazakh and English news take the two-codec path: it must give the very
    # fold of the table, letter by letter, for every character of the page.
    every = "".join(normalize.CODE_PAGE)
    assert fold_text(every).text == every.translate(normalize.FOLD_TABLE)
    text = "Суд в Москве «заочно» арестовал Қасымова и Ґонгадзе — 5 мая.\n"
    assert fold_text(text).text == "".join(fold(char) for char in text)
    assert fold_text(text).anchors == ()


def test_the_code_page_is_what_a_fast_c_codec_needs_and_holds_no_slow_character() -> None:
    # More than 256 characters, or another first one than U+0000, and `charmap_build` returns a
    # dict, as slow as the table; a slow character would skip its offset map.
    assert len(normalize.CODE_PAGE) <= 256 and normalize.CODE_PAGE[0] == "\x00"
    assert type(normalize._PAGE_CODES).__name__ == "EncodingMap"
    assert not normalize._SLOW.search(normalize.CODE_PAGE)
    assert not normalize._SLOW.search("".join(map(chr, range(128))))  # the ASCII shortcut


def test_a_text_with_a_character_outside_the_code_page_still_folds_the_same() -> None:
    for text in ("Суд: Ketebaïev", "Аблязов\u200b", "Ablyazov ﬁle", "Ablyazov €"):
        folded = fold_text(text)
        assert fold(folded.original) == fold(text)
        assert folded.text == fold(text)
