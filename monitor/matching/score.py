"""Name similarity: align the tokens of two names and score what agrees, what differs, what is extra.

The rules, in the order they weigh:
- tokens are compared in Latin ASCII through a transliteration-insensitive key, so Abljasow meets
  Ablyazov; scripts without written vowels (Arabic, Hebrew) and syllabic scripts (Chinese,
  Japanese, Khmer) are compared by consonant skeleton as well
- a token on one side with no counterpart on the other is an *extra* (a patronymic, a middle
  name): it costs little; a token that faces a different token is a *substitution* (another
  forename, another patronymic): it costs its full weight
- an initial meets a forename with the same first letter, for a part of its weight
- particles (al, bin, de, van) and titles weigh little; two tokens written as one (RamiMakhlouf)
  are split back
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import Indel, JaroWinkler, Levenshtein

from monitor.matching.names import PARTICLES, PATRONYMIC, TITLES, latin_form, skeleton, translit_key
from monitor.matching.normalize import fold_name

EXTRA_COST = 0.25
PATRONYMIC_EXTRA_COST = 0.1
SUBSTITUTION_COST = 1.5
MIN_TOKEN_SIM = 0.55
CREDIT_POWER = 1
INITIAL_CREDIT = 0.7
PREFIX_CREDIT = 0.75
_DIGITS = str.maketrans("0134579", "oieasrg")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_BREAKS = re.compile(r"[\s,;:/·・()\[\]\"“”«»\-‐–—_]+|\.(?=\S)")


@dataclass(frozen=True)
class Token:
    """One token of a name, in every form the comparison needs."""

    text: str  # folded, own script
    latin: str  # Latin ASCII
    key: str  # translit_key(latin)
    skel: str  # consonant skeleton
    weight: float
    abjad: bool  # written without vowels, or syllabic: compare skeletons too
    initial: bool
    patronymic: bool


@dataclass(frozen=True)
class NameScore:
    """The similarity of two names and the token pairs behind it."""

    score: float
    pairs: tuple[tuple[str, str, float], ...]
    extras: int
    substitutions: int


_ABJAD_SCRIPTS = ("ARABIC", "HEBREW", "CJK", "HIRAGANA", "KATAKANA", "KHMER", "THAI", "HANGUL",
                  "ETHIOPIC", "SYRIAC", "THAANA", "LAO", "MYANMAR")  # fmt: skip


def _script_is_abjad(text: str) -> bool:
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            return name.startswith(_ABJAD_SCRIPTS)
    return False


@lru_cache(maxsize=131072)
def make_token(raw: str) -> Token:
    """Build the comparison forms of one raw token (any script, any case)."""
    folded = fold_name(raw).replace(" ", "")
    latin = latin_form(raw.translate(_DIGITS) if any(c.isdigit() for c in raw) else raw)
    key = translit_key(latin)
    abjad = _script_is_abjad(raw)
    initial = len(latin) == 1 or (len(latin) <= 2 and raw.endswith("."))
    weight = _weight(latin, initial)
    return Token(
        folded,
        latin,
        key,
        skeleton(latin),
        weight,
        abjad,
        initial,
        bool(PATRONYMIC.search(raw.lower())),
    )


def _weight(latin: str, initial: bool) -> float:
    if initial:
        return 0.5
    if latin in PARTICLES:
        return 0.3
    return min(1.0, 0.4 + len(latin) * 0.1)


def tokenize(name: str) -> list[Token]:
    """Tokens of a written name.

    - camel case split (RamiMakhlouf), titles dropped, hyphens, dots and other marks as breaks
    - a short run of capitals without a vowel is a run of initials (JC -> J, C)
    """
    spaced = _CAMEL.sub(" ", name)
    words = [w for w in _BREAKS.split(spaced) if w.strip(".'’`")]
    words = [part for w in words for part in _initials(w)]
    out = [make_token(w) for w in words]
    kept = [t for t in out if t.latin and t.latin not in TITLES]
    return kept or [t for t in out if t.latin]


def _initials(word: str) -> list[str]:
    if 2 <= len(word) <= 3 and word.isupper() and word.isascii() and not set(word) & set("AEIOUY"):
        return list(word)
    return [word]


def token_similarity(a: Token, b: Token) -> float:
    """Similarity of two tokens in 0..1 (1: the same name however transliterated)."""
    if a.key == b.key:
        return 1.0 if a.latin == b.latin else 0.97
    if a.initial or b.initial:
        return INITIAL_CREDIT if a.latin[:1] == b.latin[:1] else 0.0
    sim = _edit_similarity(a.key, b.key)
    short, long = sorted((a.latin, b.latin), key=len)
    if len(short) >= 3 and long.startswith(short):
        sim = max(sim, PREFIX_CREDIT)  # Ben/Benjamin, Alex/Alexander
    if a.abjad or b.abjad:
        sim = max(sim, _skeleton_similarity(a, b))
    return sim


@lru_cache(maxsize=262144)
def _edit_similarity(a: str, b: str) -> float:
    lev = Levenshtein.normalized_similarity(a, b)
    jaro = JaroWinkler.similarity(a, b)
    indel = Indel.normalized_similarity(a, b)
    if min(len(a), len(b)) <= 3:
        return lev
    return max(lev, (jaro + indel) / 2 - 0.05)


def _skeleton_similarity(a: Token, b: Token) -> float:
    if not a.skel or not b.skel:
        return 0.0
    return Indel.normalized_similarity(a.skel, b.skel) * 0.95


def compare_names(query: list[Token], target: list[Token]) -> NameScore:
    """Score how well a query name (a record, a text) matches a target name (the watchlist's).

    - pairs are chosen greedily, best similarity first, each token used once
    - score = agreed weight / (agreed weight + substitution cost + extra cost)
    """
    if len(query) != len(target):
        query, target = _split_joined(query, target), _split_joined(target, query)
    elif sorted(t.key for t in query) == sorted(t.key for t in target):
        return _identical(query, target)
    pairs, left_q, left_t = _align(query, target)
    agreed = sum(sim * (a.weight + b.weight) / 2 for a, b, sim in pairs)
    possible = sum((a.weight + b.weight) / 2 for a, b, _ in pairs)
    if not pairs or agreed <= 0:
        return NameScore(0.0, (), len(left_q) + len(left_t), 0)
    sub_q = sorted(left_q, key=lambda t: -t.weight)
    sub_t = sorted(left_t, key=lambda t: -t.weight)
    n_sub = min(len(sub_q), len(sub_t))
    substituted = sum((a.weight + b.weight) / 2 for a, b in zip(sub_q, sub_t, strict=False))
    extras = sub_q[n_sub:] + sub_t[n_sub:]
    extra_cost = sum(
        t.weight * (PATRONYMIC_EXTRA_COST if t.patronymic else EXTRA_COST) for t in extras
    )
    score = agreed / (possible + SUBSTITUTION_COST * substituted + extra_cost)
    shown = tuple((b.latin, a.latin, round(sim, 4)) for a, b, sim in pairs)
    return NameScore(min(1.0, score), shown, len(extras), n_sub)


def _identical(query: list[Token], target: list[Token]) -> NameScore:
    """Same tokens up to order and transliteration: the alignment is the sorted one."""
    pairs = zip(
        sorted(query, key=lambda t: t.key), sorted(target, key=lambda t: t.key), strict=True
    )
    shown = tuple((b.latin, a.latin, 1.0 if a.latin == b.latin else 0.97) for a, b in pairs)
    exact = all(sim == 1.0 for _, _, sim in shown)
    return NameScore(1.0 if exact else 0.99, shown, 0, 0)


def _align(
    query: list[Token], target: list[Token]
) -> tuple[list[tuple[Token, Token, float]], list[Token], list[Token]]:
    scored = sorted(
        ((token_similarity(a, b), i, j) for i, a in enumerate(query) for j, b in enumerate(target)),
        reverse=True,
    )
    used_q: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[Token, Token, float]] = []
    for sim, i, j in scored:
        if sim < MIN_TOKEN_SIM or i in used_q or j in used_t:
            continue
        used_q.add(i)
        used_t.add(j)
        pairs.append((query[i], target[j], sim))
    left_q = [t for i, t in enumerate(query) if i not in used_q]
    left_t = [t for j, t in enumerate(target) if j not in used_t]
    return pairs, left_q, left_t


def _split_joined(tokens: list[Token], other: list[Token]) -> list[Token]:
    """Split a token that is two tokens of the other name written together (SergeiLavrov)."""
    if len(other) < 2:
        return tokens
    out: list[Token] = []
    for token in tokens:
        out += _split_one(token, other)
    return out


def _split_one(token: Token, other: list[Token]) -> list[Token]:
    if token.initial or len(token.latin) < 6:
        return [token]
    size = len(token.latin)
    for a, b in pairwise(other):
        if abs(len(a.latin) + len(b.latin) - size) > 2:
            continue
        for first, second in ((a, b), (b, a)):
            if _edit_similarity(translit_key(first.latin + second.latin), token.key) >= 0.85:
                cut = len(first.latin)
                return [make_token(token.latin[:cut]), make_token(token.latin[cut:])]
    return [token]


def score_names(query: str, target: str) -> NameScore:
    """Compare two written names (any script, any order)."""
    return compare_names(tokenize(query), tokenize(target))
