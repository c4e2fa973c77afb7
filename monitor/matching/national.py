"""Belarusian and Kazakh forms of a surname or patronymic written in Russian (data/national_endings.csv).

A Belarusian or Kazakh person is often on a watchlist under the Russian form of the name
(Тихановская, Назарбаев) and written in the news or on a list under the national one
(Tsikhanouskaya, Nazarbayuly). The forms are made from the Russian Cyrillic, by rule:
- Belarusian: the ending as Belarusian writes it (-ов -> -оў or -аў, -ский -> -скі, -енко -> -энка,
  -ова -> -ава), the stem's letters as Belarusian spells them (и -> і; т, д before a soft vowel ->
  ц, дз: Тихан- -> Ціхан-), then the Belarusian national romanisation (Ў -> u, Г -> h): Ціханоўская
  -> tsikhanouskaya. Stress is unknown, so both -оў and -аў are made, and unstressed о in the stem
  stays о
- Kazakh, for a person with Kazakh nationality or Kazakh letters in the name: the Russian -ов/-ев
  dropped (Назарбаев -> Назарбай, Жанболатов -> Жанболат) or replaced by -ұлы for a man, -қызы for
  a woman (Жанболатұлы, Назарбайқызы); a patronymic -ович/-овна becomes -ұлы/-қызы (Кемелевич ->
  Кемелұлы); then every Cyrillic scheme's spelling (nazarbayuly, nazarbaiuly...)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from monitor.matching import datafiles

BELARUSIAN = "be"
KAZAKH = "kk"
PROVENANCE = {
    BELARUSIAN: "Belarusian form (data/national_endings.csv, Belarusian national romanisation 2007)",
    KAZAKH: "Kazakh form (data/national_endings.csv: -ов/-ев dropped, -ұлы/-қызы)",
}
_SOFT = frozenset("еёиюяьі")
_HARD_BEFORE_E = frozenset("жшчцр")  # after these Belarusian writes э for е
_MIN_STEM = 3


@dataclass(frozen=True)
class _Ending:
    lang: str
    role: str
    sex: str  # "M", "F" or "" for both
    russian: str
    national: str


@lru_cache(maxsize=1)
def _endings() -> tuple[_Ending, ...]:
    rows = csv.DictReader(datafiles.text("national_endings.csv").splitlines())
    found = [_Ending(r["lang"], r["role"], r["sex"], r["ru"], r["national"]) for r in rows]
    return tuple(sorted(found, key=lambda e: -len(e.russian)))  # longest ending first


def national_forms(
    token: str, role: str, sex: str | None, kazakh: bool
) -> tuple[tuple[str, str], ...]:
    """(Cyrillic form, language) for a Russian-written surname or patronymic (lower case).

    - Belarusian forms for every Russian-written name part that has a listed ending
    - Kazakh forms only when `kazakh` (the person is Kazakh), of the person's own sex (a man's
      when it is unknown)
    """
    low = token.lower()
    out: dict[str, str] = {}
    for lang in (BELARUSIAN, KAZAKH) if kazakh else (BELARUSIAN,):
        matched = ""
        for ending in _endings():
            if ending.lang != lang or ending.role != role or not low.endswith(ending.russian):
                continue
            if ending.sex and ending.sex != (sex or "M"):
                continue
            if matched and ending.russian != matched:
                continue  # only the longest listed ending applies (-овский, not -ский)
            matched = ending.russian
            stem = low[: -len(ending.russian)]
            if len(stem) < _MIN_STEM:
                continue
            form = (
                _belarusian(stem, ending.national) if lang == BELARUSIAN else _kazakh(stem, ending)
            )
            if form != low:
                out.setdefault(form, lang)
    return tuple(out.items())


def _belarusian(stem: str, ending: str) -> str:
    """The stem's letters as Belarusian writes them, then the Belarusian ending."""
    word = stem + ending
    letters: list[str] = []
    for i, char in enumerate(word):
        following = word[i + 1] if i + 1 < len(word) else ""
        previous = letters[-1][-1:] if letters else ""
        if i < len(stem) and char == "т" and following in _SOFT:
            char = "ц"
        elif i < len(stem) and char == "д" and following in _SOFT:
            char = "дз"
        elif i < len(stem) and char == "и":
            char = "і"
        elif i < len(stem) and char == "щ":
            char = "шч"
        elif i < len(stem) and char == "е" and previous in _HARD_BEFORE_E:
            char = "э"
        letters.append(char)
    return "".join(letters)


def _kazakh(stem: str, ending: _Ending) -> str:
    """Назарба + ев -> Назарбай (+ ұлы): a vowel before the dropped -ев keeps its й."""
    if ending.russian.startswith("е") and stem[-1:] in "аеиоуыэюяәөұүі":
        stem += "й"
    return stem + ending.national
