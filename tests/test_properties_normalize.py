"""Property tests of the text fold every match goes through (monitor/matching/normalize.py).

- any text folds without an error, surrogates, controls and astral characters included;
- folding is per character: the fold of a prefix is a prefix of the fold, so the matcher can
  fold a page once and slice it;
- folding twice changes nothing: watchlist variants are folded from names that may already be
  folded, and both sides must meet;
- offsets map back into the original: a span found in the folded text maps to a span of the
  original text whose fold is that very span, so evidence quotes what the page said.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.matching.normalize import fold, fold_name, fold_text

# Every code point, surrogates included (JSON and broken decoders produce them), with the
# characters that take the slow path (marks, ligatures, bidi and zero-width controls) often.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
TRICKY = st.sampled_from(
    list("\u0301\u0308\u00ad\u200b\u200d\u202e\u2066\ufeff\ufb01\ufb00\u1e9e\u0130ǅﬀ⑴㎏Åᾳ")
)
TEXT = st.text(st.one_of(ANY_CHAR, TRICKY, st.sampled_from(list("Ablyazov Аблязов "))))


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_any_text_folds_without_an_error(text: str) -> None:
    folded = fold_text(text)
    assert folded.original == text
    assert isinstance(fold(text), str) and isinstance(fold_name(text), str)


@settings(max_examples=500, deadline=None)
@given(TEXT, st.integers(min_value=0))
def test_the_fold_of_a_prefix_is_a_prefix_of_the_fold(text: str, cut: int) -> None:
    cut %= len(text) + 1
    assert fold(text).startswith(fold(text[:cut]))


@settings(max_examples=500, deadline=None)
@given(TEXT)
@example("ǅ")  # a title-case digraph: its lower case is one character, its NFKC two
@example("\u1e9e")  # capital sharp s
@example("İ")  # lower-cases to two characters
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold_name(fold_name(text)) == fold_name(text)


@settings(max_examples=500, deadline=None)
@given(TEXT, st.integers(min_value=0), st.integers(min_value=0))
def test_a_folded_span_maps_back_to_an_original_span_that_folds_to_it(
    text: str, start: int, end: int
) -> None:
    folded = fold_text(text)
    size = len(folded.text)
    start, end = sorted((start % (size + 1), end % (size + 1)))
    begin, finish = folded.to_original(start), folded.to_original(end)
    assert 0 <= begin <= finish <= len(text)
    if _on_boundaries(text, start, end):
        assert fold(text[begin:finish]) == folded.text[start:end]


def _on_boundaries(text: str, *positions: int) -> bool:
    """Whether each folded offset falls between the folds of two original characters (not in
    the middle of a ligature's expansion), where an exact round trip is possible."""
    ends, length = {0}, 0
    for char in text:
        length += len(fold(char))
        ends.add(length)
    return all(position in ends for position in positions)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x2FFF, categories=("L", "N", "P", "Z"))))
def test_text_without_slow_characters_keeps_one_character_per_character(text: str) -> None:
    folded = fold_text(text)
    if not folded.anchors:
        assert len(folded.text) == len(text)
        assert all(folded.to_original(i) == i for i in range(len(text) + 1))
