"""Sentence bounds around a mention, for evidence and context: legal writing has many dots that end
nothing ("USA v. Zhukov", "U.S.", "Case No. 20-5101", "Acme Inc.", "et al.", "Mukhtar K. Ablyazov").

A sentence ends at ".", "!", "?" or "…" (closing quotes and brackets may follow) before a space
and a capital letter (Latin, Greek, Cyrillic), an opening quote or bracket, or at a blank line;
a dot does not end one:
- after a known abbreviation (legal, titles, Russian, French and German ones; see ABBREVIATIONS)
- after a single letter (an initial, or the French caption "X c. Y")
- after letters joined by dots (U.S., U.K., S.A.), and after a capitalised "No." (Case No. CR-12)
Russian captions ("Иванов против России") carry no dot and need no rule.
"""

from __future__ import annotations

import re

# Compared in lower case, without the final dot.
_ABBREVIATED = """
    v vs al etc nr art arts sec secs para paras ch cl pt app supp cir fed civ crim
    inc ltd co corp llc plc bros dept govt univ assn intl
    mr mrs ms dr prof jr sr st hon gen col lt sgt capt gov sen rep pres amb atty esq
    jan feb mar apr jun jul aug sep sept oct nov dec approx ca cf ibid id op cit viz
    ст ч п пп г гг им ул обл р-н тыс млн млрд руб т д см напр проф акад
    mme mlle mgr av bd ste cass req
    abs bzw ca dr hr fr nr str ggf vgl usw evtl z b
"""
ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_CAPITALS = "ĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"  # Latin Extended-A
_OPENERS = "«\"“„‘'([¿¡"  # never part of the word before a dot
# A stop, a closing quote or bracket, spaces, then what may open a sentence (a capital of the
# Latin, Greek or Cyrillic alphabets, an opening quote or bracket); or a blank line. (One stop
# character, no group: the fastest form of this pattern by far; "?!" and "..." end at their last.)
_END = re.compile(
    r"[.!?…][\"'»”’)\]]?\s+(?=[A-ZÀ-ÖØ-Þ" + _CAPITALS + r"Α-ΩА-ЯЁЄІЇЎҚҒҢӨҮҰҺӘ«\"“„‘'(\[¿¡])"
    r"|\n[ \t]*\n"
)
_NEAR = 120  # most sentence starts are this close: look there first
_MAX_SIDE = 400


def sentence_bounds(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Start and end of the sentence holding `span` (at most 400 characters either side).

    - an end inside the span itself (the dot of an initial) is no end
    - without a sentence end in reach, the 400-character window is the sentence
    """
    lo = max(0, span[0] - _MAX_SIDE)
    hi = min(len(text), span[1] + _MAX_SIDE)
    return _start(text, span[0], lo), _end(text, span[1], hi)


def _start(text: str, at: int, lo: int) -> int:
    # Up to the span's first character, so that the end right before it is seen (its lookahead);
    # near the span first, the whole window only when nothing ends there.
    for left in (max(lo, at - _NEAR), lo):
        for found in reversed(list(_END.finditer(text, left, at + 1))):
            if found.end() <= at and not _abbreviated(text, found):
                return found.end()
        if left == lo:
            break
    return lo


def _end(text: str, at: int, hi: int) -> int:
    for found in _END.finditer(text, at, hi):
        if not _abbreviated(text, found):
            stop = found.group()
            return found.start() if stop[0] == "\n" else found.start() + len(stop.rstrip())
    return hi


def sentence_around(text: str, span: tuple[int, int]) -> str:
    """The sentence holding `span`, stripped (see `sentence_bounds`)."""
    start, end = sentence_bounds(text, span)
    return text[start:end].strip()


def _abbreviated(text: str, found: re.Match[str]) -> bool:
    """Whether a stop that looks like a sentence end is the dot of an abbreviation or initial."""
    return text[found.start()] == "." and _abbreviation_before(text, found.start())


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the word just before the dot at `dot` is an abbreviation or an initial."""
    left = dot
    while left > 0 and not text[left - 1].isspace() and text[left - 1] not in _OPENERS:
        left -= 1
    word = text[left:dot]
    if not word:
        return False
    if len(word) == 1:
        return word.isalpha()
    if "." in word and all(len(part) <= 2 and part.isalpha() for part in word.split(".")):
        return True  # U.S, S.A, z.B
    # "No." of a case number only when capitalised: "he said no." ends a sentence
    return word.lower() in ABBREVIATIONS or word in ("No", "Nos", "NO")
