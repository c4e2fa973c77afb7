"""Name similarity: align the tokens of two names and score what agrees, what differs, what is extra.

The rules, in the order they weigh:
- tokens are compared in Latin ASCII through a transliteration-insensitive key, so Abljasow meets
  Ablyazov; scripts without written vowels (Arabic, Hebrew) and syllabic scripts (Chinese,
  Japanese, Khmer) are compared by consonant skeleton as well, but two tokens in one syllabic
  script must agree character by character
- a token on one side with no counterpart on the other is an *extra* (a patronymic, a middle
  name): it costs little; a token that faces a different token is a *substitution* (another
  forename, patronymic, grandfather's or family name): it costs its weight, and each one where a
  family name stands (first or last part) multiplies the score by SUBSTITUTION_FACTOR however
  long the name: forenames never carry a different family name
- two tokens agree only when they are alike for their length (`alike`: typing errors few for the
  length), one of the listed forms of the other (nickname, Ukrainian or Belarusian form, other
  language), an initial of it, or for a script without vowels the same consonants
- an initial meets a forename with the same first letter, for a part of its weight; a listed
  nickname meets its name (Ted/Theodore); Arabic particles meet their other spellings (bin/ibn);
  Wade-Giles meets Pinyin (Tse-tung/Zedong); a patronymic meets only a patronymic
- a name-forming ending both tokens share (-ovich, -dottir, -ullah) is left out of their similarity
- particles (al, bin, de, van) and titles weigh little; two tokens written as one (RamiMakhlouf)
  are split back, one token written in two (Patr ushev) is joined back
- order is free (INTERPOL and court lists put the surname first), except across a filiation
  particle: "Salman bin Muhammad" (Salman, son of Muhammad) is not "Muhammad bin Salman"
- short tokens differing only in vowels (Jong/Jung) or in a hissing first sound (Xi/Shi/Hsi)
  meet for 0.7; a three-syllable Korean name with one given syllable changed (Kim Yong-chol /
  Kim Yong-chun) is lifted to a review score
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter

from anyascii import anyascii
from rapidfuzz.distance import OSA, Indel, JaroWinkler

from monitor.matching import datafiles
from monitor.matching.equivalents import FILIATION, particle_group, shared_affix
from monitor.matching.mandarin import pinyin_readings
from monitor.matching.names import translit_key
from monitor.matching.tokens import INITIAL_WEIGHT, Token, make_token, tokenize

__all__ = ["NameScore", "Token", "compare_names", "score_names", "token_similarity", "tokenize"]

EXTRA_COST = 0.25
PATRONYMIC_EXTRA_COST = 0.1
SUBSTITUTION_COST = 1.5
# Each name part facing a different one multiplies the score by this, however long the name: in
# "UMAR MAHMUD IRHAYYIM AL-KUBAYSI" the three agreeing parts do not make up for another family.
SUBSTITUTION_FACTOR = 0.75
MIN_TOKEN_SIM = 0.55
INITIAL_CREDIT = 0.7
PREFIX_CREDIT = 0.75
NICKNAME_CREDIT = 0.9
MANDARIN_CREDIT = 0.9
VOWEL_CREDIT = 0.7
PARTICLE_CREDIT = 0.97
REVERSED_CREDIT = 0.9
SCRAMBLED_CREDIT = 0.8
HOMOPHONE_CREDIT = 0.75
JOIN_MIN_SIM = 0.8
# Korean given names are two syllables, romanised one by one; lists of aliases hold the same
# person under one different syllable (Kim Yong-chol / Kim Yong-chun) about as often as two people
# (Kim Jong-man / Kim Jong-sik): a review match (it alerts, in the review band, for a human to
# decide), never a strong one.
KOREAN_SYLLABLE_SCORE = 0.62
KOREAN_SYLLABLE_NOTE = "one syllable of a Korean given name differs"
# One romanised Korean syllable (Revised Romanization, McCune-Reischauer without its breves and
# apostrophes, customary spellings such as Young and Lee): onset, vowel, final consonant.
_KOREAN_SYLLABLE = re.compile(
    r"(?:kk|tt|pp|ss|jj|tch|ch|k|g|n|d|t|r|l|m|b|p|s|j|h)?"
    r"(?:yae|yeo|you|wae|ae|ya|eo|ye|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ou|ee|a|e|o|u|i|y)"
    r"(?:ng|k|n|t|l|m|p|r)?"
)
_MIN_SCRAMBLED = 5
_MIN_JOINED = 5


@dataclass(frozen=True)
class NameScore:
    """The similarity of two names and the token pairs behind it.

    - `pairs`: (watched token, query token, similarity), in the watched name's order
    - `extras`: tokens on one side only; `substitutions`: tokens facing a different one
    """

    score: float
    pairs: tuple[tuple[str, str, float], ...]
    extras: int
    substitutions: int
    notes: tuple[str, ...] = ()  # rules that set the score, for the explanation


@lru_cache(maxsize=262144)
def token_similarity(a: Token, b: Token) -> float:
    """Similarity of two tokens in 0..1 (1: the same name however transliterated).

    - same key: 1.0 (0.97 when only the transliteration differs)
    - two tokens of one syllabic script (Chinese, Korean, Japanese) compare character by
      character: a different syllable is a different name, whatever its reading
    - an initial: 0.7 for the same first letter; a patronymic meets only a patronymic; a listed
      nickname or a Wade-Giles spelling: 0.9; a particle's other spelling (bin/ibn, al/el): 0.97
    - otherwise edit similarity of the keys, with credit for a prefix (Alex/Alexander), letters
      reversed or scrambled (nituP, Donlad), and consonant skeletons for abjads
    """
    if a.syllabic and a.syllabic == b.syllabic:
        return _syllable_similarity(a.text, b.text)
    if a.latin != b.latin and _other_onsets(a.latin, b.latin):
        return 0.0  # Jang / Zhang, Young / Jong: other syllables, whatever the key merges
    if a.key == b.key:
        return 1.0 if a.latin == b.latin else 0.97
    if a.initial or b.initial:
        return INITIAL_CREDIT if a.latin[:1] == b.latin[:1] else 0.0
    if a.patronymic != b.patronymic:
        return 0.0  # Oleksandrovych names the father of someone, not an Oleksandr
    if a.particle >= 0 and a.particle == b.particle:
        return PARTICLE_CREDIT
    if b.key in a.nicknames:
        return NICKNAME_CREDIT
    if b.latin in a.readings or a.latin in b.readings:
        return MANDARIN_CREDIT
    return _spelling_similarity(a, b)


def alike(a: Token, b: Token) -> bool:
    """Two spellings a person would take for one name: typing errors few for their length.

    - a spelling of 3 letters or fewer: the same letters, one letter left out of four
      (Asad / Ssad), or two neighbours of three swapped (Sok / Sko); other short forms meet through the vowel, sibilant, prefix and nickname
      rules
    - else, by the longer spelling: one typing error in 4 letters, two in 5 to 8 if at most one
      of them touches a consonant (or, in 7 or 8 letters, both come after the same first
      letter), three in 9 or more (Abdurrahim / Abdurrahman); a typing error is a letter
      changed, added, left out, or two neighbours swapped; a name-forming ending both share
      (-enko, -ovich) does not count in that length (Tkachenko / Lukashenko are other names)
    """
    x, y = a.key, b.key
    shorter, longer = sorted((len(x), len(y)))
    if shorter <= 3:  # Asad / Ssad, Jon / John: one letter left out of four; Sok / Sko
        return (
            x == y
            or (shorter == 3 and longer == 4 and Indel.distance(x, y) == 1)
            or (shorter == longer == 3 and sorted(x) == sorted(y) and OSA.distance(x, y) == 1)
        )
    # the errors allowed go by the length of what differs: a name-forming ending both share
    # (-enko, -ovich) is no room for more (Tkachenko / Lukashenko: Tkach / Lukash)
    stem = longer - shared_affix(x, y)
    allowed = 1 if longer == 4 else 2 if stem <= 8 else 3
    distance = OSA.distance(x, y, score_cutoff=allowed + 1)
    if distance <= 1 or (distance <= allowed and longer >= 9):
        return True
    # two errors in 5 to 8 letters: when one of them at most touches a consonant (Merkel /
    # Merkur, Scholz / Schulze), or in 7 or 8 letters after the same first letter (Starmer /
    # Starkey); Carney / Warner, Tarasov / Baranov, Fernando / Hernande are other names
    if distance > allowed:
        return False
    consonants = OSA.distance(a.consonants, b.consonants, score_cutoff=2)
    return consonants <= 1 or (longer >= 7 and x[0] == y[0])


# The first sound of a romanised Chinese or Korean syllable, by the letters that may write it
# (Revised Romanization, McCune-Reischauer, Pinyin, Wade-Giles): two syllables with first sounds
# of different classes are different syllables, however close their letters.
_ONSETS = (
    ("tch", "ch"), ("ch", "ch"), ("jj", "ch"), ("j", "ch"), ("zh", "zh"), ("ts", "ts"), ("kk", "k"),
    ("k", "k"), ("g", "k"), ("q", "q"), ("x", "x"), ("tt", "t"), ("t", "t"), ("d", "t"),
    ("pp", "p"), ("p", "p"), ("b", "p"), ("ss", "s"), ("sh", "sh"), ("hs", "x"), ("s", "s"),
    ("c", "ts"), ("z", "ts"), ("y", ""), ("w", ""), ("r", "l"), ("l", "l"), ("n", "n"),
    ("m", "m"), ("h", "h"), ("f", "f"),
)  # fmt: skip
_SYLLABLE_MAX = 5
# One romanised Chinese or Korean syllable: Pinyin and Wade-Giles onsets besides the Korean ones.
_ONE_SYLLABLE = re.compile(
    r"(?:zh|sh|hs|ts|kk|tt|pp|ss|jj|tch|ch|k|g|n|d|t|r|l|m|b|p|s|j|h|x|q|c|z|w|f|y)?"
    r"(?:yae|yeo|you|wae|ae|ya|eo|ye|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ou|ee|ia|ua|uo|ai|ei|ao|iu"
    r"|a|e|o|u|i|y)"
    r"(?:ng|k|n|t|l|m|p|r)?"
)


def _onset(latin: str) -> str:
    for letters, sound in _ONSETS:
        if latin.startswith(letters):
            return sound
    return ""  # a vowel


def _other_onsets(a: str, b: str) -> bool:
    """Two one-syllable Chinese or Korean name parts that start with different sounds."""
    if len(a) > _SYLLABLE_MAX or len(b) > _SYLLABLE_MAX:
        return False
    if not (_ONE_SYLLABLE.fullmatch(a) and _ONE_SYLLABLE.fullmatch(b)):
        return False
    x, y = _onset(a), _onset(b)
    return x != y and {x, y} not in _SAME_ONSETS


_SAME_ONSETS = ({"ch", "zh"}, {"ts", "s"}, {"ch", "q"}, {"x", "s"}, {"x", "sh"}, {"", "l"})


def _spelling_similarity(a: Token, b: Token) -> float:
    """Edit similarity of the keys when they are alike (`alike`), with credit for a shared
    prefix, vowels, letters out of order and, for scripts without written vowels, consonants."""
    x, y = a.key, b.key
    sim = _stem_similarity(x, y) if alike(a, b) else 0.0
    short_pair = len(x) <= _SHORT and len(y) <= _SHORT
    if (
        sim < VOWEL_CREDIT
        and short_pair
        and (_vowel_variant(a.latin, b.latin) or _sibilant_variant(x, y))
    ):
        sim = VOWEL_CREDIT
    short, long = (a.latin, b.latin) if len(a.latin) <= len(b.latin) else (b.latin, a.latin)
    if len(short) >= 3 and long.startswith(short):
        sim = max(sim, PREFIX_CREDIT)  # Ben/Benjamin, Alex/Alexander
    if len(x) == len(y) >= _MIN_SCRAMBLED and sorted(x) == sorted(y):
        sim = max(sim, REVERSED_CREDIT if x == y[::-1] else SCRAMBLED_CREDIT)
    if a.vowelless != b.vowelless and _same_ending(a, b):
        sim = max(sim, _consonant_similarity(*_without_final_a(a, b)))
    elif (
        (a.syllabic or b.syllabic)
        and len(a.skel) >= 2
        and a.skel == b.skel
        and _as_many_syllables(a, b)
    ):
        sim = max(sim, SYLLABIC_SKELETON_CREDIT)  # 贝拉克 (bei-la-ke) / Barack: the same consonants
    return sim


def _as_many_syllables(a: Token, b: Token) -> bool:
    """A Hangul token meets a romanised one only when that reads as as many Korean syllables as
    it has characters: 정희 (Jeong-hui) is not Jong, 선우 (Seon-u) is not Son."""
    for hangul, latin in ((a, b), (b, a)):
        if hangul.syllabic == "HANGUL" and not latin.syllabic:
            return bool(_korean_syllables(len(hangul.text)).fullmatch(latin.latin))
    return True


@lru_cache(maxsize=8)
def _korean_syllables(count: int) -> re.Pattern[str]:
    # a lone "y" is no vowel here, or Yong would read as two syllables (y-ong)
    one = _KOREAN_SYLLABLE.pattern.replace("|u|i|y)", "|u|i)")
    return re.compile(f"(?:{one}){{{count}}}")


# Arabic script writes long vowels (alif, ya, waw) and a final -a (ta marbuta, alif maqsura) even
# where it leaves short vowels out: a name ends in a vowel in both scripts or in neither.
_ARABIC_VOWEL_ENDS = frozenset("اىيیوۀةهءأئؤإآ")
_ARABIC_EITHER_ENDS = frozenset("ةهۀ")  # -a, -ah, -at, -e: written alike


def _same_ending(a: Token, b: Token) -> bool:
    """An Arabic-script token and a Latin one end alike: in a vowel (علي / Ali, موسى / Musa) or
    in a consonant (محمد / Muhammad); سلمان (Salman) is not Slimani, محمدی (Mohammadi) not
    Mohammed. A Latin final e may be silent, and ta marbuta may be read or not: either way."""
    arabic, latin = (a, b) if a.vowelless else (b, a)
    last = arabic.text[-1:]
    if not ("\u0600" <= last <= "\u06ff") or last in _ARABIC_EITHER_ENDS:
        return True
    if latin.latin.endswith("e"):  # often silent: Therese / تيريز, George / جورج
        return True
    return (last in _ARABIC_VOWEL_ENDS) == _is_vowel(latin.latin[-1])


def _without_final_a(a: Token, b: Token) -> tuple[str, str]:
    """The consonants of both, without a final ta marbuta (ة, read -a, -ah or -at) and the -h or
    -t a Latin spelling may give it: أسامة is Osama and Usamah, فاطمة Fatima."""
    arabic, latin = (a, b) if a.vowelless else (b, a)
    if arabic.text[-1:] not in "ةۀ":
        return a.consonants, b.consonants
    ours = arabic.consonants[:-1] if arabic.consonants.endswith(("h", "t")) else arabic.consonants
    theirs = latin.consonants
    if latin.latin[-1:] in ("h", "t") and latin.latin[-2:-1] in tuple("aeiou"):
        theirs = theirs[:-1]
    return ours, theirs


VOWELLESS_CREDIT = 0.9
SYLLABIC_SKELETON_CREDIT = 0.85
VOWELLESS_TYPO_CREDIT = 0.8


def _consonant_similarity(x: str, y: str) -> float:
    """A token of a script without short vowels (Arabic) against a Latin one: their consonants
    must be the same (محمد / Muhammad), or one typing error apart in 4 consonants or more; a
    single consonant only meets a short Latin name (علي / Ali)."""
    if not x or not y:
        return 0.0
    if x == y:
        return VOWELLESS_CREDIT if len(x) >= 2 else VOWELLESS_TYPO_CREDIT
    if min(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=2) <= 1:
        return VOWELLESS_TYPO_CREDIT
    return 0.0


_VOWELS = str.maketrans("", "", "aeiouy")
_SHORT = 4


def _vowel_variant(a: str, b: str) -> bool:
    """Short tokens that differ only in their vowels (Un/On, Jong/Jung, Cook/Cock): romanisations
    disagree most on vowels, and edit similarity is too coarse on two or three letters. Both must
    start and end alike (with a vowel or not): Abiy / Ayoub and Il / Ilya are other names."""
    consonants = _single(a.translate(_VOWELS))
    return (
        bool(consonants)
        and consonants == _single(b.translate(_VOWELS))
        and _is_vowel(a[0]) == _is_vowel(b[0])
        and _is_vowel(a[-1]) == _is_vowel(b[-1])
    )


def _is_vowel(letter: str) -> bool:
    return letter in "aeiouy"


def _single(text: str) -> str:
    return re.sub(r"(.)\1+", r"\1", text)


_SIBILANT_ONSET = re.compile(r"^(?:ks|hs|sh|s)")


def _sibilant_variant(a: str, b: str) -> bool:
    """Short tokens that differ only in a hissing first sound (Xi/Shi/Hsi/Si, keys ksi/shi/hsi):
    romanisations and ears disagree on it as much as on vowels."""
    if not (_SIBILANT_ONSET.match(a) and _SIBILANT_ONSET.match(b)):
        return False
    rest = _SIBILANT_ONSET.sub("", a)
    return bool(rest) and rest == _SIBILANT_ONSET.sub("", b)


@lru_cache(maxsize=65536)
def _syllable_similarity(a: str, b: str) -> float:
    """Chinese, Korean or Japanese in one script: every character must agree.

    A character with the reading of the other (a simplified or traditional form, or a homophone)
    agrees in part; any other character is another syllable, so another name (习近平/习近朋).
    """
    if a == b:
        return 1.0
    if len(a) != len(b):
        return 0.0
    credit = 1.0
    for x, y in zip(a, b, strict=True):
        if x != y:
            credit = min(credit, HOMOPHONE_CREDIT if anyascii(x) == anyascii(y) else 0.0)
    return credit


def _stem_similarity(a: str, b: str) -> float:
    """Edit similarity, without a name-forming ending both share (Viktorovich/Borisovich compare
    as Viktor/Boris: a different father, whatever the shared -ovich says)."""
    cut = shared_affix(a, b)
    return _raw_edit(a[:-cut], b[:-cut]) if cut else _raw_edit(a, b)


def _raw_edit(a: str, b: str) -> float:
    lev = OSA.normalized_similarity(a, b)  # a transposition (Adb/Abd) is one typing error
    jaro = JaroWinkler.similarity(a, b)
    indel = Indel.normalized_similarity(a, b)
    if min(len(a), len(b)) <= 3:
        return lev
    return max(lev, (jaro + indel) / 2 - 0.05)


_edit_similarity = lru_cache(maxsize=65536)(_raw_edit)


def compare_names(query: list[Token], target: list[Token]) -> NameScore:
    """Score how well a query name (a record, a text) matches a target name (the watchlist's).

    - tokens written together or apart are first brought to the other side's shape
    - pairs are chosen greedily, best similarity first, each token used once
    - a pair across a filiation particle (the son facing the father) is a substitution
    - score = agreed weight / (agreed weight + substitution cost + extra cost), then the
      substitution factor for each name part that faces a different one
    """
    if len(query) != len(target):
        query, target = _split_joined(query, target), _split_joined(target, query)
    if not query or not target:
        return NameScore(0.0, (), len(query) + len(target), 0)
    sims = _matrix(query, target)
    if len(query) > 1 or len(target) > 1:
        joined_q = _join_split(query, target, [max(row) for row in sims])
        joined_t = _join_split(target, query, [max(col) for col in zip(*sims, strict=True)])
        if joined_q is not query or joined_t is not target:
            query, target = joined_q, joined_t
            sims = _matrix(query, target)
    pairs = _uncross(query, target, _align(sims))
    scored = _loosely_agreed(query, target, pairs, _score(query, target, pairs))
    if scored.score < KOREAN_SYLLABLE_SCORE and _one_korean_syllable(query, target, pairs):
        return replace(scored, score=KOREAN_SYLLABLE_SCORE, notes=(KOREAN_SYLLABLE_NOTE,))
    return scored


# A name part agrees closely when it is the same name (a key, a listed form, the same consonants)
# or one typing error from it; two typing errors, other vowels in a short name or a prefix are a
# loose agreement: as often another person's name with similar letters (Amir / Amin, Perez /
# Teresa) as a misspelling of this one.
CLOSE_SIM = 0.8
# What a name whose agreement rests on loose parts scores at most: a weak match, kept for the
# record, never an alert.
LOOSE_CAP = 0.55
NONE_CLOSE_NOTE = "no name part agrees closely"
LOOSE_AND_MISSING_NOTE = "a name part agrees only loosely and another one is missing"


def _loosely_agreed(
    query: list[Token], target: list[Token], pairs: list[tuple[int, int, float]], scored: NameScore
) -> NameScore:
    """Cap a name that agrees only loosely to a weak match (LOOSE_CAP).

    - two or more name parts paired and none of them closely (Rumana Hossin / Hassan Rouhani,
      Salim Hossen / Saddam Hussein): different names with similar letters; an initial is no
      close agreement
    - a loose pair beside a name part on one side only, particles and patronymics aside (Ilya
      Kim / Kim Kyong Il, Yeycol Hernande Perez / Fernando Perez): one agreeing part and one
      guessed one do not make up for a part that is not there; an initial is no loose pair
    """
    if scored.score <= LOOSE_CAP or not pairs:
        return scored
    sims = [sim for i, j, sim in pairs if not (query[i].initial or target[j].initial)]
    if len(pairs) >= 2 and all(sim < CLOSE_SIM for _, _, sim in pairs):
        return replace(scored, score=LOOSE_CAP, notes=(*scored.notes, NONE_CLOSE_NOTE))
    if any(sim < CLOSE_SIM for sim in sims) and _missing_parts(query, target, pairs):
        return replace(scored, score=LOOSE_CAP, notes=(*scored.notes, LOOSE_AND_MISSING_NOTE))
    return scored


def _missing_parts(
    query: list[Token], target: list[Token], pairs: list[tuple[int, int, float]]
) -> bool:
    """Whether a name part (not a particle, not a patronymic) has no counterpart on either side."""
    used_q = {i for i, _, _ in pairs}
    used_t = {j for _, j, _ in pairs}
    left = [t for k, t in enumerate(query) if k not in used_q]
    left += [t for k, t in enumerate(target) if k not in used_t]
    return any(t.particle < 0 and not t.patronymic for t in left)


@lru_cache(maxsize=1)
def korean_surnames() -> frozenset[str]:
    """Romanised Korean family names (data/korean_surnames.txt), each spelling as written: keys
    would merge Yong (a given syllable) with Jong (a family name)."""
    return frozenset(datafiles.word_list("korean_surnames.txt"))


def _one_korean_syllable(
    query: list[Token], target: list[Token], pairs: list[tuple[int, int, float]]
) -> bool:
    """A Korean family name and one given syllable agree, the other syllable differs.

    Both names have three parts, each one romanised Korean syllable (Mary Ann Lee has no such
    shape). The family name stands first (Korean order) when the first part is a Korean family
    name (data/korean_surnames.txt), else last (a list's "SURNAME, Given" read given name first);
    the two family names must meet each other, and one given syllable another: the third parts
    differ.
    """
    if len(query) != 3 or len(target) != 3 or len(pairs) != 2:
        return False
    if any(sim < PARTICLE_CREDIT for _, _, sim in pairs):
        return False
    if not all(_KOREAN_SYLLABLE.fullmatch(t.latin) for t in (*query, *target)):
        return False
    family = korean_surnames()

    def family_at(tokens: list[Token]) -> int:
        return 0 if tokens[0].latin in family else 2

    i, j = family_at(query), family_at(target)
    return (
        query[i].latin in family and target[j].latin in family and (i, j) in {p[:2] for p in pairs}
    )


def _matrix(query: list[Token], target: list[Token]) -> list[list[float]]:
    return [[token_similarity(a, b) for b in target] for a in query]


def _score(
    query: list[Token], target: list[Token], pairs: list[tuple[int, int, float]]
) -> NameScore:
    agreed = possible = 0.0
    lowest = 1.0
    for i, j, sim in pairs:
        weight = (query[i].weight + target[j].weight) / 2
        agreed += sim * weight
        possible += weight
        lowest = sim if sim < lowest else lowest
    if agreed <= 0:
        return NameScore(0.0, (), len(query) + len(target), 0)
    pairs.sort(key=itemgetter(1))
    shown = tuple([(target[j].latin, query[i].latin, sim) for i, j, sim in pairs])
    if len(pairs) == len(query) == len(target):
        if lowest >= PARTICLE_CREDIT:  # the same tokens, up to order and transliteration
            return NameScore(1.0 if lowest == 1.0 else 0.99, shown, 0, 0)
        return NameScore(min(1.0, agreed / possible), shown, 0, 0)
    left_q = _left(query, {i for i, _, _ in pairs})
    left_t = _left(target, {j for _, j, _ in pairs})
    substituted = list(zip(left_q, left_t, strict=False))
    extras = left_q[len(substituted) :] + left_t[len(substituted) :]
    cost = possible + sum(_extra_cost(t) for t in extras)
    named = 0
    ends = _end_parts(target)
    for a, b in substituted:
        cost += SUBSTITUTION_COST * (a.weight + b.weight) / 2
        named += a.weight >= INITIAL_WEIGHT and b.weight >= INITIAL_WEIGHT and id(b) in ends
    score = agreed / cost * SUBSTITUTION_FACTOR**named
    return NameScore(min(1.0, score), shown, len(extras), len(substituted))


def _end_parts(tokens: list[Token]) -> frozenset[int]:
    """The parts where a family name stands (first or last, particles aside), or every part of a
    name of three parts or fewer (the middle one a patronymic or a second family name): a
    differing family name multiplies the score down; a differing middle name of a longer name
    (Marie-Therese Abena Ondoa / Adina) only costs its weight."""
    named = [t for t in tokens if t.particle < 0]
    if len(named) <= 3:
        return frozenset(id(t) for t in tokens)
    return frozenset({id(named[0]), id(named[-1])})


def _left(tokens: list[Token], used: set[int]) -> list[Token]:
    """Tokens without a counterpart, heaviest first (they are paired as substitutions)."""
    left = [t for k, t in enumerate(tokens) if k not in used]
    return sorted(left, key=lambda t: -t.weight) if len(left) > 1 else left


def _extra_cost(token: Token) -> float:
    return token.weight * (PATRONYMIC_EXTRA_COST if token.patronymic else EXTRA_COST)


def _align(sims: list[list[float]]) -> list[tuple[int, int, float]]:
    scored = [
        (-sim, i, j)
        for i, row in enumerate(sims)
        for j, sim in enumerate(row)
        if sim >= MIN_TOKEN_SIM
    ]
    scored.sort()
    used_q: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for sim, i, j in scored:
        if i not in used_q and j not in used_t:
            used_q.add(i)
            used_t.add(j)
            pairs.append((i, j, -sim))
    return pairs


def _fathers(tokens: list[Token]) -> frozenset[int]:
    """Positions named as someone's parent: "X bin Y" (or "X bin al-Y") names Y."""
    found: set[int] = set()
    for i in range(1, len(tokens) - 1):
        if tokens[i].latin in FILIATION:
            j = i + 1
            while j < len(tokens) - 1 and particle_group(tokens[j].key) is not None:
                j += 1
            found.add(j)
    return frozenset(found)


def _uncross(
    query: list[Token], target: list[Token], pairs: list[tuple[int, int, float]]
) -> list[tuple[int, int, float]]:
    """Drop the pairs of a son/father swap ("Salman bin Muhammad" / "Muhammad bin Salman").

    Only a swap counts: a father's name on one side facing the person's own name on the other,
    and the other way round too. One-way differences are more often a misspelt particle.
    """
    if not any(t.latin in FILIATION for t in query) or not any(
        t.latin in FILIATION for t in target
    ):
        return pairs
    fathers_q, fathers_t = _fathers(query), _fathers(target)
    if not fathers_q or not fathers_t:
        return pairs
    up = [(i, j) for i, j, _ in pairs if i in fathers_q and j not in fathers_t]
    down = [(i, j) for i, j, _ in pairs if i not in fathers_q and j in fathers_t]
    if not up or not down:
        return pairs
    crossed = set(up) | set(down)
    return [(i, j, s) for i, j, s in pairs if (i, j) not in crossed]


# Tokens written together or apart -------------------------------------------------------------


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
            cut = len(first.latin)
            if not 2 <= cut <= size - 2:
                continue
            if _edit_similarity(translit_key(first.latin + second.latin), token.key) >= 0.85:
                return [make_token(token.latin[:cut]), make_token(token.latin[cut:])]
    return [token]


def _join_split(tokens: list[Token], other: list[Token], alone: list[float]) -> list[Token]:
    """Join two or three neighbours that are one token of the other name split apart.

    "Patr ushev" meets "Patrushev" and "Plat Ono Vich" meets "Platonovich"; neighbours are only
    joined when none of them meets a token of the other name on its own (`alone`: each token's
    best similarity). The list itself is returned when nothing is joined.
    """
    weak = [a < JOIN_MIN_SIM for a in alone]
    if not any(x and y for x, y in pairwise(weak)):
        return tokens
    sizes = {len(o.latin) for o in other if not o.initial and len(o.latin) >= _MIN_JOINED}
    if not sizes:
        return tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        joined = _join_at(tokens, alone, i, other, sizes)
        out.append(joined[0] if joined else tokens[i])
        i += joined[1] if joined else 1
    return out if len(out) < len(tokens) else tokens


def _join_at(
    tokens: list[Token], alone: list[float], i: int, other: list[Token], sizes: set[int]
) -> tuple[Token, int] | None:
    for size in (3, 2):
        parts = tokens[i : i + size]
        if len(parts) < size or max(alone[i : i + size]) >= JOIN_MIN_SIM:
            continue
        if any(t.initial or t.syllabic for t in parts):
            continue
        length = sum(len(t.latin) for t in parts)
        if not parts[0].abjad and all(abs(length - n) > 2 for n in sizes):
            continue  # vowels unwritten in abjads: their Latin form is shorter
        joined = make_token("".join(t.latin for t in parts))
        if any(t.readings for t in tokens):  # a name in Wade-Giles: Hsi Chin-ping
            joined = _in_wade_giles(joined)
        if max(token_similarity(joined, o) for o in other if not o.initial) >= JOIN_MIN_SIM:
            return joined, size
    return None


@lru_cache(maxsize=4096)
def _in_wade_giles(token: Token) -> Token:
    """A token read as Wade-Giles because another part of its name is (one object per token)."""
    readings = pinyin_readings(token.latin, marked=False)
    return replace(token, readings=readings) if readings else token


def score_names(query: str, target: str) -> NameScore:
    """Compare two written names (any script, any order)."""
    return compare_names(tokenize(query), tokenize(target))
