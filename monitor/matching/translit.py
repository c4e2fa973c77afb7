"""Transliteration of one name token between Cyrillic and Latin, every variant with its provenance.

Sources, in the order their provenance is preferred:
- iuliia's Russian schemes (passports 1997/2000/2010/2014, BGN/PCGN, ISO 9, Wikipedia, ...)
- our press schemes in iuliia's own format (`data/press_schemes.json`: German, Polish, French,
  Ukrainian national 2010, Kazakh Latin 2021), because iuliia has none of them
- names-translator's Ukrainian<->Russian name forms (`data/ua2ru_names.csv`: Олександр<->Александр)
- Wikidata's English spellings of Russian name tokens (`data/wikidata_ru_latin.tsv`: Alexander)
Known gaps of the libraries are closed here: iuliia ignores Kazakh and Ukrainian letters (we map
them first) and anyascii/unidecode spell Ә as "A"/"@" (we never use them for Cyrillic variants).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import iuliia

from monitor.matching import datafiles
from monitor.matching.normalize import fold_name

# Scheme name -> provenance shown in explanations.
RUSSIAN_SCHEMES: dict[str, str] = {
    "icao_doc_9303": "ICAO Doc 9303 (Russian passports since 2014)",
    "mvd_310": "MVD 310-1997 (Russian passports 1997)",
    "mvd_782": "MVD 782-2000 (Russian passports 2000)",
    "gost_52535": "GOST R 52535.1-2006 (Russian passports 2010)",
    "bgn_pcgn": "BGN/PCGN",
    "wikipedia": "Wikipedia",
    "gost_779": "GOST 7.79 / ISO 9",
    "scientific": "scientific",
    "ungegn_1987": "UNGEGN 1987",
    "telegram": "telegram",
    "ala_lc": "ALA-LC",
    "mvd_310_fr": "MVD 310-1997 French",
}
PRESS_PROVENANCE: dict[str, str] = {
    "de_press": "German press",
    "pl_press": "Polish press",
    "fr_press": "French press",
    "uk_national": "Ukrainian national 2010",
    "kk_latin_2021": "Kazakh Latin 2021",
}
# Kazakh letters iuliia leaves untouched, as the Russian press renders them.
KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһі", "агкноуухи")
KAZAKH_LETTERS = frozenset("әғқңөұүһ")
UKRAINIAN_LETTERS = frozenset("іїєґ")
_DROP_MARKS = str.maketrans("", "", "'’ʹʼ`·\u0361")

CYRILLIC_RANGE = ("\u0400", "\u04ff")


def is_cyrillic(token: str) -> bool:
    """True when most letters of the token are Cyrillic."""
    letters = [c for c in token if c.isalpha()]
    cyr = sum(1 for c in letters if CYRILLIC_RANGE[0] <= c <= CYRILLIC_RANGE[1])
    return bool(letters) and cyr * 2 > len(letters)


@lru_cache(maxsize=1)
def _schemes() -> dict[str, Any]:
    schemes: dict[str, Any] = {name: iuliia.schemas.get(name) for name in RUSSIAN_SCHEMES}
    for spec in json.loads(datafiles.text("press_schemes.json")):
        schemes[spec["name"]] = iuliia.schema.TranslitSchema(
            name=spec["name"],
            mapping=spec["mapping"],
            prev_mapping=spec.get("prev_mapping"),
            next_mapping=spec.get("next_mapping"),
            ending_mapping=spec.get("ending_mapping"),
        )
    return schemes


@lru_cache(maxsize=1)
def _ua_ru() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Ukrainian -> Russian and Russian -> Ukrainian name forms (folded)."""
    uk_ru: dict[str, list[str]] = {}
    ru_uk: dict[str, list[str]] = {}
    for row in csv.DictReader(datafiles.text("ua2ru_names.csv").splitlines()):
        uk, ru = row["uk"], row["ru"]
        uk_ru.setdefault(uk, []).append(ru)
        if row["count"] == "2":  # secondary Ukrainian forms are often misspellings
            ru_uk.setdefault(ru, []).append(uk)
    return _freeze(uk_ru), _freeze(ru_uk)


@lru_cache(maxsize=1)
def _wikidata() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Cyrillic token -> English spellings seen on Wikidata, and back (folded)."""
    cyr_lat: dict[str, list[str]] = {}
    lat_cyr: dict[str, list[str]] = {}
    for line in datafiles.text("wikidata_ru_latin.tsv").splitlines()[1:]:
        cyr, lat, _count = line.split("\t")
        cyr_lat.setdefault(cyr, []).append(lat)
        lat_cyr.setdefault(lat, []).append(cyr)
    return _freeze(cyr_lat), _freeze(lat_cyr)


def _freeze(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(dict.fromkeys(values)) for key, values in table.items()}


def _latin(text: str) -> str:
    return fold_name(text.translate(_DROP_MARKS))


@lru_cache(maxsize=65536)
def cyrillic_to_latin(token: str) -> tuple[tuple[str, str], ...]:
    """Every Latin spelling of one Cyrillic token, folded, with the scheme that gave it.

    - the token is lower-cased Cyrillic (Russian, Ukrainian or Kazakh letters)
    - Russian schemes see Kazakh letters mapped to their Russian press equivalents first
    - the Ukrainian scheme runs for Ukrainian-looking tokens and names names-translator knows
    - press rules add "x" for "ks" (Alexandr) and "-y" for "-ий" (Zelensky)
    - the first scheme to produce a spelling gives its provenance
    """
    low = token.lower()
    out: dict[str, str] = {}
    for form, provenance in _raw_latin(low):
        if form and form.isascii():
            out.setdefault(form, provenance)
    for form, provenance in list(out.items()):
        for extra, rule in _press_rules(low, form):
            out.setdefault(extra, f"{provenance} + {rule}")
    return tuple(out.items())


def _raw_latin(low: str) -> Iterator[tuple[str, str]]:
    schemes = _schemes()
    russian = low.translate(KAZAKH_TO_RUSSIAN)
    uk_ru, _ru_uk = _ua_ru()
    ukrainian = bool(UKRAINIAN_LETTERS & set(low)) or low in uk_ru
    if ukrainian:
        yield _latin(schemes["uk_national"].translate(low)), PRESS_PROVENANCE["uk_national"]
    for name, provenance in RUSSIAN_SCHEMES.items():
        yield _latin(schemes[name].translate(russian)), provenance
    for name in ("de_press", "pl_press", "fr_press"):
        yield _latin(schemes[name].translate(russian)), PRESS_PROVENANCE[name]
    if KAZAKH_LETTERS & set(low):
        yield _latin(schemes["kk_latin_2021"].translate(low)), PRESS_PROVENANCE["kk_latin_2021"]
    for form in _wikidata()[0].get(low, ()):
        yield form, "Wikidata English spelling"


def _press_rules(low: str, form: str) -> Iterator[tuple[str, str]]:
    if "ks" in form:
        yield form.replace("ks", "x"), "press ks→x"
    if low.endswith(("ий", "ый")) and len(form) > 4:
        stem = form[:-2] if form.endswith(("iy", "yi", "ii", "ij", "yj", "yy")) else None
        if stem:
            for ending in ("y", "yy", "i", "iy"):
                yield stem + ending, f"press -ий→-{ending}"


# Latin -> Cyrillic: longest match first; each entry lists the readings, most likely first.
_LAT_CYR: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "sch": ("ш", "щ"), "tsch": ("ч",), "tch": ("ч",), "zh": ("ж",), "kh": ("х",),
    "ts": ("ц",), "tz": ("ц",), "ch": ("ч", "х"), "sh": ("ш",), "sz": ("ш",), "cz": ("ч",),
    "ya": ("я", "ья"), "yu": ("ю", "ью"), "yo": ("ё",), "ye": ("е", "ье"), "ia": ("я", "ия", "ья"),
    "iu": ("ю",),
    "ja": ("я",), "ju": ("ю",), "je": ("е",), "ou": ("у",), "ck": ("к",), "ph": ("ф",),
    "a": ("а",), "b": ("б",), "c": ("к", "ц"), "d": ("д",), "e": ("е", "э"), "f": ("ф",),
    "g": ("г",), "h": ("х", "г"), "i": ("и",), "j": ("ж", "й"), "k": ("к",), "l": ("л",),
    "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р",), "s": ("с",),
    "t": ("т",), "u": ("у",), "v": ("в",), "w": ("в",), "x": ("кс",), "y": ("ы", "и"), "z": ("з",),
}  # fmt: skip
_VOWELS_LAT = frozenset("aeiouy")
_MAX_CYRILLIC = 4


@lru_cache(maxsize=65536)
def latin_to_cyrillic(token: str) -> tuple[tuple[str, str], ...]:
    """Likely Cyrillic spellings of a Latin token (for people the watchlist knows only in Latin).

    - Wikidata's Russian spellings of the token come first when it has any
    - otherwise a reverse of BGN/PCGN and the press schemes, longest letter group first
    - "y" after a vowel reads "й", after a consonant "ы"; "e" opens a word as "э" only as a second
      choice; at most four readings, the most likely first
    """
    low = fold_name(token)
    if not low.isascii() or not low.isalpha():
        return ()
    out: dict[str, str] = {}
    for form in _wikidata()[1].get(low, ()):
        out.setdefault(form, "Wikidata Russian spelling")
    for form in _reverse(low):
        out.setdefault(form, "reverse transliteration")
        if len(out) >= _MAX_CYRILLIC:
            break
    return tuple(out.items())


def _reverse(low: str) -> list[str]:
    results = [""]
    i = 0
    while i < len(low):
        for size in (4, 3, 2, 1):
            piece = low[i : i + size]
            if len(piece) == size and piece in _LAT_CYR:
                break
        readings = _contextual(low, i, piece)
        results = [r + c for r in results for c in readings][: _MAX_CYRILLIC * 2]
        i += len(piece)
    return results


def _contextual(low: str, i: int, piece: str) -> tuple[str, ...]:
    if piece == "y":
        after_vowel = i > 0 and low[i - 1] in _VOWELS_LAT
        return ("й",) if after_vowel else ("ы", "и")
    if piece == "e" and i == 0:
        return ("е", "э")
    if piece == "e":
        return ("е",)
    return _LAT_CYR[piece]


UKRAINIAN_SURNAME_PROVENANCE = (
    "Ukrainian national 2010 (the surname as a Ukrainian passport writes it)"
)
BELARUSIAN_PROVENANCE = "Belarusian form (data/be_forenames.csv)"


def belarusian_latin(token: str) -> str:
    """A Belarusian Cyrillic token in the Belarusian national romanisation (passports):
    ціханоўская -> tsikhanouskaya, лукашэнка -> lukashenka ("" where a letter has none)."""
    form = _latin(_schemes()["be_national"].translate(token.lower()))
    return form if form.isascii() else ""


def ukrainian_spelling(token: str) -> str:
    """The Ukrainian national transliteration of a Cyrillic token read as Ukrainian letters:
    Параскевич -> paraskevych, Березницкий -> bereznytskyi ("" where a letter has none)."""
    form = _latin(_schemes()["uk_national"].translate(token.lower()))
    return form if form.isascii() else ""


@lru_cache(maxsize=1)
def _belarusian() -> dict[str, tuple[str, str]]:
    rows = csv.DictReader(datafiles.text("be_forenames.csv").splitlines())
    return {row["ru"]: (row["be"], row["latin"]) for row in rows}


@lru_cache(maxsize=1)
def ukrainian_pairs() -> tuple[tuple[str, str], ...]:
    """(Russian form in Latin, Ukrainian form in Latin) for the primary names-translator pairs
    that are first names in either language (Aleksandr/Oleksandr, Sergey/Serhii), by the
    passport schemes of each country."""
    schemes = _schemes()
    _, ru_uk = _ua_ru()
    pairs = []
    for ru, uks in ru_uk.items():
        if ru not in _belarusian() and not _is_forename(ru):
            continue
        for uk in uks:
            ukrainian = _latin(schemes["uk_national"].translate(uk))
            for scheme in ("icao_doc_9303", "bgn_pcgn"):
                pairs.append((_latin(schemes[scheme].translate(ru)), ukrainian))
    return tuple(p for p in pairs if all(x.isascii() and x for x in p))


def _is_forename(ru: str) -> bool:
    return not ru.endswith(("ов", "ев", "ин", "ко", "ский", "цкий", "ович", "евич", "ук", "юк"))


@lru_cache(maxsize=1)
def belarusian_pairs() -> tuple[tuple[str, str], ...]:
    """(Russian form in Latin, Belarusian passport form) of data/be_forenames.csv."""
    schemes = _schemes()
    return tuple(
        (_latin(schemes[scheme].translate(ru)), latin)
        for ru, (_, latin) in _belarusian().items()
        for scheme in ("icao_doc_9303", "bgn_pcgn")
    )


def belarusian_forms(token: str) -> tuple[tuple[str, str], ...]:
    """The Belarusian forms of a Russian forename, Cyrillic and as Belarusian passports write it
    (Татьяна -> таццяна, tatsiana; Николай -> мікалай, mikalai), from data/be_forenames.csv."""
    found = _belarusian().get(token.lower())
    return (found,) if found else ()


def ukrainian_russian_forms(token: str) -> tuple[tuple[str, str], ...]:
    """The Russian forms of a Ukrainian name token and the Ukrainian forms of a Russian one."""
    uk_ru, ru_uk = _ua_ru()
    key = token.lower()
    out = [(ru, "names-translator uk→ru") for ru in uk_ru.get(key, ())]
    out += [(uk, "names-translator ru→uk") for uk in ru_uk.get(key, ())]
    return tuple(out)
