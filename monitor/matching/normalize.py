"""Text folding: one character in, one character out, so spans map back to the original text.

The fold is applied to watchlist variants and to incoming text alike, so both meet in one form:
lower case, no diacritics, punctuation as spaces, and lookalike Cyrillic/Greek letters merged with
the Latin letter they imitate. Characters that would change the length (combining marks, zero-width
and bidi controls, soft hyphens, ligatures) take a slower path that keeps an offset map.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _codecs import _EncodeCharMap

# Lower-case letters that look like a Latin letter. Upper-case lookalikes (В Н К М Т) are merged
# too: after lower-casing, "в" no longer looks like "b", but a Latin name typed with a Cyrillic "В"
# must still meet its Latin pattern, and both sides are folded with the same table.
CONFUSABLES: dict[str, str] = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "y", "χ": "x", "ν": "v",
    # Ukrainian and Kazakh letters meet their Russian neighbours: Кетебаєв, Тоқаев, Әлихан.
    "є": "e", "ґ": "г", "ә": "a", "ө": "o", "ү": "y", "ұ": "y", "қ": "k", "ғ": "г", "ң": "h",
    # Latin letters without a decomposition.
    "ı": "i", "ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŧ": "t",
}  # fmt: skip

# Removed outright: combining marks are handled by stripping, controls carry no letters.
_DROP = re.compile(
    "[\u0300-\u036f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]"
)
_TABLE_LIMIT = 0x3100
_STRIP_LIMIT = 0x0530  # diacritics are stripped from Latin, Greek and Cyrillic letters only


def _fold_one(char: str) -> str | None:
    """Fold one character, or None when the result would not be exactly one character."""
    if _DROP.match(char):
        return None
    nfkc = unicodedata.normalize("NFKC", char)
    if len(nfkc) != 1:
        return " " if not any(c.isalnum() for c in nfkc) else None
    low = nfkc.lower()
    if len(low) != 1:
        return None
    base = unicodedata.normalize("NFD", low)[0]
    if base.isalpha() and low.isalpha() and ord(base) < _STRIP_LIMIT:
        low = base
    low = CONFUSABLES.get(low, low)
    # Vowel signs of Indic, Thai, Khmer... scripts are marks, and part of their words.
    return low if low.isalnum() or unicodedata.category(low)[0] == "M" else " "


def _build_table() -> tuple[dict[int, str], str]:
    table: dict[int, str] = {}
    slow: list[str] = []
    for code in range(_TABLE_LIMIT):
        char = chr(code)
        folded = _fold_one(char)
        if folded is None:
            slow.append(char)
        else:
            # Unchanged characters are listed too: a character missing from the table costs
            # `str.translate` a failed lookup, which halved the speed of folding Cyrillic text.
            table[code] = folded
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        folded = _fold_one(chr(code))
        if folded is not None:
            table[code] = folded
    for code in (0xFE00, 0xFEFF, 0xFB00, 0xFB01, 0xFB02, 0xFB03, 0xFB04, 0xFB05, 0xFB06):
        slow.append(chr(code))
    return table, "".join(sorted(set(slow)))


FOLD_TABLE, _SLOW_CHARS = _build_table()
_SLOW = re.compile("[" + re.escape(_SLOW_CHARS) + "\ufe00-\ufe0f]")

# A one-byte code page of the texts folded most (English, and Russian, Ukrainian, Belarusian or
# Kazakh news): a text written only in it is folded by two C codecs, one byte per character out
# and the folded table back in, about ten times faster than `str.translate`, which looks each
# non-ASCII character up in a dict (and needs no `_SLOW` search: none of these is slow). Any
# other character sends the text down the table's path; both give the same fold by construction.
CODE_PAGE = (
    "\x00\t\n\r"
    + "".join(chr(code) for code in range(0x20, 0x7F))
    + "".join(chr(code) for code in range(0x400, 0x460))  # Cyrillic: Russian, Ukrainian, Belarusian
    + "ґҐғҒқҚңҢүҮұҰһҺәӘөӨ"  # Ukrainian and Kazakh letters outside that block
    + "\u00a0«»°§·–—‘’‚“”„…•′″‹›"  # no-break space, typographic punctuation
)


def _build_code_page() -> tuple[_EncodeCharMap, str]:
    # At most 256 characters, the first one U+0000: else `charmap_build` makes a dict, as slow
    # as the table (tests/test_matching_normalize.py holds both, and that none of them is slow).
    undefined = "\ufffe" * (256 - len(CODE_PAGE))
    folded = "".join(FOLD_TABLE[ord(char)] for char in CODE_PAGE)
    return codecs.charmap_build(CODE_PAGE + undefined), folded + undefined


_PAGE_CODES, _PAGE_FOLDED = _build_code_page()


@dataclass(frozen=True)
class FoldedText:
    """A folded text and the way back to the original offsets.

    - `text` has one character per character of the original, except where `anchors` say otherwise.
    - `anchors` are (folded offset, original offset) points around dropped or expanded characters;
      empty for nearly every real text, which keeps the common path a single `str.translate`.
    """

    text: str
    original: str
    anchors: tuple[tuple[int, int], ...] = ()

    def to_original(self, pos: int) -> int:
        """Map an offset in the folded text back to an offset in the original text."""
        if not self.anchors:
            return pos
        idx = bisect_right(self.anchors, (pos, 1 << 62)) - 1
        folded_at, original_at = self.anchors[idx]
        # Inside the expansion of one character ("ﬁ" -> "fi") the offset stops at that
        # character's end: running on past it made a span end before its own start.
        limit = self.anchors[idx + 1][1] if idx + 1 < len(self.anchors) else len(self.original)
        return min(original_at + (pos - folded_at), limit)


def fold(text: str) -> str:
    """Fold a short string (a name, a variant) with the same rules as `fold_text`.

    - NFKC, lower case, diacritics stripped (Ketebaïev -> ketebaiev, ё -> е, й -> и)
    - zero-width, bidi and soft-hyphen characters removed
    - punctuation, apostrophes and hyphens become spaces; runs of spaces are not collapsed here
    - lookalike letters merged (a Cyrillic "а" or "Р" inside a Latin name matches the Latin one)
    """
    if _SLOW.search(text):
        return _fold_slow(text)[0]
    return text.translate(FOLD_TABLE)


def fold_name(text: str) -> str:
    """Fold a name and collapse its spaces (the form patterns and keys are built from)."""
    return " ".join(fold(text).split())


def fold_text(text: str) -> FoldedText:
    """Fold a whole text, keeping the way back to original offsets (see `fold`)."""
    if text.isascii():  # no ASCII character is slow; translate has a fast path for ASCII
        return FoldedText(text.translate(FOLD_TABLE), text)
    try:
        codes = codecs.charmap_encode(text, "strict", _PAGE_CODES)[0]
    except UnicodeEncodeError:  # a character outside the code page
        pass
    else:
        return FoldedText(codecs.charmap_decode(codes, "strict", _PAGE_FOLDED)[0], text)
    if not _SLOW.search(text):
        return FoldedText(text.translate(FOLD_TABLE), text)
    folded, anchors = _fold_slow(text)
    return FoldedText(folded, text, tuple(anchors))


def _fold_slow(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Character-by-character fold that records (folded offset, original offset) anchors."""
    out: list[str] = []
    anchors: list[tuple[int, int]] = [(0, 0)]
    length = 0
    for i, char in enumerate(text):
        piece = _fold_piece(char)
        if len(piece) != 1:
            anchors.append((length, i))
            anchors.append((length + len(piece), i + 1))
        out.append(piece)
        length += len(piece)
    return "".join(out), anchors


@lru_cache(maxsize=4096)
def _fold_piece(char: str) -> str:
    if not _SLOW.match(char):
        # Exactly what the fast path does, or one text folds two ways: a single soft hyphen on a
        # page would change how every character past U+3100 (half-width katakana...) folds.
        return char.translate(FOLD_TABLE)
    folded = _fold_one(char)
    if folded is not None:
        return folded
    if _DROP.match(char):
        return ""
    nfkc = unicodedata.normalize("NFKC", char).lower()
    stripped = "".join(c for c in unicodedata.normalize("NFD", nfkc) if not _DROP.match(c))
    return "".join(
        CONFUSABLES.get(c, c) if c.isalnum() or unicodedata.category(c)[0] == "M" else " "
        for c in stripped
    )
