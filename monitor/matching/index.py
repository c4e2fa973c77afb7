"""MatchIndex: the watchlist compiled for matching records and texts.

Built from `MatchPerson`s in one pass (cheap enough to rebuild on every watchlist change; to match a
newly added person against everything stored, build an index of that person alone):
- a key index for structured records: exact tokens, a transliteration-insensitive key, a consonant
  skeleton, the key with one letter left out (typing errors); a key shared by too many people
  cannot make a candidate alone
- an Aho-Corasick automaton over every surname variant of every person, for free text
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

import ahocorasick
from rapidfuzz import fuzz, process

from monitor.matching import datafiles, equivalents
from monitor.matching.context import classify_sentence, sentence_around
from monitor.matching.mandarin import pinyin_readings
from monitor.matching.models import (
    Band,
    Context,
    Explanation,
    MatchPerson,
    Qualifiers,
    Record,
    RecordMatch,
    TextMatch,
)
from monitor.matching.names import latin_form, skeleton, translit_key
from monitor.matching.normalize import FoldedText, fold_text
from monitor.matching.qualify import qualify
from monitor.matching.score import NameScore, Token, compare_names, tokenize
from monitor.matching.text import Anchor, Lookups, Mention, on_boundaries, read_hit, verify
from monitor.matching.tokens import make_token
from monitor.matching.variants import NameParts, Variant, national_spellings, person_parts

STRONG_THRESHOLD = 0.85
ALERT_THRESHOLD = 0.6
WEAK_THRESHOLD = 0.5
COMMON_KEY_SHARE = 0.002
COMMON_KEY_MIN = 20
MAX_CANDIDATES = 20
PREFILTER_MIN = 65.0
PREFILTER_KEEP = 3
SKELETON_RATIO_CAP = 90.0
DELETION_MIN = 5
DELETION_MAX = 20  # a longer token is no name: its keys would grow with its square
QUERY_MEMO = 200_000
_EMPTY = frozenset({"", "-", "--", "n/a", "unknown", "none"})


def band_for(score: float) -> Band:
    """strong >= 0.85 > review >= alert threshold > weak."""
    if score >= STRONG_THRESHOLD:
        return "strong"
    return "review" if score >= ALERT_THRESHOLD else "weak"


@lru_cache(maxsize=1)
def common_surnames() -> frozenset[str]:
    """Transliteration keys of frequent surnames (data/common_surnames.txt)."""
    return frozenset(translit_key(name) for name in datafiles.word_list("common_surnames.txt"))


def is_distinctive(surname: str) -> bool:
    """A surname a mention alone may point at: not frequent (in either gender), 5 letters or more."""
    key = translit_key(latin_form(surname))
    masculine = key[:-1] if key.endswith(("ova", "eva", "ina", "ia")) else key
    adjectival = key[:-2] + "i" if key.endswith("aia") else key
    common = common_surnames()
    return len(key) >= 5 and not {key, masculine, adjectival} & common


@dataclass(frozen=True, slots=True)
class _Spelling:
    """One query spelling's index keys that someone holds, sorted for making candidates."""

    held: tuple[tuple[str, frozenset[int]], ...]  # (key, who holds it), for the explanation
    strong: tuple[frozenset[int], ...]  # holders of its exact and transliteration keys
    common_strong: tuple[frozenset[int], ...]  # those of them too common to stand alone
    typos: tuple[frozenset[int], ...]  # holders of its one-letter-left-out keys
    rare: frozenset[int]  # everyone a rare key other than a "d:" one points at
    rare_typos: frozenset[int]  # everyone a rare "d:" key points at


_QueryKeys = list[_Spelling]  # one per query token
_Query = tuple[str, list[Token], _QueryKeys]  # the record's name as written, tokens, keys


@dataclass(frozen=True)
class _Entry:
    person: MatchPerson
    parts: NameParts
    targets: tuple[tuple[tuple[Token, ...], str], ...]  # (tokens, written name)
    distinctive: bool
    quick: tuple[tuple[str, str, bool], ...]  # each target's prefilter forms (`_quick_forms`)
    national: dict[str, str]  # key of a Belarusian or Kazakh form -> the Russian form's Latin


def _record_query(record: Record) -> str:
    name = (record.name or "").strip()
    forename = (record.forename or "").strip()
    parts = [p for p in (forename, name) if p.lower() not in _EMPTY]
    return " ".join(parts)


@lru_cache(maxsize=131072)
def _token_keys(latin: str) -> tuple[str, ...]:
    """Index keys of one Latin token.

    - the exact token, its transliteration key, its consonant skeleton, the key's first four letters
    - its letters in order ("a:" key, 5 letters or more), so scrambled or reversed letters (nituP)
      still find the person
    - its Pinyin readings when it is written in Wade-Giles (Hsi -> xi)
    - the key and the key with any one letter left out ("d:" keys, 5 to 20 letters): two
      spellings one typing error apart share one (Pulin and Putin share "puin"), so a misspelt
      surname still finds the person when the forename is too common to
    """
    key = translit_key(latin)
    prefix = (f"p:{key[:4]}",) if len(key) >= 4 else ()
    letters = (f"a:{''.join(sorted(key))}",) if len(key) >= 5 else ()
    readings = tuple(f"t:{reading}" for reading in sorted(pinyin_readings(latin)))
    deletions = _deletions(key) if DELETION_MIN <= len(key) <= DELETION_MAX else ()
    return (
        f"t:{latin}",
        f"k:{key}",
        f"s:{skeleton(latin)}",
        *prefix,
        *letters,
        *readings,
        *deletions,
    )


def _deletions(key: str) -> tuple[str, ...]:
    found = {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}
    return tuple(sorted(f"d:{d}" for d in found if len(d) >= DELETION_MIN - 1))


class MatchIndex:
    """The watchlist, compiled. Pure: no I/O, and it never logs a name."""

    def __init__(
        self,
        entries: list[_Entry],
        keys: dict[str, frozenset[int]],
        automaton: ahocorasick.Automaton,
        lookups: Lookups,
    ) -> None:
        self._entries = entries
        self._lookups = lookups
        self._keys = keys
        self._automaton = automaton
        self._common_limit = max(COMMON_KEY_MIN, int(len(entries) * COMMON_KEY_SHARE))
        self._resolved: dict[str, _Spelling] = {}

    @classmethod
    def build(cls, people: Iterable[MatchPerson]) -> MatchIndex:
        """Compile people into an index (variants, key index, automaton, verification tables)."""
        equivalents.load()
        entries = [_entry(person) for person in people]
        keys: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(entries):
            for key in _person_keys(entry.parts) | _target_keys(entry):
                keys[key].add(i)
        shared: dict[frozenset[int], frozenset[int]] = {}  # one object per set of holders
        frozen = {k: shared.setdefault(frozenset(v), frozenset(v)) for k, v in keys.items()}
        return cls(entries, frozen, _automaton(entries), _lookups(entries))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def pattern_count(self) -> int:
        """How many distinct surname spellings the text automaton holds."""
        return len(self._automaton)

    # Structured records ------------------------------------------------------------------------

    def match_record(self, record: Record) -> list[RecordMatch]:
        """Watched people a structured record may be, best first.

        - candidates come from the key index only, never from all pairs
        - a key shared by more people than the common limit needs a second query token to agree
        - name similarity (`score.compare_names`) against each written name of the person that
          passed the prefilter (all of them for a lone candidate)
        - qualifiers (birth date, nationality, sex): a conflict takes the alert away and one band:
          strong becomes review (a possible match), review becomes weak (no event); the match
          is kept
        - matches under the weak threshold are not returned
        """
        query = _record_query(record)
        tokens = tokenize(query)
        if not tokens:
            return []
        query_keys = self._query_keys(tokens)
        candidates = self._prefilter(tokens, self._candidates(tokens, query_keys))
        matched = (query, tokens, query_keys)
        matches = [
            m for i, targets in candidates if (m := self._score(i, targets, record, matched))
        ]
        return sorted(matches, key=lambda m: (-m.score, m.person_id))

    def _query_keys(self, tokens: list[Token]) -> _QueryKeys:
        """For each query token, its index keys that someone holds, sorted for candidate making.

        Kept per spelling (forenames recur in every batch of notices); the index never changes,
        so the memo is only emptied when it grows past QUERY_MEMO entries.
        """
        memo = self._resolved
        if len(memo) > QUERY_MEMO:
            memo.clear()
        found = []
        for token in tokens:
            spelling = memo.get(token.latin)
            if spelling is None:
                spelling = memo[token.latin] = self._spelling(token.latin)
            found.append(spelling)
        return found

    def _spelling(self, latin: str) -> _Spelling:
        keys, limit = self._keys, self._common_limit
        held = [(k, p) for k in _token_keys(latin) if (p := keys.get(k))]
        strong = {id(p): p for k, p in held if k[0] in "tk"}  # equal sets are one object
        typos = {id(p): p for k, p in held if k[0] == "d"}
        rare = [p for k, p in held if k[0] != "d" and len(p) <= limit]
        rare_typos = [p for p in typos.values() if len(p) <= limit]
        return _Spelling(
            held=tuple(held),
            strong=tuple(strong.values()),
            common_strong=tuple(p for p in strong.values() if len(p) > limit),
            typos=tuple(typos.values()),
            rare=frozenset().union(*rare),
            rare_typos=frozenset().union(*rare_typos),
        )

    def _prefilter(
        self, tokens: list[Token], candidates: list[int]
    ) -> list[tuple[int, tuple[int, ...]]]:
        """Keep the candidates, and their written names, that come close on a fast whole-name
        ratio (C code); a lone candidate keeps all its names.

        The full alignment costs ~40 µs a pair; this ratio ~1 µs. On the name bench no true pair
        falls under PREFILTER_MIN except names in Arabic script, which the skeleton ratio keeps,
        and names whose sorted words a misspelt first letter reorders, which the plain ratio keeps.
        """
        if len(candidates) <= 1:
            return [(i, tuple(range(len(self._entries[i].targets)))) for i in candidates]
        keys = " ".join(t.key for t in tokens)
        skel = " ".join(t.skel for t in tokens)
        abjad = any(t.abjad for t in tokens)
        # every candidate's targets in one list, for one C call, and whose target each form is
        forms: list[tuple[str, str, bool]] = []
        whose: list[tuple[int, int]] = []  # (candidate's place, the target's place in its names)
        for n, i in enumerate(candidates):
            quick = self._entries[i].quick
            forms += quick
            whose += [(n, t) for t in range(len(quick))]
        kept: dict[int, list[int]] = {}
        top: dict[int, float] = {}
        for k, ratio in enumerate(_quick_ratios(keys, skel, abjad, forms)):
            if ratio >= PREFILTER_MIN:  # most are 0: under the cut-off
                n, t = whose[k]
                kept.setdefault(n, []).append(t)
                top[n] = max(top.get(n, 0.0), ratio)
        # best first; among equals the candidates' own order
        ranked = sorted(kept, key=lambda n: (-top[n], n))[:PREFILTER_KEEP]
        return [(candidates[n], tuple(kept[n])) for n in ranked]

    def match_name(self, name: str) -> list[RecordMatch]:
        """Match a bare full name ("SURNAME, Forename" or any order), without qualifiers."""
        return self.match_record(Record(name=name, forename=None))

    def _candidates(self, tokens: list[Token], query_keys: _QueryKeys) -> list[int]:
        """People sharing keys with the query, at most MAX_CANDIDATES.

        - a rare key (shared by at most the common limit of people) makes a candidate alone,
          except a one-letter-dropped ("d:") key, which does so only for a one-token query
        - other keys make one when two query tokens agree on the same person through exact,
          transliteration or "d:" keys, two "d:" keys only when a token is nobody's name
          (Vladimir + Pulin finds Vladimir Putin, Moammar + Qaddafi finds Muammar Gaddafi); a
          common skeleton or prefix key never
        - two neighbouring query tokens written together may make one through a rare exact or
          transliteration key (Patr ushev finds Patrushev)
        - candidates are ranked by how many query tokens agree exactly or up to transliteration
        """
        limit = self._common_limit
        chosen: set[int] = set()
        for spelling in query_keys:
            chosen |= spelling.rare
            if len(tokens) == 1:
                chosen |= spelling.rare_typos
        for a, this in enumerate(query_keys):
            for b, other in enumerate(query_keys):
                if a == b:
                    continue
                for pa in this.common_strong:  # a rare set's holders are all chosen already
                    for pb in other.strong if a < b else ():
                        chosen |= pa & pb
                    for pb in other.typos:
                        chosen |= pa & pb
                if a < b and not (this.strong and other.strong):
                    # a misspelt token (nobody's name) beside another one (Moammar Qaddafi)
                    for pa in this.typos:
                        for pb in other.typos:
                            chosen |= pa & pb
        strong = [spelling.strong for spelling in query_keys]
        for (first, second), held in zip(pairwise(tokens), pairwise(strong), strict=True):
            if all(held):
                continue  # both are names someone has: not one name split in two (Patr ushev)
            joined = first.latin + second.latin
            for key in (f"t:{joined}", f"k:{translit_key(joined)}"):
                holders = self._keys.get(key)
                if holders and len(holders) <= limit:
                    chosen |= holders
        if len(chosen) <= MAX_CANDIDATES:
            return sorted(chosen)
        rank = {i: sum(any(i in p for p in ps) for ps in strong) for i in chosen}
        return sorted(chosen, key=lambda i: (-rank[i], i))[:MAX_CANDIDATES]

    def _score(
        self, i: int, targets: tuple[int, ...], record: Record, query: _Query
    ) -> RecordMatch | None:
        entry = self._entries[i]
        text, tokens, query_keys = query
        compared, back = _as_watched(tokens, entry.national)
        best, written = max(
            (
                (compare_names(compared, list(entry.targets[t][0])), entry.targets[t][1])
                for t in targets
            ),
            key=lambda x: x[0].score,
        )
        if back:  # show the record's own spelling, not the Russian form it stood for
            best = replace(best, pairs=tuple((a, back.get(b, b), s) for a, b, s in best.pairs))
        if best.score < WEAK_THRESHOLD:
            return None
        qualifiers = qualify(entry.person, record)
        score = min(1.0, best.score + (0.03 if qualifiers.birth_date == "agrees" else 0.0))
        band = _qualified_band(band_for(score), qualifiers)
        is_alert = score >= ALERT_THRESHOLD and not qualifiers.conflict
        explanation = Explanation(
            variant=written,
            provenance=_record_provenance(entry, written, tokens),
            matched=text,
            keys=_fired(i, query_keys),
            score=score,
            band=band,
            qualifiers=qualifiers,
            field="forename+name" if record.forename else "name",
            pairs=best.pairs,
            notes=_notes(best.extras, best.substitutions)
            + best.notes
            + _namesake(best, qualifiers),
        )
        return RecordMatch(entry.person.id, score, band, is_alert, explanation)

    # Free text ---------------------------------------------------------------------------------

    def match_text(self, text: str) -> list[TextMatch]:
        """Every verified mention of a watched person in a text, in text order.

        - one pass of the automaton over the folded text (original script kept, lookalike
          letters merged, offsets mapped back to the original)
        - each hit is verified (`text.verify`): word boundaries, forename/initial next to the
          surname in either order; a surname alone only for a distinctive surname
        - one match per person and place: overlapping hits keep the best
        """
        if not len(self._automaton):
            return []
        folded = fold_text(text)
        best: dict[tuple[int, int], Mention] = {}
        letters = folded.text
        for end, anchor in self._automaton.iter(letters):
            start = end + 1 - anchor.length
            if not on_boundaries(letters, start, end + 1):
                continue
            screen = None if anchor.alone is not None else self._lookups.word_people
            hit = read_hit(folded, start, end + 1, anchor, screen)
            if hit is None:
                continue
            for mention in verify(hit, anchor, self._lookups):
                key = (mention.person, start)
                if mention.score >= WEAK_THRESHOLD and (
                    key not in best or best[key].score < mention.score
                ):
                    best[key] = mention
        contexts: dict[tuple[int, int], tuple[str, Context]] = {}
        return [self._text_match(folded, m, contexts) for m in _dedupe(best.values())]

    def _text_match(
        self,
        folded: FoldedText,
        mention: Mention,
        contexts: dict[tuple[int, int], tuple[str, Context]],
    ) -> TextMatch:
        original = folded.original
        span = (folded.to_original(mention.start), folded.to_original(mention.end))
        if span not in contexts:  # people sharing a name share its sentence
            sentence = sentence_around(original, span)
            contexts[span] = (sentence, classify_sentence(sentence))
        evidence, context = contexts[span]
        entry = self._entries[mention.person]
        band = band_for(mention.score)
        surname, forename = mention.surname, mention.forename
        explanation = Explanation(
            variant=f"{forename.shown} {surname.shown}" if forename else surname.shown,
            provenance=f"{forename.provenance} + {surname.provenance}"
            if forename
            else surname.provenance,
            matched=original[span[0] : span[1]],
            keys=(forename.shown, surname.shown) if forename else (surname.shown,),
            score=mention.score,
            band=band,
            qualifiers=Qualifiers(),
            span=span,
            notes=(mention.kind, *mention.notes)  # issue 16: middle parts noted
            + (("other-gender surname form",) if surname.other_gender else ()),
        )
        return TextMatch(
            person_id=entry.person.id,
            score=mention.score,
            band=band,
            is_alert=mention.score >= ALERT_THRESHOLD,
            explanation=explanation,
            span=span,
            surface=original[span[0] : span[1]],
            evidence=evidence,
            context=context,
        )


def _dedupe(mentions: Iterable[Mention]) -> list[Mention]:
    """Keep the best mention where mentions of one person overlap.

    The mentions kept for one person never overlap, so sorted by start they are sorted by end
    too: a candidate need only be compared with its two neighbours (a text that repeats one name
    a hundred thousand times stays linear-logarithmic, not quadratic).
    """
    kept: dict[int, list[Mention]] = defaultdict(list)
    starts: dict[int, list[int]] = defaultdict(list)
    for mention in sorted(mentions, key=lambda m: (-m.score, m.start)):
        mine, at = kept[mention.person], starts[mention.person]
        place = bisect_left(at, mention.start)
        if place > 0 and mine[place - 1].end > mention.start:
            continue
        if place < len(mine) and mine[place].start < mention.end:
            continue
        mine.insert(place, mention)
        at.insert(place, mention.start)
    return sorted((m for ms in kept.values() for m in ms), key=lambda m: (m.start, m.person))


def _automaton(entries: list[_Entry]) -> ahocorasick.Automaton:
    """Every surname variant of every person -> an Anchor naming who holds it."""
    anchors: dict[str, dict[int, Variant]] = defaultdict(dict)
    for i, entry in enumerate(entries):
        for text, variant in entry.parts.surnames.items():
            anchors[text][i] = variant
    automaton = ahocorasick.Automaton()
    for text, holders in anchors.items():
        own = [i for i, v in holders.items() if not v.other_gender]
        alone = own[0] if len(own) == 1 else None
        automaton.add_word(text, Anchor(len(text), holders, alone, frozenset(holders)))
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _lookups(entries: list[_Entry]) -> Lookups:
    """Forename variants, forename words and initials -> the people who have them."""
    forenames: dict[str, set[int]] = defaultdict(set)
    words: dict[str, set[int]] = defaultdict(set)
    initials: dict[str, set[int]] = defaultdict(set)
    for i, entry in enumerate(entries):
        for text in entry.parts.forenames:
            forenames[text].add(i)
            for word in text.split():
                words[word].add(i)
        for letter in entry.parts.initials:
            initials[letter].add(i)
    return Lookups(
        parts=[e.parts for e in entries],
        distinctive=[e.distinctive for e in entries],
        forename_people={k: frozenset(v) for k, v in forenames.items()},
        initial_people={k: frozenset(v) for k, v in initials.items()},
        word_people={k: frozenset(v) for k, v in words.items()},
    )


def _entry(person: MatchPerson) -> _Entry:
    parts = person_parts(person)
    targets: dict[tuple[str, ...], tuple[tuple[Token, ...], str]] = {}
    for written in (person.name, *person.aliases):
        tokens = tuple(tokenize(written))
        targets.setdefault(tuple(sorted(t.latin for t in tokens)), (tokens, written))
    surnames = [" ".join(p.surname) for p in parts.parsed]
    distinctive = bool(surnames) and all(is_distinctive(s) for s in surnames)
    kept = tuple(t for t in targets.values() if t[0])
    quick = tuple(_quick_forms(tokens) for tokens, _ in kept)
    return _Entry(person, parts, kept, distinctive, quick, national_spellings(person, parts))


def _quick_ratios(
    keys: str, skel: str, abjad: bool, forms: list[tuple[str, str, bool]]
) -> list[float]:
    """The prefilter's ratio of the query against each target's forms (`_quick_forms`).

    Ratios under the cut-off come back as 0: only "kept or not" and the order of the kept ones
    matter, and the C code stops early on hopeless pairs. Skeletons are for names written
    without vowels (Arabic, Hebrew) or in syllables, on either side. Each ratio is one
    `process.extract` over all the targets (the loop in C: half the cost of a call per pair).
    """
    written = [form[0] for form in forms]
    ratios = [0.0] * len(forms)
    for _, ratio, k in process.extract(
        keys, written, scorer=fuzz.token_set_ratio, score_cutoff=PREFILTER_MIN, limit=None
    ):
        ratios[k] = ratio
    # sorting the words put a misspelt first letter out of line: the plain ratio
    missing = [k for k, ratio in enumerate(ratios) if not ratio]
    if missing:
        for _, ratio, k in process.extract(
            keys, [written[k] for k in missing], scorer=fuzz.ratio, score_cutoff=PREFILTER_MIN,
            limit=None,
        ):  # fmt: skip
            ratios[missing[k]] = ratio
    cut = PREFILTER_MIN / 0.9
    for k, (_, target_skel, target_abjad) in enumerate(forms):
        if (abjad or target_abjad) and ratios[k] < SKELETON_RATIO_CAP:  # 0.9 × 100 at most
            skeletal = fuzz.token_set_ratio(skel, target_skel, score_cutoff=cut) * 0.9
            ratios[k] = max(ratios[k], skeletal)
    return ratios


def _quick_forms(tokens: tuple[Token, ...]) -> tuple[str, str, bool]:
    """A written name's keys and skeletons for the prefilter's ratio, patronymics left out
    (they cost little in the full comparison, so a record without one must not rank lower), and
    whether it has a part written without vowels or in syllables."""
    kept = [t for t in tokens if not t.patronymic]
    kept = kept if len(kept) >= 2 else list(tokens)  # a patronymic is a third name part
    abjad = any(t.abjad for t in tokens)
    return " ".join(t.key for t in kept), " ".join(t.skel for t in kept), abjad


def _person_keys(parts: NameParts) -> set[str]:
    """Index keys of every Latin variant (Cyrillic ones are reached through their spellings)."""
    keys: set[str] = set()
    for table in (parts.surnames, parts.forenames, parts.patronymics):
        for text, variant in table.items():
            if variant.other_gender or not text.isascii():
                continue
            for word in text.split():
                # a Belarusian or Kazakh form is found as written or up to transliteration; its
                # typing errors would double the keys of a watchlist of Russian surnames
                found = _token_keys(word)
                keys.update(k for k in found if k[0] in "tk") if variant.national else keys.update(
                    found
                )
    for parsed in parts.parsed:
        for token in parsed.tokens:
            keys.update(_token_keys(latin_form(token)))
    return keys


def _target_keys(entry: _Entry) -> set[str]:
    """Keys of the comparison tokens themselves (camel case and initials split as queries are)."""
    return {
        key for tokens, _ in entry.targets for token in tokens for key in _token_keys(token.latin)
    }


def _record_provenance(entry: _Entry, written: str, tokens: list[Token]) -> str:
    """Which watchlist variant each record token is, and the rule that made it."""
    source = "name as written" if written == entry.person.name else "alias as written"
    found = []
    for token in tokens:
        for table in (entry.parts.surnames, entry.parts.forenames, entry.parts.patronymics):
            variant = table.get(token.text) or table.get(token.latin)
            if variant is not None:
                found.append(f"{variant.shown}: {variant.provenance}")
                break
    return "; ".join([f"compared with the {source}", *found])


def _as_watched(
    tokens: list[Token], national: dict[str, str]
) -> tuple[list[Token], dict[str, str]]:
    """A record's tokens with each Belarusian or Kazakh form of the person's name replaced by the
    Russian form it stands for (TSIKHANOUSKAYA compares as Tikhanovskaya), and the way back."""
    if not national or not any(t.key in national for t in tokens):
        return tokens, {}
    swapped = [make_token(national[t.key]) if t.key in national else t for t in tokens]
    back = {
        new.latin: old.latin for new, old in zip(swapped, tokens, strict=True) if new is not old
    }
    return swapped, back


def _fired(i: int, query_keys: _QueryKeys) -> tuple[str, ...]:
    """The index keys that led from the query to person i, for the explanation: a token's
    one-letter-left-out keys only when none of its exact or transliteration keys fired."""
    fired: set[str] = set()
    for spelling in query_keys:
        mine = [key for key, people in spelling.held if i in people]
        if any(key[0] in "tk" for key in mine):
            mine = [key for key in mine if key[0] != "d"]
        fired.update(mine)
    return tuple(sorted(fired))


def _qualified_band(band: Band, qualifiers: Qualifiers) -> Band:
    """A conflicting birth date, nationality or sex takes one band away: a strong name stays a
    possible match (review), a review-band name becomes a weak match (kept, no event)."""
    if not qualifiers.conflict:
        return band
    return "review" if band == "strong" else "weak"


SAME_NAME_NOTE = "the same name: only a birth date can tell two people of this name apart"
IDENTICAL_NAME = 0.99  # the same tokens, up to order and transliteration (`score._score`)


def _namesake(best: NameScore, qualifiers: Qualifiers) -> tuple[str, ...]:
    """Identical names of different people (two ZAFAR IQBAL) differ only by birth date."""
    return (
        (SAME_NAME_NOTE,)
        if best.score >= IDENTICAL_NAME and qualifiers.birth_date != "agrees"
        else ()
    )


def _notes(extras: int, substitutions: int) -> tuple[str, ...]:
    notes = []
    if extras:
        notes.append(f"{extras} name part(s) on one side only")
    if substitutions:
        notes.append(f"{substitutions} name part(s) differ")
    return tuple(notes)
