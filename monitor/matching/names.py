"""Parsing a written name into roles, and the comparison form of its tokens.

Roles matter for free text (a surname anchors a mention; a forename or an initial confirms it) and
for explanations. The comparison form is Latin ASCII whatever the script, plus a key that forgets
the usual transliteration differences (Abljasow = Ablyazov, Tatjana = Tatiana).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from monitor.matching.normalize import fold_name
from monitor.matching.translit import cyrillic_to_latin, is_cyrillic

PATRONYMIC = re.compile(
    r"(ovich|evich|ovitch|evitch|ovych|evych|ovna|evna|ichna|ivna|ovitsch|ewitsch|owitsch|"
    r"ович|евич|ьич|овна|евна|ична|ивна|uly|ulu|uulu|kyzy|qyzy|ұлы|улы|уулу|кызы|қызы)$"
)
SURNAME_SUFFIX = re.compile(
    r"(ov|ova|ev|eva|yev|yeva|in|ina|sky|skiy|skii|skaya|enko|uk|yuk|chuk|baev|bayev|uly|"
    r"ов|ова|ев|ева|ин|ина|ский|ская|енко|ук|юк|чук|баев)$"
)
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "bin",
        "ben",
        "ibn",
        "bint",
        "abu",
        "abd",
        "da",
        "de",
        "del",
        "della",
        "der",
        "di",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "van",
        "von",
        "ter",
        "ten",
    ]
)
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "sheikh",
        "shaikh",
        "haji",
        "hajji",
        "mullah",
        "president",
        "prasident",
        "presidente",
        "monsieur",
        "madame",
        "mme",
        "herr",
        "frau",
        "senor",
        "senora",
        "general",
        "gen",
        "col",
        "colonel",
        "captain",
        "judge",
    ]
)


_BREAKS = re.compile(r"[\s,;:/·・()\[\]\"“”«»_]+")


@dataclass(frozen=True)
class ParsedName:
    """A name split into roles; every token is lower-case in its own script."""

    forenames: tuple[str, ...]
    surname: tuple[str, ...]
    patronymic: str | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        middle = (self.patronymic,) if self.patronymic else ()
        return self.forenames + middle + self.surname


def split_tokens(text: str) -> list[str]:
    """Word tokens: split on anything but letters, digits, hyphens, apostrophes and dots."""
    return [t for t in _BREAKS.split(text.strip()) if t.strip(".'’-")]


def parse_name(text: str) -> ParsedName:
    """Split a written name into forenames, patronymic and surname.

    - "SURNAME, Forenames" (court lists, INTERPOL exports): the part before the comma is the surname
    - an all-capitals token among mixed-case ones is the surname ("ABLYAZOV Mukhtar")
    - a patronymic (-ovich, -ovna, -uly, -kyzy, in either script) is recognised wherever it stands;
      "Аблязов Мухтар Кабулович" is surname-first because the patronymic comes last
    - two tokens with a surname ending only on the first are surname-first ("Pavlov Aleksandr")
    - otherwise the last token is the surname, with particles before it (le Pen, al-Assad)
    """
    cleaned = " ".join(t for t in split_tokens(text) if fold_name(t) not in TITLES)
    if "," in text:
        head, _, tail = text.partition(",")
        return _roles(split_tokens(tail), split_tokens(head))
    tokens = split_tokens(cleaned)
    upper = [t for t in tokens if t.isupper() and len(t) > 1]
    if upper and len(upper) < len(tokens):
        return _roles([t for t in tokens if t not in upper], upper)
    return _by_position(tokens)


def _by_position(tokens: list[str]) -> ParsedName:
    low = [t.lower() for t in tokens]
    if len(tokens) == 3 and PATRONYMIC.search(low[2]) and not PATRONYMIC.search(low[1]):
        return _roles(tokens[1:], tokens[:1])
    if len(tokens) == 2 and SURNAME_SUFFIX.search(low[0]) and not SURNAME_SUFFIX.search(low[1]):
        return _roles(tokens[1:], tokens[:1])
    if len(tokens) <= 1:
        return ParsedName((), tuple(low))
    cut = len(tokens) - 1
    while cut > 1 and low[cut - 1].strip("-") in PARTICLES:
        cut -= 1
    return _roles(tokens[:cut], tokens[cut:])


def _roles(given: list[str], surname: list[str]) -> ParsedName:
    low = [t.lower() for t in given]
    patronymics = [t for t in low if PATRONYMIC.search(t)]
    forenames = tuple(t for t in low if t not in patronymics)
    patronymic = patronymics[-1] if patronymics and forenames else None
    if patronymics and not forenames:
        forenames = tuple(low)
    return ParsedName(forenames, tuple(t.lower() for t in surname), patronymic)


@lru_cache(maxsize=65536)
def latin_form(token: str) -> str:
    """The Latin ASCII form of one token in any script (Cyrillic through BGN/PCGN-like spelling).

    - lookalike letters are folded first, so "Pаvlov" with a Cyrillic "а" reads "pavlov"
    - Cyrillic goes through our transliteration (Kazakh letters included), other scripts anyascii
    """
    folded = fold_name(token)
    if is_cyrillic(token):
        forms = cyrillic_to_latin(token.lower())
        by_scheme = {provenance: form for form, provenance in forms}
        folded = by_scheme.get("BGN/PCGN") or (forms[0][0] if forms else folded)
    elif not folded.isascii():
        folded = fold_name(anyascii(folded))
    return "".join(c for c in folded if c.isalnum())


_KEY_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "sh"), ("sch", "sh"), ("tsch", "ch"), ("tch", "ch"), ("cz", "ch"), ("sz", "sh"),
    ("zh", "j"), ("dzh", "j"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("ck", "k"),
    ("ou", "u"), ("w", "v"), ("x", "ks"), ("q", "k"), ("ts", "c"), ("tz", "c"), ("z", "s"),
    ("y", "i"), ("j", "i"), ("ie", "e"), ("ee", "i"), ("oo", "u"),
)  # fmt: skip


@lru_cache(maxsize=131072)
def translit_key(latin: str) -> str:
    """A key that forgets transliteration choices: Abljasow, Abliazov, Ablyazov -> "abliasov".

    - digraph spellings of one sound become one letter (kh/ch, sch/sh, zh/j, w/v, y/i/j, z/s)
    - "i" between two vowels drops (Ketebayev = Ketebaev) and doubled letters collapse
    """
    key = latin
    for old, new in _KEY_RULES:
        key = key.replace(old, new)
    key = re.sub(r"(?<=[aeiou])i(?=[aeiou])", "", key)
    key = re.sub(r"(.)\1+", r"\1", key)
    return key.removesuffix("f") + "v" if key.endswith("of") else key


_SKELETON_MERGE = str.maketrans("pfvwqgcztdlr", "bbbbkkksttll")


@lru_cache(maxsize=131072)
def skeleton(latin: str) -> str:
    """Consonant skeleton: first letter, then consonants with close sounds merged (b=p, l=r...).

    Scripts without written vowels (Arabic, Hebrew) and syllabic ones (Chinese, Japanese) meet the
    Latin spelling here and nowhere else.
    """
    if not latin:
        return ""
    rest = re.sub(r"[aeiouyhw']", "", latin[1:]).translate(_SKELETON_MERGE)
    head = latin[0].translate(_SKELETON_MERGE)
    return re.sub(r"(.)\1+", r"\1", head + rest)
