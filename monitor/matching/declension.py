"""Russian declension of personal names, for finding "Мухтара Аблязова" when we watch "Мухтар Аблязов".

Russian-language news inflects names: the genitive of a man's surname (Аблязова) is also the
nominative of his female relative's, so every form says whether it belongs to the watched person's
own gender or only to the other one; the other-gender forms make a separate, weaker variant.
"""

from __future__ import annotations

from dataclasses import dataclass

_HUSHING = "жшчщц"
_VELAR_HUSHING = "гкхжшчщ"
_INDECLINABLE_ENDINGS = ("о", "е", "и", "у", "ю", "э", "ых", "их", "ы")
_TURKIC_PATRONYMIC = ("улы", "ұлы", "уулу", "кызы", "қызы", "оглы", "гызы")


@dataclass(frozen=True)
class Form:
    """One inflected form of a name token."""

    text: str
    case: str  # "nom", "gen", "dat", "acc", "ins", "prep" (several joined when they coincide)
    other_gender: bool = False


def infer_sex(surname: str | None, forename: str | None) -> str | None:
    """Guess "M" or "F" from Russian name endings; None when nothing tells.

    - a surname in -ова/-ева/-ина/-ская/-ая reads as a woman's, in -ов/-ев/-ин/-ский/-ой as a man's
    - otherwise a forename in -а/-я reads as a woman's (Никита and Илья are the known exceptions)
    """
    if surname:
        low = surname.lower()
        if low.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая")):
            return "F"
        if low.endswith(("ов", "ев", "ёв", "ин", "ын", "ский", "цкий", "ой", "ый")):
            return "M"
    if forename:
        low = forename.lower()
        if low in {"никита", "илья", "кузьма", "фома", "лука", "савва"}:
            return "M"
        return "F" if low.endswith(("а", "я")) else "M"
    return None


def decline(token: str, role: str, sex: str | None) -> list[Form]:
    """Every case form of a Cyrillic name token, nominative first.

    - role is "surname", "forename" or "patronymic"; sex "M", "F" or None (treated as "M" for
      surnames that only men decline, and guessed from the surname ending otherwise)
    - surnames give the other gender's forms too, flagged `other_gender`, unless a form is also
      one of the own gender's (the man's genitive Аблязова stays his own form)
    - indeclinable tokens (ending in -о, -их, -ых, foreign vowels, Kazakh -улы/-кызы) give one form
    """
    low = token.lower()
    if role == "surname":
        own, other = _surname(low, sex)
    elif role == "patronymic":
        own, other = _patronymic(low), []
    else:
        own, other = _forename(low, sex), []
    seen = {form.text for form in own}
    return own + [Form(f.text, f.case, True) for f in other if f.text not in seen]


def _forms(stem: str, endings: dict[str, str]) -> list[Form]:
    return [Form(stem + ending, case) for case, ending in endings.items()]


def _masc_noun(low: str) -> list[Form]:
    """Second-declension masculine: consonant, -й, -ь endings (Мухтар, Сергей, Игорь)."""
    if low.endswith("ий"):
        return _forms(
            low[:-2], {"nom": "ий", "gen/acc": "ия", "dat": "ию", "ins": "ием", "prep": "ии"}
        )
    if low.endswith(("й", "ь")):
        stem = low[:-1]
        return _forms(stem, {"nom": low[-1], "gen/acc": "я", "dat": "ю", "ins": "ем", "prep": "е"})
    ins = "ем" if low[-1] in _HUSHING else "ом"
    return _forms(low, {"nom": "", "gen/acc": "а", "dat": "у", "ins": ins, "prep": "е"})


def _first_declension(low: str) -> list[Form]:
    """Nouns in -а/-я (Жанара, Татьяна, Наталья, Мария)."""
    stem, last = low[:-1], low[-1]
    if low.endswith("ия"):
        return _forms(stem, {"nom": "я", "gen/dat/prep": "и", "acc": "ю", "ins": "ей"})
    if last == "я":
        return _forms(stem, {"nom": "я", "gen": "и", "dat/prep": "е", "acc": "ю", "ins": "ей"})
    gen = "и" if stem[-1:] in _VELAR_HUSHING else "ы"
    ins = "ей" if stem[-1:] in _HUSHING else "ой"
    return _forms(stem, {"nom": "а", "gen": gen, "dat/prep": "е", "acc": "у", "ins": ins})


def _forename(low: str, sex: str | None) -> list[Form]:
    if low.endswith(("а", "я")):
        return _first_declension(low)
    if low.endswith("ь") and sex == "F":
        return _forms(low[:-1], {"nom": "ь", "gen/dat/prep": "и", "ins": "ью"})
    if low.endswith(_INDECLINABLE_ENDINGS) or sex == "F" or len(low) < 2:
        return [Form(low, "nom")]
    return _masc_noun(low)


def _patronymic(low: str) -> list[Form]:
    if low.endswith(_TURKIC_PATRONYMIC):
        return [Form(low, "nom")]
    if low.endswith("на"):
        return _first_declension(low)
    return _masc_noun(low) if low.endswith("ич") else [Form(low, "nom")]


_POSSESSIVE_M = ("ов", "ев", "ёв", "ин", "ын")
_POSSESSIVE_F = ("ова", "ева", "ёва", "ина", "ына")
_ADJ_M = ("ский", "цкий", "ской", "цкой", "ий", "ый", "ой")
_ADJ_F = ("ская", "цкая", "ая", "яя")


def _surname(low: str, sex: str | None) -> tuple[list[Form], list[Form]]:
    """(own-gender forms, other-gender forms) of a surname."""
    if low.endswith(_POSSESSIVE_F) and len(low) > 4:
        return _possessive_f(low[:-1]), _possessive_m(low[:-1])
    if low.endswith(_POSSESSIVE_M) and len(low) > 3:
        return _possessive_m(low), _possessive_f(low)
    if low.endswith(_ADJ_F) and len(low) > 4:
        return _adjective_f(low[:-2]), _adjective_m(low[:-2], "ий")
    if low.endswith(_ADJ_M) and len(low) > 4:
        return _adjective_m(low[:-2], low[-2:]), _adjective_f(low[:-2])
    if low.endswith(_INDECLINABLE_ENDINGS):
        return [Form(low, "nom")], []
    if low.endswith(("а", "я")):
        return _first_declension(low), []
    if sex == "F":
        return [Form(low, "nom")], _masc_noun(low)
    return _masc_noun(low), [Form(low, "nom")]


def _possessive_m(stem: str) -> list[Form]:
    return _forms(stem, {"nom": "", "gen/acc": "а", "dat": "у", "ins": "ым", "prep": "е"})


def _possessive_f(stem: str) -> list[Form]:
    return _forms(stem, {"nom": "а", "gen/dat/ins/prep": "ой", "acc": "у", "ins": "ою"})


def _adjective_m(stem: str, nominative: str) -> list[Form]:
    ins = "им" if nominative == "ий" or stem[-1:] in _VELAR_HUSHING else "ым"
    endings = {"nom": nominative, "gen/acc": "ого", "dat": "ому", "ins": ins, "prep": "ом"}
    return _forms(stem, endings)


def _adjective_f(stem: str) -> list[Form]:
    return _forms(stem, {"nom": "ая", "gen/dat/ins/prep": "ой", "acc": "ую"})
