"""Every way a watched person's name may be written, each with the rule that produced it.

Variants are generated on the watchlist side (10,000 people are cheap; millions of texts are not):
transliteration schemes, Ukrainian/Russian forms, Latin back to Cyrillic, Russian declension, and the
other gender's surname as a separate, weaker variant. All texts of variants are folded
(`normalize.fold_name`), so they meet incoming text folded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from monitor.matching.declension import decline, infer_sex
from monitor.matching.equivalents import nicknames_of
from monitor.matching.models import MatchPerson
from monitor.matching.names import ParsedName, latin_form, parse_name, translit_key
from monitor.matching.national import BELARUSIAN, KAZAKH, PROVENANCE, national_forms
from monitor.matching.normalize import fold_name
from monitor.matching.translit import (
    BELARUSIAN_PROVENANCE,
    KAZAKH_LETTERS,
    UKRAINIAN_SURNAME_PROVENANCE,
    belarusian_forms,
    belarusian_latin,
    cyrillic_to_latin,
    is_cyrillic,
    latin_to_cyrillic,
    ukrainian_russian_forms,
    ukrainian_spelling,
)

OTHER_GENDER_WEIGHT = 0.75
GUESSED_CYRILLIC_WEIGHT = 0.9
BRIDGED_WEIGHT = 0.95
# A Belarusian form is the same surname spelt the Belarusian way; a Kazakh -ұлы says "son of",
# and a namesake's family shares the father's name: a review match in free text, not a strong one.
NATIONAL_WEIGHT = {BELARUSIAN: 0.95, KAZAKH: 0.8}
_ROUND_TRIP = frozenset(
    ["BGN/PCGN", "ICAO Doc 9303 (Russian passports since 2014)", "Wikipedia",
     "MVD 310-1997 (Russian passports 1997)", "MVD 782-2000 (Russian passports 2000)"]
)  # fmt: skip


@dataclass(frozen=True)
class Variant:
    """One written form of one name part.

    - `text` is folded; `provenance` says which scheme or rule made it ("as written" for the
      watchlist's own spelling); `weight` is how sure we are it denotes this person (0..1)
    - `other_gender` marks the other gender's surname form (Аблязова for a man), a weaker variant
    - `case` is the grammatical case of a declined Cyrillic form ("gen/acc", ...), else None
    """

    text: str
    provenance: str
    weight: float = 1.0
    other_gender: bool = False
    case: str | None = None
    display: str = ""  # the unfolded spelling, for people to read (folding merges lookalikes)
    national: bool = False  # a Belarusian or Kazakh form made from the Russian one

    @property
    def shown(self) -> str:
        """The form to show in an alert."""
        return self.display or self.text


@dataclass
class NameParts:
    """The variants of one person, by role, keyed by folded text (best variant kept)."""

    surnames: dict[str, Variant] = field(default_factory=dict)
    forenames: dict[str, Variant] = field(default_factory=dict)
    patronymics: dict[str, Variant] = field(default_factory=dict)
    parsed: list[ParsedName] = field(default_factory=list)
    initials: frozenset[str] = frozenset()


def _add(table: dict[str, Variant], variant: Variant) -> None:
    current = table.get(variant.text)
    if current is None or variant.weight > current.weight:
        table[variant.text] = variant


def person_parts(person: MatchPerson) -> NameParts:
    """All variants of a person's name and aliases, by role.

    - each written name is parsed into roles (`names.parse_name`)
    - the watched person's sex (or, failing it, the one the Russian endings suggest) decides which
      surname forms are the person's own and which are the other gender's
    """
    parts = NameParts()
    kazakh = is_kazakh(person)
    for written in (person.name, *person.aliases):
        parsed = parse_name(written)
        if not parsed.surname:
            continue
        parts.parsed.append(parsed)
        sex = person.sex or _guess_sex(parsed)
        for variant in _part_variants(" ".join(parsed.surname), "surname", sex, kazakh):
            _add(parts.surnames, variant)
        for forename in parsed.forenames:
            for variant in _part_variants(forename, "forename", sex, kazakh):
                _add(parts.forenames, variant)
        if parsed.patronymic:
            for variant in _part_variants(parsed.patronymic, "patronymic", sex, kazakh):
                _add(parts.patronymics, variant)
    parts.initials = frozenset(text[0] for text in parts.forenames if text)
    return parts


def national_spellings(person: MatchPerson, parts: NameParts) -> dict[str, str]:
    """The key of each Latin Belarusian or Kazakh form of the person's surnames and patronymics
    -> the Latin of the Russian form it stands for (tsikhanouskaya -> tikhanovskaya), so that a
    record written with the national form compares as the watched name."""
    kazakh = is_kazakh(person)
    out: dict[str, str] = {}
    for parsed in parts.parsed:
        sex = person.sex or _guess_sex(parsed)
        for role, token in (
            ("surname", " ".join(parsed.surname)),
            ("patronymic", parsed.patronymic),
        ):
            for variant in _part_variants(token, role, sex, kazakh) if token else ():
                if variant.national and variant.text.isascii():
                    out.setdefault(translit_key(variant.text), latin_form(token))
    return out


def is_kazakh(person: MatchPerson) -> bool:
    """A Kazakh national, or a name written with Kazakh letters: Kazakh forms are made."""
    written = " ".join((person.name, *person.aliases)).lower()
    return "KZ" in person.nationalities or bool(KAZAKH_LETTERS & set(written))


def _guess_sex(parsed: ParsedName) -> str | None:
    surname = " ".join(parsed.surname)
    forename = parsed.forenames[0] if parsed.forenames else None
    if is_cyrillic(surname):
        return infer_sex(surname, forename)
    cyr_surname = next(iter(latin_to_cyrillic(surname)), (None, ""))[0]
    cyr_forename = next(iter(latin_to_cyrillic(forename or "")), (None, ""))[0]
    return infer_sex(cyr_surname, cyr_forename)


@lru_cache(maxsize=65536)
def _part_variants(token: str, role: str, sex: str | None, kazakh: bool) -> tuple[Variant, ...]:
    """Variants of one name part (a surname may hold spaces: "le pen")."""
    out: list[Variant] = [Variant(fold_name(token), "as written", display=token.lower())]
    if is_cyrillic(token):
        out += _from_cyrillic(token, role, sex, 1.0, "", kazakh)
        for bridged, provenance in ukrainian_russian_forms(token):
            out += _from_cyrillic(bridged, role, sex, BRIDGED_WEIGHT, provenance + ", ", kazakh)
    elif token.isascii():
        out += _from_latin(token, role, sex, kazakh)
    else:
        out.append(Variant(latin_form(token), "anyascii"))
    return tuple(v for v in out if v.text)


def _from_cyrillic(
    token: str, role: str, sex: str | None, weight: float, via: str, kazakh: bool
) -> list[Variant]:
    written = via + "as written" if via else "as written"
    out = [Variant(fold_name(token), written, weight, display=token.lower())]
    for form in decline(token, role, sex):
        out.append(
            Variant(
                fold_name(form.text),
                f"{via}Russian declension ({form.case})",
                weight * (OTHER_GENDER_WEIGHT if form.other_gender else 1.0),
                form.other_gender,
                form.case,
                form.text,
            )
        )
    for latin, scheme in cyrillic_to_latin(token.lower()):
        out.append(Variant(latin, via + scheme, weight))
    out += _national_forms(token, role, weight, via)
    out += _belarusian_kazakh(token, role, sex, weight, via, kazakh)
    out += _latin_other_gender(token, role, sex, weight, via)
    return out


def _national_forms(token: str, role: str, weight: float, via: str) -> list[Variant]:
    """Ukrainian and Belarusian passport forms of a Russian-written name part.

    - a surname as Ukrainian letters read it (Параскевич -> Paraskevych, -ий -> -yi)
    - a forename's Belarusian form (Татьяна -> Таццяна, Tatsiana), in Cyrillic and Latin
    """
    out: list[Variant] = []
    if role == "surname" and (ukrainian := ukrainian_spelling(token)):
        out.append(Variant(ukrainian, via + UKRAINIAN_SURNAME_PROVENANCE, weight))
    if role == "forename":
        for cyrillic, latin in belarusian_forms(token):
            provenance = via + BELARUSIAN_PROVENANCE
            out.append(Variant(fold_name(cyrillic), provenance, weight, display=cyrillic))
            out.append(Variant(latin, provenance, weight))
    return out


def _belarusian_kazakh(
    token: str, role: str, sex: str | None, base: float, via: str, kazakh: bool
) -> list[Variant]:
    """Belarusian (and for a Kazakh person, Kazakh) forms of a Russian surname or patronymic,
    in Cyrillic and in Latin: Тихановская -> ціханоўская, tsikhanouskaya; Назарбаев ->
    назарбайұлы, nazarbayuly (`national.national_forms`)."""
    if role not in ("surname", "patronymic"):
        return []
    out: list[Variant] = []
    for cyrillic, lang in national_forms(token, role, sex, kazakh):
        if lang == KAZAKH and _given_name(cyrillic):
            continue  # Марков -> Марк: a Russian given name's surname keeps its -ов
        provenance = via + PROVENANCE[lang]
        weight = base * NATIONAL_WEIGHT[lang]
        out.append(
            Variant(fold_name(cyrillic), provenance, weight, display=cyrillic, national=True)
        )
        if lang == BELARUSIAN:
            out.append(Variant(belarusian_latin(cyrillic), provenance, weight, national=True))
            continue
        for latin, scheme in cyrillic_to_latin(cyrillic):
            out.append(Variant(latin, f"{provenance}, {scheme}", weight, national=True))
    return out


def _given_name(cyrillic: str) -> bool:
    """A given name of the nickname and name-form tables (Mark, Petr, Ivan), in any spelling."""
    return any(nicknames_of(translit_key(latin)) for latin, _ in cyrillic_to_latin(cyrillic))


def _latin_other_gender(
    token: str, role: str, sex: str | None, weight: float, via: str
) -> list[Variant]:
    """Latin spellings of the other gender's surname (Akhmetov for Akhmetova), weaker."""
    if role != "surname":
        return []
    out: list[Variant] = []
    for form in decline(token, role, sex):
        if form.other_gender and form.case == "nom":
            for latin, scheme in cyrillic_to_latin(form.text):
                out.append(
                    Variant(
                        latin, f"{via}{scheme}, other gender", weight * OTHER_GENDER_WEIGHT, True
                    )
                )
    return out


def _from_latin(token: str, role: str, sex: str | None, kazakh: bool) -> list[Variant]:
    """A Latin token: its Cyrillic readings (declined), and every scheme's spelling of them.

    Only tokens that some passport scheme spells exactly this way from their Cyrillic reading take
    the round trip: "Ablyazov" does (аблязов), "Johnson" does not.
    """
    out: list[Variant] = []
    low = fold_name(token)
    for cyrillic, provenance in latin_to_cyrillic(token):
        spellings = cyrillic_to_latin(cyrillic)
        round_trips = any(form == low and scheme in _ROUND_TRIP for form, scheme in spellings)
        if not round_trips and provenance != "Wikidata Russian spelling":
            continue
        via = f"Cyrillic reading {cyrillic} ({provenance}), "
        out += _from_cyrillic(cyrillic, role, sex, GUESSED_CYRILLIC_WEIGHT, via, kazakh)
    return out
