"""Name tokens that are written differently but mean the same: nicknames and Arabic particles.

Edit distance cannot see that Ted is Theodore, or that "bin" and "ibn" are one word; these tables
can. Both sides are compared through the transliteration key (`names.translit_key`), so Bill,
Bil and Byll meet one entry.
"""

from __future__ import annotations

import csv
from functools import lru_cache

from monitor.matching import datafiles
from monitor.matching.names import translit_key
from monitor.matching.translit import belarusian_pairs, ukrainian_pairs

# Arabic particles that differ only by transliteration ("bin", "ibn", "ben": son of).
FILIATION = frozenset(["bin", "ibn", "ben", "bint", "binti", "ould", "walad", "ibni"])
_PARTICLE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset(["bin", "ibn", "ben", "ibni", "b"]),  # son of
    frozenset(["bint", "binti"]),  # daughter of
    frozenset(["al", "el", "ul", "il", "ol"]),  # the article
    frozenset(["abu", "abou", "abo", "bu"]),  # father of
    frozenset(["abd", "abdul", "abdel", "abdal", "abdoul", "abdool", "abdil", "abdol"]),
)
# Endings that make names out of other names: a patronymic (-ovich, -dottir, -uly), a theophoric
# (-ullah, -uddin), a tribal or family suffix (-zai, -shvili, -enko, -ov). Thousands of different
# names share each; two names that share one are as alike as what comes before it.
NAME_AFFIXES = (
    "ovich", "evich", "ovna", "evna", "ichna", "ivna", "ovic", "evic", "ovych", "evych",
    "uly", "kyzy", "ogly", "oglu", "zade", "dottir", "sdottir", "sson", "sen", "son",
    "ullah", "ulla", "uddin", "eddine", "addin", "allah", "zai", "khel", "shvili", "dze",
    "enko", "chuk", "yuk", "ovsky", "evsky", "sky", "skiy", "skaya", "ian", "yan",
    "ova", "eva", "ina", "ov", "ev", "in",
)  # fmt: skip
_MIN_NICKNAME = 3  # "al", "ed", "jo" are particles and initials more often than nicknames


@lru_cache(maxsize=1)
def _nicknames() -> dict[str, frozenset[str]]:
    """Key -> keys of its listed nicknames and of the names it is a nickname of (both ways)."""
    table: dict[str, set[str]] = {}
    for row in csv.DictReader(datafiles.text("nicknames.csv").splitlines()):
        name, nick = row["name1"].strip().lower(), row["name2"].strip().lower()
        if min(len(name), len(nick)) < _MIN_NICKNAME:
            continue
        _link(table, name, nick)
    for russian, national in (*ukrainian_pairs(), *belarusian_pairs()):
        _link(table, russian, national)
    for line in datafiles.text("given_name_forms.txt").splitlines():
        forms = [] if line.startswith("#") else line.split()
        for i, form in enumerate(forms):
            for other in forms[i + 1 :]:
                _link(table, form, other)
    return {key: frozenset(keys) for key, keys in table.items()}


def _link(table: dict[str, set[str]], name: str, other: str) -> None:
    a, b = translit_key(name), translit_key(other)
    if a != b:
        table.setdefault(a, set()).add(b)
        table.setdefault(b, set()).add(a)


@lru_cache(maxsize=1)
def _affix_keys() -> tuple[frozenset[str], tuple[int, ...]]:
    keys = frozenset(translit_key(affix) for affix in NAME_AFFIXES)
    return keys, tuple(sorted({len(k) for k in keys}, reverse=True))


def shared_affix(a: str, b: str) -> int:
    """Length of the longest name-forming ending both keys have (0 if none); stems keep 3 letters."""
    if a[-2:] != b[-2:]:
        return 0  # every ending is two letters or more
    keys, sizes = _affix_keys()
    shortest = min(len(a), len(b))
    for size in sizes:
        ending = a[-size:]
        if shortest - size >= 3 and ending in keys and b.endswith(ending):
            return size
    return 0


@lru_cache(maxsize=1)
def _particle_keys() -> dict[str, int]:
    return {translit_key(word): i for i, group in enumerate(_PARTICLE_GROUPS) for word in group}


def particle_group(key: str) -> int | None:
    """The group of an Arabic particle (son of, daughter of, the, father of, servant of), if any."""
    return _particle_keys().get(key)


def load() -> None:
    """Read the tables now (index build time) rather than on the first comparison."""
    _nicknames()
    _affix_keys()
    _particle_keys()


def nicknames_of(key: str) -> frozenset[str]:
    """Keys of the names listed as a nickname of this one, or that it is a nickname of.

    - pairs come from data/nicknames.csv (English given names and their nicknames): Theodore
      gives Ted, Teddy and Theo; Ted gives Theodore and Edward
    - and from the Ukrainian and Belarusian forms of Russian names, in Latin (names-translator,
      data/be_forenames.csv): Aleksandr meets Oleksandr and Aliaksandr, Nikolay Mykola and Mikalai
    - and from data/given_name_forms.txt: one name in other languages and its diminutives, all
      meeting each other (Juan, Jean, Ivan and John; Bibi and Benjamin)
    - only the listed pairs: Theodore and Edward share Ted, and still do not meet each other
    """
    return _nicknames().get(key, frozenset())
