"""Write the crowd of real names the crowd evaluation uses (tests/fixtures/matching/crowd_names.csv).

    .venv/bin/pip install -c constraints.txt '.[crowd]'   # names-dataset, 55 MB, from PyPI
    .venv/bin/python bench/make_crowd.py

Each crowd name is a real forename and a real surname of one country, as Facebook users of that
country wrote them (names-dataset 3.3.1, MIT), drawn by rank-weighted chance with a fixed seed:
- every country of names-dataset gets FLOOR names, and BULK more are shared out in proportion to
  the nationalities of INTERPOL's public red list of 2023-05-16 (shared/interpol), so the crowd has
  the regions and scripts of the list (Russian, Central Asian, Latin American, South Asian...)
- forename and surname are written in one script (a Cyrillic forename gets a Cyrillic surname)
- in countries whose surnames have a feminine form (-ova, -ska...), a woman gets that form and a
  man the other one
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "matching" / "crowd_names.csv"
RED_LIST = (
    ROOT.parent
    / "shared"
    / "interpol"
    / "interpol_red_list_items_bulk_2023-05-16_antontsiklop.json"
)
FLOOR = 40
BULK = 16_000
TOP = 300
_FEMININE = (
    "ова",
    "ева",
    "ина",
    "ая",
    "ova",
    "eva",
    "ina",
    "aya",
    "ska",
    "ská",
    "cka",
    "ckа",
    "ová",
)


def script(word: str) -> str:
    """The Unicode script family of a word's first letter (LATIN, CYRILLIC, ARABIC...)."""
    for char in word:
        if char.isalpha():
            return unicodedata.name(char, "?").split()[0]
    return "?"


def usable(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isalpha() or c in "-' " for c in word)


def red_list_shares() -> Counter[str]:
    seen: dict[str, list[str]] = {}
    for page in json.loads(RED_LIST.read_text("utf-8")):
        for notice in page:
            seen[notice["entity_id"]] = notice.get("nationalities") or []
    return Counter(code for codes in seen.values() for code in codes)


def allocation(countries: list[str]) -> dict[str, int]:
    shares = red_list_shares()
    total = sum(shares[c] for c in countries) or 1
    return {c: FLOOR + round(BULK * shares[c] / total) for c in countries}


def pick(rng: random.Random, names: list[str]) -> str:
    """Rank-weighted: the first names of the list are drawn more often, as in a real crowd."""
    weights = [1 / (rank + 10) for rank in range(len(names))]
    return rng.choices(names, weights)[0]


def surname_for(rng: random.Random, surnames: list[str], sex: str, forename: str) -> str | None:
    same = [s for s in surnames if script(s) == script(forename)]
    gendered = [s for s in same if s.lower().endswith(_FEMININE)]
    if len(gendered) * 10 >= len(same):  # a language with feminine surname forms
        same = gendered if sex == "F" else [s for s in same if s not in gendered]
    return pick(rng, same) if same else None


def main() -> None:
    from names_dataset import NameDataset  # type: ignore[import-untyped]  # optional extra

    data = NameDataset()
    forenames = data.get_top_names(n=TOP)
    surnames = data.get_top_names(n=TOP, use_first_names=False)
    countries = sorted(set(forenames) & set(surnames))
    rng = random.Random(15)
    rows = []
    for country, count in allocation(countries).items():
        lasts = [s for s in surnames[country] if usable(s)]
        made: set[tuple[str, str]] = set()
        for _ in range(count * 20):
            if len(made) >= count:
                break
            sex = rng.choice("MF")
            firsts = [f for f in forenames[country].get(sex, []) if usable(f)]
            forename = pick(rng, firsts) if firsts else None
            surname = surname_for(rng, lasts, sex, forename) if forename else None
            if forename and surname and (forename, surname) not in made:
                made.add((forename, surname))
                rows.append((country, sex, forename, surname))
    with OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("country", "sex", "forename", "surname"))
        writer.writerows(rows)
    print(f"{len(rows)} names of {len(countries)} countries -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
