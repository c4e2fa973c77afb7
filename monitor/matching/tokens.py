"""The tokens of a written name, in every form the comparison needs (`score.compare_names`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from monitor.matching.equivalents import nicknames_of, particle_group
from monitor.matching.mandarin import pinyin_readings
from monitor.matching.names import PARTICLES, PATRONYMIC, TITLES, latin_form, skeleton, translit_key
from monitor.matching.normalize import fold_name

_DIGITS = str.maketrans("0134579", "oieasrg")
# A capital after two lower-case letters starts a new word (RamiMakhlouf, JanDaniel); "McDonald"
# and "LeBron" stay whole, and so does a stray capital at the end of a word ("nituP").
_CAMEL = re.compile(r"(?<=[a-z][a-z])(?=[A-Z][a-z])")
_BREAKS = re.compile(r"[\s,;:/·・()\[\]\"“”«»\-‐–—_]+|\.(?=\S)")
_ABJAD_SCRIPTS = ("ARABIC", "HEBREW", "CJK", "HIRAGANA", "KATAKANA", "KHMER", "THAI", "HANGUL",
                  "ETHIOPIC", "SYRIAC", "THAANA", "LAO", "MYANMAR")  # fmt: skip
_SYLLABLE_SCRIPTS = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")
# Scripts that leave short vowels unwritten: their tokens meet Latin ones by consonants alone.
_VOWELLESS_SCRIPTS = ("ARABIC", "HEBREW", "SYRIAC", "THAANA", "KHMER")
_ARABIC_ARTICLE = "\u0627\u0644"  # al-, written joined to the name
_MATRES = str.maketrans("", "", "wy")  # waw and ya: long vowels as often as consonants
_CONSONANT_MERGE = str.maketrans("pfvgqc", "bbbkkk")
_NOT_CONSONANT = re.compile(r"[aeiou'`]")


@dataclass(frozen=True, eq=False)
class Token:
    """One token of a name, in every form the comparison needs.

    Tokens come from `make_token`, which caches them, so one spelling is one object: they compare
    and hash by identity, which keeps the similarity cache (`score.token_similarity`) cheap.
    """

    text: str  # folded, own script
    latin: str  # Latin ASCII
    key: str  # translit_key(latin)
    skel: str  # consonant skeleton
    weight: float
    abjad: bool  # written without vowels, or syllabic: compare skeletons too
    initial: bool
    patronymic: bool
    syllabic: str = ""  # "CJK", "HANGUL"...: one character is one syllable of the name
    particle: int = -1  # group of an Arabic particle (bin = ibn = ben...), -1 for none
    nicknames: frozenset[str] = frozenset()  # keys of its listed nicknames (Ted for Theodore)
    readings: frozenset[str] = frozenset()  # Pinyin readings of a Wade-Giles token
    consonants: str = ""  # the consonants as written (`consonant_form`), to meet vowelless scripts
    vowelless: bool = False  # written in Arabic, Hebrew...: short vowels are not written


def _script(text: str) -> str:
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "").split(" ")[0]
    return ""


@lru_cache(maxsize=131072)
def make_token(raw: str) -> Token:
    """Build the comparison forms of one raw token (any script, any case)."""
    folded = fold_name(raw).replace(" ", "")
    latin = latin_form(raw.translate(_DIGITS) if any(c.isdigit() for c in raw) else raw)
    initial = len(latin) == 1 or (len(latin) <= 2 and raw.endswith("."))
    script = _script(raw)
    key = translit_key(latin)
    group = particle_group(key)
    vowelless = script.startswith(_VOWELLESS_SCRIPTS)
    return Token(
        folded,
        latin,
        key,
        skeleton(latin),
        _weight(latin, initial),
        script.startswith(_ABJAD_SCRIPTS),
        initial,
        bool(PATRONYMIC.search(raw.lower())),
        script if script.startswith(_SYLLABLE_SCRIPTS) else "",
        -1 if group is None else group,
        nicknames_of(key),
        pinyin_readings(latin),
        consonant_form(raw, latin) if vowelless else consonant_form("", key),
        vowelless,
    )


def consonant_form(raw: str, latin: str) -> str:
    """The consonants of a token, as a script without short vowels writes them.

    - Latin: its transliteration key without vowels (Muhammad, Mohamed -> mhmd)
    - Arabic: its Latin form without the joined article al- and without waw and ya, which are
      long vowels as often as consonants (محمد -> mhmd, القذافي -> kdb as Qadhafi, Gaddafi)
    - close sounds merged (b=p=f=v, k=g=q=c), doubled letters collapsed; d and t, l and r stay
      apart (مراد is Murad, not Marat)
    """
    if raw.startswith(_ARABIC_ARTICLE) and len(raw) > 4:
        raw = raw[2:]
    if raw:  # letter by letter: ز then ه is z-h, not the digraph zh (حمزة is Hamza)
        latin = "".join(translit_key(latin_form(c).translate(_MATRES)) for c in raw)
    bare = _NOT_CONSONANT.sub("", latin).replace("th", "t").replace("dh", "d")
    bare = bare.translate(_CONSONANT_MERGE)
    return re.sub(r"(.)\1+", r"\1", bare.translate(_MATRES) if raw else bare)


INITIAL_WEIGHT = 0.5


def _weight(latin: str, initial: bool) -> float:
    if initial:
        return INITIAL_WEIGHT
    if latin in PARTICLES:
        return 0.3
    return min(1.0, 0.4 + len(latin) * 0.1)


def tokenize(name: str) -> list[Token]:
    """Tokens of a written name.

    - camel case split (RamiMakhlouf), titles in Latin letters dropped, hyphens, dots and other marks as breaks
    - honorifics (Hafiz, Maulana, Sahib...) dropped where two other name parts remain
    - a short run of capitals without a vowel is a run of initials (JC -> J, C)
    - "SURNAME, Forenames" is read "Forenames SURNAME" (order matters around "bin", "ibn")
    """
    head, comma, tail = name.partition(",")
    if comma and "," not in tail and tail.strip():
        name = f"{tail} {head}"
    spaced = _CAMEL.sub(" ", name)
    words = [w for w in _BREAKS.split(spaced) if w.strip(".'’`")]
    words = [part for w in words for part in _initials(w)]
    out = [make_token(w) for w in words]
    kept = [t for t in out if t.latin and not _title(t)]
    return _without_honorifics(kept) or [t for t in out if t.latin]


def _title(token: Token) -> bool:
    """Mr, Dr, Prof... written in Latin letters: عمار (Ammar) reads "mr" and is a name."""
    return token.latin in TITLES and token.text.isascii()


# Religious and social honorifics of South Asia and the Middle East, written before or after a
# name (Hafiz Muhammad Saeed, Maulana Masood Azhar, Rehman Sahib); some are also given names
# (Hafez al-Assad), so they only go where two other name parts remain.
HONORIFICS = frozenset(
    ["hafiz", "hafez", "haji", "hajji", "hadji", "alhaji", "alhaj", "maulana", "mawlana", "moulana",
     "maulvi", "mawlawi", "molvi", "moulvi", "mufti", "qari", "sahib", "saheb", "sahab", "saab",
     "sheikh", "shaikh", "shaykh", "sheik", "mullah", "mulla", "ustad", "sayyid", "syed", "pir"]
)  # fmt: skip


def _without_honorifics(tokens: list[Token]) -> list[Token]:
    rest = [t for t in tokens if t.latin not in HONORIFICS]
    named = [t for t in rest if t.particle < 0 and not t.initial]
    return rest if len(rest) < len(tokens) and len(named) >= 2 else tokens


def _initials(word: str) -> list[str]:
    if 2 <= len(word) <= 3 and word.isupper() and word.isascii() and not set(word) & set("AEIOUY"):
        return list(word)
    return [word]
