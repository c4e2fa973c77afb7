"""What a text says about a person: labels from the words around a mention, in English and Russian.

Events take their severity from it: an arrest, an extradition step or a Red Notice is "high"; a
court hearing, an asylum decision, a release or a deportation is "medium"; anything else "low".
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.matching.models import Context, Severity

# Stems, so that inflected Russian forms (задержан, задержали, задержания) all fire.
CUES: dict[str, tuple[str, ...]] = {
    "arrest": (
        r"arrest", r"detain", r"detention", r"custody", r"apprehend", r"jail", r"imprison",
        r"задерж", r"арест", r"под страж", r"заключени", r"взят\w* под", r"тюрьм", r"сизо",
    ),
    "extradition": (
        r"extradit", r"surrender", r"hand(?:ed)? over", r"экстради", r"выдач", r"выдать", r"выдан",
    ),
    "red_notice": (
        r"red notice", r"interpol", r"diffusion", r"wanted list", r"international(?:ly)? wanted",
        r"интерпол", r"красн\w+ (?:уведомлен|карточк)", r"розыск",
    ),
    "asylum": (r"asylum", r"refugee", r"international protection", r"убежищ", r"беженц", r"беженец"),
    "court": (
        r"court", r"hearing", r"judge", r"ruling", r"trial", r"tribunal", r"verdict", r"appeal",
        r"суд", r"заседани", r"приговор", r"апелляц", r"судь",
    ),
    "release": (r"releas", r"freed", r"set free", r"bail", r"освобо", r"отпущ", r"залог"),
    "deportation": (r"deport", r"expel", r"expulsion", r"депорт", r"выдвор", r"высыл"),
}  # fmt: skip
HIGH = frozenset({"arrest", "extradition", "red_notice"})
MEDIUM = frozenset({"court", "asylum", "release", "deportation"})
# One pass over the sentence: one named group per label.
_CUES = re.compile("|".join(f"(?P<{label}>{'|'.join(stems)})" for label, stems in CUES.items()))
_SENTENCE_END = re.compile(r"[.!?…]\s+(?=[A-ZА-ЯЁ«\"“])|\n\s*\n")
_MAX_SIDE = 400


def sentence_around(text: str, span: tuple[int, int]) -> str:
    """The sentence holding `span` (at most 400 characters on either side of it)."""
    lo = max(0, span[0] - _MAX_SIDE)
    hi = min(len(text), span[1] + _MAX_SIDE)
    start = lo
    for match in _SENTENCE_END.finditer(text, lo, span[0]):
        start = match.end()
    end_match = _SENTENCE_END.search(text, span[1], hi)
    end = end_match.start() + 1 if end_match else hi
    return text[start:end].strip()


def classify_context(text: str, span: tuple[int, int]) -> Context:
    """Labels and severity of what the sentence around `span` says.

    - labels: arrest, extradition, red_notice, asylum, court, release, deportation (any number)
    - severity: "high" for arrest, extradition or red_notice; "medium" for court, asylum, release
      or deportation; "low" otherwise
    - cues: the words that fired, for the alert to show
    """
    return classify_sentence(sentence_around(text, span))


@lru_cache(maxsize=4096)  # a page that repeats a name repeats its sentence
def classify_sentence(sentence: str) -> Context:
    """Labels and severity of one sentence (see `classify_context`)."""
    first: dict[str, str] = {}
    sentence = sentence.lower()
    for found in _CUES.finditer(sentence):
        label = found.lastgroup
        if label and label not in first:
            first[label] = found.group()
    labels = [label for label in CUES if label in first]
    return Context(tuple(labels), _severity(labels), tuple(first[label] for label in labels))


def _severity(labels: list[str]) -> Severity:
    if HIGH.intersection(labels):
        return "high"
    if MEDIUM.intersection(labels):
        return "medium"
    return "low"
