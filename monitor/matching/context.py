"""What a text says about a person: labels from the words around a mention, in English, Russian,
French and German.

Events take their severity from it: an arrest or detention, an extradition step (an extradition
order or certification, a surrender), a conviction or a Red Notice is "high"; another court
decision (a judgment, an opinion, an order, a ruling, an acquittal, an appeal lodged or
dismissed), a court hearing, an asylum decision, a release or a deportation is "medium"; anything
else "low". The sentence is found by `sentences.sentence_around`, which knows legal abbreviations
and captions ("USA v. Zhukov", "No. 20-5101", "et al."), so a caption is one sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.matching.models import Context, Severity
from monitor.matching.sentences import sentence_around

__all__ = ["CUES", "classify_context", "classify_sentence", "sentence_around"]

# Stems, so that inflected forms (задержан, задержали, задержания; verurteilt, Verurteilung) all
# fire. Matched in lower case against the sentence; the order of the labels is the order an alert
# shows them in (its tag is the first: an extradition order that commits to custody is EXTRADITION).
CUES: dict[str, tuple[str, ...]] = {
    "extradition": (
        r"extradit", r"surrender", r"hand(?:ed)? over", r"экстради", r"выдач", r"выдать", r"выдан",
        r"extrad", r"remis\w* aux autorités", r"ausliefer", r"ausgeliefert", r"überstell",
    ),
    "arrest": (
        r"arrest", r"detain", r"detention", r"custody", r"apprehend", r"jail", r"imprison",
        r"задерж", r"арест", r"под страж", r"заключени", r"взят\w* под", r"тюрьм", r"сизо",
        r"мер\w* пресечения",
        r"arrestation", r"été arrêté", r"interpell", r"garde à vue", r"écrou", r"incarcér", r"placé\w* en détention",
        r"festgenommen", r"festnahme", r"verhaft", r"haftbefehl", r"in haft", r"untersuchungshaft",
        r"inhaftier", r"gewahrsam",
    ),
    "conviction": (
        r"convict", r"sentenc", r"found guilty", r"pleaded guilty", r"guilty plea",
        r"осужд[её]н", r"приговор[её]н", r"приговорил", r"признан\w* виновн",
        r"обвинительн\w* приговор",
        r"condamn\w* à", r"reconnu\w* coupable", r"verurteil", r"schuldig gesprochen",
        r"freiheitsstrafe", r"haftstrafe",
    ),
    "red_notice": (
        r"red notice", r"interpol", r"diffusion", r"wanted list", r"international(?:ly)? wanted",
        r"интерпол", r"красн\w+ (?:уведомлен|карточк)", r"розыск",
    ),
    "asylum": (
        r"asylum", r"refugee", r"international protection", r"убежищ", r"беженц", r"беженец",
        r"asile", r"réfugié", r"asyl", r"flüchtling",
    ),
    "decision": (
        r"judgment", r"judgement", r"(?<!public )opinion", r"(?<!in )\border(?!\w| to\b| for\b)", r"orders\b",
        r"ordered", r"ruling", r"decision", r"decided", r"decree", r"verdict", r"acquit",
        r"dismiss", r"affirmed", r"reversed", r"vacated", r"remand",
        r"certif(?:y|ied|ies|ication)", r"(?:lodged|filed)"
        r"\w* an appeal", r"appeal\w* (?:lodged|filed|dismissed|denied|granted|allowed)",
        r"решени", r"постановлени", r"определени\w* суда", r"оправда", r"кассац",
        r"апелляционн\w* жалоб", r"жалоб\w* (?:отклон|удовлетвор|подан)",
        r"jugement", r"arrêt\b", r"décision", r"ordonnance", r"acquitt",
        r"pourvoi", r"en appel", r"interjet", r"relaxé",
        r"urteil", r"beschluss", r"entscheid", r"freispruch", r"freigesprochen", r"berufung",
        r"beschwerde",
    ),
    "court": (
        r"court", r"hearing", r"judge", r"trial", r"tribunal", r"appeal",
        r"суд", r"заседани", r"приговор", r"апелляц", r"судь",
        r"cour\b", r"procès", r"gericht", r"verhandlung", r"prozess",
    ),
    "release": (
        r"releas", r"freed", r"set free", r"bail", r"освобо", r"отпущ", r"залог",
        r"libéré", r"remis\w* en liberté", r"freigelassen", r"auf freiem fuß",
    ),
    "deportation": (
        r"deport", r"expel", r"expulsion", r"депорт", r"выдвор", r"высыл",
        r"expuls", r"abschieb", r"ausgewiesen",
    ),
}  # fmt: skip
HIGH = frozenset({"arrest", "extradition", "conviction", "red_notice"})
MEDIUM = frozenset({"decision", "court", "asylum", "release", "deportation"})
# One pass over the sentence: one named group per label.
_CUES = re.compile("|".join(f"(?P<{label}>{'|'.join(stems)})" for label, stems in CUES.items()))


def classify_context(text: str, span: tuple[int, int]) -> Context:
    """Labels and severity of what the sentence around `span` says.

    - labels: arrest, extradition, conviction, red_notice, asylum, decision, court, release,
      deportation (any number)
    - severity: "high" for arrest, extradition, conviction or red_notice; "medium" for decision,
      court, asylum, release or deportation; "low" otherwise
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
