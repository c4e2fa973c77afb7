"""What INTERPOL's list filters are, and which notices a query holds (pure).

A `Dimension` is one way to split a query along one API parameter (surname or forename
initials and longer prefixes, lengths, sex, nationality); `locally_in` and `must_contain` say,
from a notice's published fields, whether a query lists it.

Rules:
- only query forms known to work on the real API: `name`/`forename` prefixes (`^A`, `^AB`) and
  lengths (`^.{7}$`), `nationality`, `sexId`, `ageMin`/`ageMax`;
- a local match follows the API on the raw published value (a forename `-` has length 1);
- list items carry no sex: a query filtered by sex is never certain to hold a notice;
- `must_contain` is certain (ages only with a full birth date, a day either way), `locally_in`
  an estimate (year-only birth dates count as 1 January): the first may prove an absence, the
  second only decides where to look.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from monitor.interpol.ages import age_of, age_range
from monitor.items import Item

# No 16 letters start more than 160 names; an API that ignores its filters would otherwise
# make prefixes grow (^AAAA...) until the stack overflows.
MAX_PREFIX = 16
Filters = Mapping[str, str]
Published = Mapping[str, object]  # a list item exactly as the API sent it (filters see raw values)

_EXOTIC_INITIALS = (*string.digits, "'", "-", " ", *"ÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŠŽŞĞİ")
_EXTENSIONS = (*string.ascii_uppercase, " ", "-", "'", *string.digits)
_PREFIX = re.compile(r"^\^([^.^$*+?{}\[\]|()\\]+)$")


@dataclass(frozen=True)
class Dimension:
    """One way to split a query along one API parameter.

    - `children(filters, sample)`: the children's filters, likeliest first (from `sample`);
    - `local(item, child)`: whether a published item matches a child query, exactly as the API
      would, on its raw published value (a forename `-` has length 1);
    - `checkable` is False when list items do not show the field (sex); `disjoint` is False
      when a notice can match several values (nationality).
    """

    name: str
    param: str
    checkable: bool = True
    disjoint: bool = True

    def applies(self, filters: Filters) -> bool:
        return self.param not in filters

    def values(self, filters: Filters) -> tuple[str, ...]:
        raise NotImplementedError

    def key(self, item: Published, filters: Filters) -> str | None:
        """The value of the child of `filters` that `item` falls in (None: no child)."""
        raise NotImplementedError

    def pattern(self, value: str) -> str:
        return value

    def children(self, filters: Filters, sample: Iterable[Published]) -> list[dict[str, str]]:
        domain = self.values(filters)
        seen = Counter(self.key(item, filters) for item in sample)
        ordered = sorted(domain, key=lambda value: (-seen[value], domain.index(value)))
        return [{**filters, self.param: self.pattern(value)} for value in ordered]

    def local(self, item: Published, child: Filters) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _Prefix(Dimension):
    """`^A`..`^Z`; `extend`: `^AB` under `^A`; `exotic`: digits, punctuation, accented capitals."""

    extend: bool = False
    exotic: bool = False

    def applies(self, filters: Filters) -> bool:
        if self.extend:
            prefix = prefix_of(filters.get(self.param))
            return prefix is not None and len(prefix) < MAX_PREFIX
        return self.param not in filters

    def values(self, filters: Filters) -> tuple[str, ...]:
        stem = prefix_of(filters.get(self.param)) or ""
        if stem:
            return tuple(stem + letter for letter in _EXTENSIONS)
        return _EXOTIC_INITIALS if self.exotic else tuple(string.ascii_uppercase)

    def key(self, item: Published, filters: Filters) -> str | None:
        value = item.get(self.param)
        size = len(prefix_of(filters.get(self.param)) or "") + 1
        return value[:size].upper() if isinstance(value, str) and len(value) >= size else None

    def pattern(self, value: str) -> str:
        return f"^{value}"

    def local(self, item: Published, child: Filters) -> bool:
        value, stem = item.get(self.param), prefix_of(child.get(self.param))
        return isinstance(value, str) and stem is not None and value.upper().startswith(stem)


@dataclass(frozen=True)
class _Length(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return tuple(str(n) for n in range(1, 61))

    def key(self, item: Published, filters: Filters) -> str | None:
        value = item.get(self.param)
        return str(len(value)) if isinstance(value, str) else None

    def pattern(self, value: str) -> str:
        return f"^.{{{value}}}$"

    def local(self, item: Published, child: Filters) -> bool:
        return self.pattern(self.key(item, child) or "") == child.get(self.param)


@dataclass(frozen=True)
class _Sex(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return ("M", "F", "U")

    def key(self, item: Published, filters: Filters) -> str | None:
        return None  # list items carry no sex

    def local(self, item: Published, child: Filters) -> bool:
        raise TypeError("sex is not in list items")


@dataclass(frozen=True)
class _Nationality(Dimension):
    def values(self, filters: Filters) -> tuple[str, ...]:
        return COUNTRIES

    def key(self, item: Published, filters: Filters) -> str | None:
        codes = codes_of(item)
        return codes[0] if codes else None

    def local(self, item: Published, child: Filters) -> bool:
        return child.get(self.param) in codes_of(item)


def prefix_of(pattern: str | None) -> str | None:
    match = _PREFIX.match(pattern or "")
    return match[1].upper() if match else None


def codes_of(item: Published) -> list[str]:
    codes = item.get("nationalities")
    return [code for code in codes if isinstance(code, str)] if isinstance(codes, list) else []


# ISO 3166-1 alpha-2 plus the codes INTERPOL also uses for nationalities (UNK, XK).
_COUNTRY_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK UNK"
)
COUNTRIES = tuple(_COUNTRY_CODES.split())
AGE, COVER = "age", "cover"
DIMENSIONS: Mapping[str, Dimension] = {
    "name": _Prefix("name", "name"),
    "forename": _Prefix("forename", "forename"),
    "name+": _Prefix("name+", "name", extend=True),
    "forename+": _Prefix("forename+", "forename", extend=True),
    "name_exotic": _Prefix("name_exotic", "name", exotic=True),
    "forename_exotic": _Prefix("forename_exotic", "forename", exotic=True),
    "name_length": _Length("name_length", "name"),
    "forename_length": _Length("forename_length", "forename"),
    "sex": _Sex("sex", "sexId", checkable=False),
    "nationality": _Nationality("nationality", "nationality", disjoint=False),
}


def published(item: Item) -> Published:
    """The item as the API published it (its raw JSON), falling back on the parsed data."""
    try:
        raw = json.loads(item.raw)
    except ValueError:
        return item.data
    return raw if isinstance(raw, dict) else item.data


def locally_in(item: Item, raw: Published, filters: Filters, today: date) -> bool:
    """Whether an item seems to match every filter (sex is unknown: never; ages: estimated)."""
    if "sexId" in filters:
        return False
    if "ageMin" in filters or "ageMax" in filters:
        age, (low, high) = age_of(item, today), age_range(filters)
        if age is None or not low <= age <= high:
            return False
    for param in ("name", "forename"):
        value = raw.get(param)
        if param in filters and not (isinstance(value, str) and _matches(filters[param], value)):
            return False
    return "nationality" not in filters or filters["nationality"] in codes_of(raw)


def _matches(pattern: str, value: str) -> bool:
    return re.match(pattern, value, re.IGNORECASE) is not None


def must_contain(filters: Filters, data: Mapping[str, object], today: date) -> bool:
    """Whether a query with `filters` certainly lists a notice with these stored (parsed) fields.

    - sex is not in list items: a query filtered by sex is never certain;
    - ages only with a full birth date, and not on a birthday (a day either way keeps its age);
    - names by prefix or length as the API matches them; nationalities by code.
    """
    return "sexId" not in filters and all(_certain(p, filters, data, today) for p in filters)


def _certain(param: str, filters: Filters, data: Mapping[str, object], today: date) -> bool:
    if param in ("ageMin", "ageMax"):
        return _certain_age(filters, data.get("birth_date"), today)
    if param == "nationality":
        codes = data.get("nationalities")
        return isinstance(codes, list | tuple) and filters[param] in codes
    if param in ("name", "forename"):
        value = data.get(param)
        return isinstance(value, str) and _matches(filters[param], value)
    return False  # a parameter this rule does not know: never certain


def _certain_age(filters: Filters, birth_date: object, today: date) -> bool:
    if not isinstance(birth_date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth_date):
        return False
    low, high = age_range(filters)
    item = Item(key="", title="", data={"birth_date": birth_date})
    ages = {age_of(item, today.fromordinal(today.toordinal() + shift)) for shift in (-1, 0, 1)}
    return all(age is not None and low <= age <= high for age in ages)
