"""Mandarin names in Wade-Giles (Taiwan, older press: Hsi Chin-ping, Mao Tse-tung) read as Pinyin.

Wade-Giles marks aspiration with an apostrophe that the press and most databases drop, so one
Wade-Giles syllable may stand for several Pinyin ones ("tsung" is zong or cong). A token
that reads entirely as Wade-Giles syllables gets every Pinyin reading it may have (a few dozen at
most); a token in Pinyin meets it when it is one of them. The tables follow the usual
Wade-Giles/Pinyin correspondence of initials and finals, written for redwatch.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

_MAX_READINGS = 64
_MAX_LENGTH = 16

# Wade-Giles initials -> Pinyin initials (aspiration marks lost: ch = zh, ch, j or q).
_INITIALS: dict[str, tuple[str, ...]] = {
    "ch": ("zh", "ch", "j", "q"), "hs": ("x",), "ts": ("z", "c"), "tz": ("z", "c"),
    "sh": ("sh",), "k": ("g", "k"), "p": ("b", "p"), "t": ("d", "t"), "j": ("r",),
    "f": ("f",), "h": ("h",), "l": ("l",), "m": ("m",), "n": ("n",), "s": ("s",), "": ("",),
}  # fmt: skip
# Wade-Giles finals -> Pinyin finals (ü is folded to u before we see it).
_FINALS: dict[str, tuple[str, ...]] = {
    "a": ("a",), "ai": ("ai",), "an": ("an",), "ang": ("ang",), "ao": ("ao",),
    "e": ("e",), "ei": ("ei",), "en": ("en",), "eng": ("eng",), "erh": ("er",),
    "o": ("o", "e", "uo"), "ou": ("ou",), "ung": ("ong",),
    "i": ("i",), "ih": ("i",), "ia": ("ia",), "iang": ("iang",), "iao": ("iao",),
    "ieh": ("ie",), "ien": ("ian",), "in": ("in",), "ing": ("ing",), "iu": ("iu",),
    "iung": ("iong",), "u": ("u",), "ua": ("ua",), "uai": ("uai",), "uan": ("uan",),
    "uang": ("uang",), "uei": ("ui",), "ui": ("ui",), "un": ("un",), "uo": ("uo",),
    "ueh": ("ue",),
}  # fmt: skip
# Whole syllables without an initial consonant in Pinyin's sense.
_WHOLE: dict[str, tuple[str, ...]] = {
    "yu": ("you", "yu"), "yeh": ("ye",), "yen": ("yan",), "yung": ("yong",), "yi": ("yi",),
    "ya": ("ya",), "yang": ("yang",), "yao": ("yao",), "yin": ("yin",), "ying": ("ying",),
    "yuan": ("yuan",), "yueh": ("yue",), "yun": ("yun",), "wa": ("wa",), "wai": ("wai",),
    "wan": ("wan",), "wang": ("wang",), "wei": ("wei",), "wen": ("wen",), "weng": ("weng",),
    "wo": ("wo",), "wu": ("wu",), "ssu": ("si",), "szu": ("si",), "tzu": ("zi", "ci"),
    "tsu": ("zu", "cu"),
}  # fmt: skip
# Spellings that only Wade-Giles uses: without one, a token is not read as Wade-Giles at all.
_MARKERS = ("hs", "ts", "tz", "ung", "ih", "ieh", "ien", "ueh", "szu", "ssu", "erh")
_MARKED = re.compile("|".join(_MARKERS))


def _syllables() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = dict(_WHOLE)
    for initial, pinyin_initials in _INITIALS.items():
        for final, pinyin_finals in _FINALS.items():
            readings = tuple(i + f for i in pinyin_initials for f in pinyin_finals)
            table.setdefault(initial + final, readings)
    return table


_SYLLABLES = _syllables()
_LONGEST = max(len(s) for s in _SYLLABLES)


@lru_cache(maxsize=65536)
def pinyin_readings(token: str, marked: bool = True) -> frozenset[str]:
    """Every Pinyin reading of a token written in Wade-Giles, or nothing.

    - the token must be lower-case ASCII, read entirely as Wade-Giles syllables, and use at least
      one spelling only Wade-Giles has (hs, ts, -ung, -ih...): "tsetung" reads zedong, cedong...;
      "anna" or "tina" are not read at all
    - `marked=False` drops that last condition, for a part of a name that another part shows
      to be Wade-Giles (the Chin-ping of Hsi Chin-ping)
    - at most 64 readings (the first ones of the product), so a long token stays cheap
    """
    if len(token) > _MAX_LENGTH or not token.isalpha() or (marked and not _MARKED.search(token)):
        return frozenset()
    parts = _segment(token)
    if parts is None:
        return frozenset()
    readings: set[str] = set()
    for combo in product(*(_SYLLABLES[p] for p in parts)):
        readings.add("".join(combo))
        if len(readings) >= _MAX_READINGS:
            break
    return frozenset(readings)


def _segment(token: str) -> list[str] | None:
    """Split a token into Wade-Giles syllables, longest first (None when it cannot be split)."""
    best: list[list[str] | None] = [None] * (len(token) + 1)
    best[0] = []
    for end in range(1, len(token) + 1):
        for size in range(min(_LONGEST, end), 0, -1):
            head = best[end - size]
            if head is not None and token[end - size : end] in _SYLLABLES:
                best[end] = [*head, token[end - size : end]]
                break
    return best[len(token)]
