"""Free-text matching: one automaton pass over the folded text, then verification of every hit.

The automaton holds every surname variant of every watched person (all scripts, declined forms,
the other gender's forms). A hit becomes a mention only when it stands on Unicode word boundaries,
and it becomes a full-name mention only when a forename variant or an initial stands next to it,
before (Mukhtar Ablyazov, M. Ablyazov, Мухтара Аблязова) or after (ABLYAZOV Mukhtar, Аблязов
Мухтар Кабулович). Up to two middle parts the watchlist does not know may stand between forename
and surname (Mukhtar K. Ablyazov, Chad Adrian Greer, Мухтар К. Аблязов) at a small cost each.
A surname alone is a weak mention for a distinctive surname, nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from monitor.matching.names import PATRONYMIC
from monitor.matching.normalize import FoldedText, fold
from monitor.matching.variants import NameParts, Variant

FULL_NAME_SCORE = 1.0
INITIAL_SCORE = 0.8
INITIAL_COMMON_SCORE = 0.5
SURNAME_ONLY_SCORE = 0.5
# Each unknown middle part (an initial, a middle name) between forename and surname costs this
# much: "Mukhtar K. Ablyazov" stays a strong full-name mention, just below the bare full name.
MIDDLE_PART_COST = 0.03
MAX_MIDDLE_PARTS = 2
_WINDOW = 48


class Word(NamedTuple):
    """A word of the folded text next to a hit.

    Word, Mention and Hit are named tuples: made for every hit of running text, they cost a
    third of a frozen dataclass to build.
    """

    text: str
    start: int
    end: int


class Mention(NamedTuple):
    """A verified hit, before it becomes a TextMatch."""

    person: int
    surname: Variant
    start: int  # folded offsets of the whole mention
    end: int
    score: float
    kind: str  # "full name", "initial", "surname only"
    forename: Variant | None = None
    notes: tuple[str, ...] = ()


def on_boundaries(folded: str, start: int, end: int) -> bool:
    """True when the hit is a whole word (Unicode letters and digits, not ASCII only)."""
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not before.isalnum() and not after.isalnum()


def words_before(folded: str, start: int, count: int = 3) -> list[Word]:
    """Up to `count` words before `start`, nearest first (the fold leaves only words and spaces)."""
    lo = max(0, start - _WINDOW)
    parts = folded[lo:start].split()
    if parts and lo > 0 and folded[lo - 1] != " " and folded[lo] != " ":
        parts = parts[1:]  # the window cut a word
    out: list[Word] = []
    right = start
    for word in reversed(parts[-count:]):
        left = folded.rfind(word, lo, right)
        out.append(Word(word, left, left + len(word)))
        right = left
    return out


def words_after(folded: str, end: int, count: int = 3) -> list[Word]:
    """Up to `count` words after `end`, nearest first."""
    hi = min(len(folded), end + _WINDOW)
    parts = folded[end:hi].split()
    if parts and hi < len(folded) and folded[hi] != " " and folded[hi - 1] != " ":
        parts = parts[:-1]
    out: list[Word] = []
    left = end
    for word in parts[:count]:
        at = folded.find(word, left, hi)
        out.append(Word(word, at, at + len(word)))
        left = at + len(word)
    return out


def _gap_ok(
    text: FoldedText, left_end: int, right_start: int, after_initial: bool, strict: bool = False
) -> bool:
    """Only spaces, a comma, a hyphen, or an initial's dot may stand between parts of a name;
    `strict` (beside a middle part) allows spaces and an initial's dot only."""
    if text.anchors:
        gap = text.original[text.to_original(left_end) : text.to_original(right_start)]
    else:
        gap = text.original[left_end:right_start]
    if gap == " ":
        return True
    stripped = gap.strip()
    if stripped == "" or (stripped in (",", "-", "‐") and not strict):
        return "\n\n" not in gap
    return after_initial and stripped in ((".",) if strict else (".", ".,"))


def _is_initial(text: FoldedText, word: Word) -> bool:
    if len(word.text) != 1:
        return False
    return text.original[text.to_original(word.start)].isupper()


class Hit(NamedTuple):
    """What stands around one surname hit, worked out once for every person sharing the surname.

    - `before`: forename candidates before the hit, (text, start, middle parts skipped), nearest
      first; a patronymic between forename and surname is skipped for free (Мухтар Кабулович
      Аблязов), up to two other middle parts at a cost (Mukhtar K. Ablyazov, Chad Adrian Greer)
    - `after`: forename candidates after it, (text, end) (ABLYAZOV Mukhtar, Аблязова Мухтара)
    - `initials`: initials before it, (letter, start), nearest first (M. K. Ablyazov)
    """

    start: int
    end: int
    before: tuple[tuple[str, int, int], ...]
    after: tuple[tuple[str, int], ...]
    initials: tuple[tuple[str, int], ...]


def read_hit(
    text: FoldedText,
    start: int,
    end: int,
    anchor: Anchor | None = None,
    screen: dict[str, frozenset[int]] | None = None,
) -> Hit | None:
    """Collect the words around a hit that may complete a name.

    With `screen` (each word of a watched forename -> the people who have it), a hit returns None
    at once unless a nearest neighbour is a forename word of someone holding this surname, a
    single letter or a patronymic: most hits in running text are a shared surname next to
    someone else's forename, and need no further work.
    """
    if (
        screen is not None
        and anchor is not None
        and not _worth_reading(text, start, end, anchor, screen)
    ):
        return None
    before = words_before(text.text, start)
    after = words_after(text.text, end)
    return Hit(
        start,
        end,
        tuple(_before_candidates(text, before, start)),
        tuple(_after_candidates(text, after, end)),
        tuple(_initials_before(text, before, start)),
    )


_PATRONYMIC_ENDINGS = tuple(
    fold(ending)
    for ending in [
        "ович",
        "евич",
        "овна",
        "евна",
        "ична",
        "ивна",
        "улы",
        "ұлы",
        "кызы",
        "қызы",
        "ovich",
        "evich",
        "ovna",
        "evna",
        "uly",
        "kyzy",
    ]
)


def _worth_reading(
    text: FoldedText, start: int, end: int, anchor: Anchor, screen: dict[str, frozenset[int]]
) -> bool:
    """Cheap look at the nearest words on each side (see `read_hit`).

    Before the hit, behind capitalised words (possible middle names) up to three words back: a
    holder's forename may stand behind them.
    """
    folded, original, mapped = text.text, text.original, bool(text.anchors)
    right = start
    for distance in range(1 + MAX_MIDDLE_PARTS):
        while right > 0 and folded[right - 1] == " ":
            right -= 1
        left = folded.rfind(" ", 0, right) + 1
        previous = folded[left:right]
        if not previous:
            break
        if distance == 0 and (len(previous) == 1 or previous.endswith(_PATRONYMIC_ENDINGS)):
            return True
        holders = screen.get(previous)
        if holders is not None and not holders.isdisjoint(anchor.holders):
            return True
        if not original[text.to_original(left) if mapped else left].isupper():
            break
        right = left
    left, size = end, len(folded)
    while left < size and folded[left] == " ":
        left += 1
    stop = folded.find(" ", left)
    holders = screen.get(folded[left : stop if stop >= 0 else size])
    return holders is not None and not holders.isdisjoint(anchor.holders)


def _before_candidates(
    text: FoldedText, before: list[Word], start: int
) -> Iterator[tuple[str, int, int]]:
    """Forename candidates before a surname, nearest first, with the middle parts skipped.

    - each word, and each pair of words (a two-word forename), is a candidate
    - a patronymic is skipped for free; an initial or a capitalised name-like word counts as a
      middle part, at most two of them, with only spaces (and an initial's dot) on its sides;
      anything else ends the search
    """
    right, middles = start, 0
    for i, word in enumerate(before):
        middle = _middle_part(text, word)
        if not _gap_ok(text, word.end, right, middle == "initial", strict=middles > 0):
            return
        yield word.text, word.start, middles
        if i + 1 < len(before) and _gap_ok(text, before[i + 1].end, word.start, False):
            yield f"{before[i + 1].text} {word.text}", before[i + 1].start, middles
        if middle is None:
            return
        if middle != "patronymic":
            if not _gap_ok(text, word.end, right, middle == "initial", strict=True):
                return
            middles += 1
            if middles > MAX_MIDDLE_PARTS:
                return
        right = word.start


# Capitalised in headlines and captions, yet never a middle name.
_FUNCTION_WORDS = """
    a an and as at by for from in into of on or the to vs with says said was is has
    de des du et la le les par pour sur und der die das den dem von vom zu zum mit
    и в во на с со по из за от до для а о об к у не
"""
_NOT_MIDDLE = frozenset(fold(word) for word in _FUNCTION_WORDS.split())


def _middle_part(text: FoldedText, word: Word) -> str | None:
    """What `word` is as a middle part of a name: "patronymic", "initial", "name" or None.

    - an initial: one capital letter (its dot is checked with the gap)
    - a name: a capitalised word of letters (Adrian, Нурланович is a patronymic already) that is
      not a function word a title-case headline capitalises (And, Of, Von, На)
    """
    if _looks_patronymic(text, word):
        return "patronymic"
    first = text.original[text.to_original(word.start)]
    if not first.isupper():
        return None
    if len(word.text) == 1:
        return "initial"
    if word.text.isalpha() and word.text not in _NOT_MIDDLE:
        return "name"
    return None


def _after_candidates(text: FoldedText, after: list[Word], end: int) -> Iterator[tuple[str, int]]:
    if not after or not _gap_ok(text, end, after[0].start, False):
        return
    if len(after) > 1 and _gap_ok(text, after[0].end, after[1].start, False):
        yield f"{after[0].text} {after[1].text}", after[1].end
    yield after[0].text, after[0].end


def _initials_before(text: FoldedText, before: list[Word], start: int) -> Iterator[tuple[str, int]]:
    right = start
    for word in before[:2]:
        if not _is_initial(text, word) or not _gap_ok(text, word.end, right, True):
            return
        yield word.text, word.start
        right = word.start


@dataclass(frozen=True)
class Anchor:
    """What the automaton returns for one surname spelling.

    - `people`: every person with this spelling among their surname variants, and that variant
    - `alone`: the one person whose own-gender form it is, or None when several share it (a
      surname shared by several watched people points at none of them by itself)
    - `holders`: the keys of `people` as a set, for the screen's disjointness test (against a
      dict it walks every holder of a common surname; against a set, the smaller side)
    """

    length: int
    people: dict[int, Variant]
    alone: int | None
    holders: frozenset[int]


@dataclass(frozen=True)
class Lookups:
    """Watchlist-wide tables the verification needs (built once with the index)."""

    parts: Sequence[NameParts]
    distinctive: Sequence[bool]
    forename_people: dict[str, frozenset[int]]
    initial_people: dict[str, frozenset[int]]
    word_people: dict[str, frozenset[int]]


def verify(hit: Hit, anchor: Anchor, lookups: Lookups) -> list[Mention]:
    """Every mention a surname hit makes, person by person (see the module rules).

    - a forename variant next to the surname, either side: a full-name mention; before it, up
      to two middle parts may stand between them, each costing `MIDDLE_PART_COST`
    - an initial of a forename before it: an "initial" mention (weaker for a common surname);
      never with the other gender's surname form
    - the surname alone: a weak mention, for a distinctive surname of one person's own gender
    - the work is per candidate word, not per person: people sharing a surname cost nothing
      unless their forename stands next to it
    """
    found: dict[int, Mention] = {}
    forename_people = lookups.forename_people
    for candidate, lo, middles in hit.before:
        if candidate in forename_people:
            _full(found, anchor, lookups, candidate, (lo, hit.end), middles)
    for candidate, hi in hit.after:
        if candidate in forename_people:
            _full(found, anchor, lookups, candidate, (hit.start, hi), 0)
    for letter, start in reversed(hit.initials):
        for i in _among(lookups.initial_people.get(letter), anchor):
            surname = anchor.people[i]
            if i not in found and not surname.other_gender:
                base = INITIAL_SCORE if lookups.distinctive[i] else INITIAL_COMMON_SCORE
                found[i] = Mention(i, surname, start, hit.end, base * surname.weight, "initial")
    alone = anchor.alone
    if alone is not None and alone not in found and lookups.distinctive[alone]:
        surname = anchor.people[alone]
        score = SURNAME_ONLY_SCORE * surname.weight
        found[alone] = Mention(alone, surname, hit.start, hit.end, score, "surname only")
    return list(found.values())


def _among(people: frozenset[int] | None, anchor: Anchor) -> frozenset[int]:
    """The people of `people` who hold the anchor's spelling (one set operation, in C)."""
    return people & anchor.holders if people else frozenset()


def _full(
    found: dict[int, Mention],
    anchor: Anchor,
    lookups: Lookups,
    candidate: str,
    span: tuple[int, int],
    middles: int,
) -> None:
    cost = 1.0 - MIDDLE_PART_COST * middles
    notes = (f"{middles} middle part(s) between forename and surname",) if middles else ()
    for i in _among(lookups.forename_people.get(candidate), anchor):
        if i in found:
            continue
        forename = lookups.parts[i].forenames[candidate]
        surname = anchor.people[i]
        score = FULL_NAME_SCORE * min(forename.weight, surname.weight) * cost
        found[i] = Mention(i, surname, *span, score, "full name", forename, notes)


def _looks_patronymic(text: FoldedText, word: Word) -> bool:
    original = text.original[text.to_original(word.start) : text.to_original(word.end)]
    return bool(PATRONYMIC.search(original.lower()))
