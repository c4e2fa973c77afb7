"""Events in words an advocate reads at a glance, in their language (pure).

Rules:
- each kind of event has a tag for the subject ("ARREST") and a headline in words ("An arrest is
  reported"); the order of urgency is urgency.py's;
- a change is said as "before / after" sentences: a notice's fields one by one, a case page's
  changed lines side by side (never in diff notation);
- a match is explained in a sentence a lawyer reads without a glossary: what the source wrote,
  which watched name it is and how the spellings relate, what the other fields say; the scores
  stay in the evidence bundle;
- a notice links to its public page on INTERPOL's website, not to the JSON API;
- names and titles are quoted as the source wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from monitor.outbox.i18n import N_, Translator, calendar_day, country
from monitor.outbox.urgency import Kind
from monitor.store.states import Band, EventType, Severity

TAGS = {
    Kind.ARREST: N_("ARREST"),
    Kind.DETENTION: N_("DETENTION"),
    Kind.EXTRADITION: N_("EXTRADITION"),
    Kind.CONVICTION: N_("CONVICTION"),
    Kind.NEW_NOTICE: N_("NEW NOTICE"),
    Kind.COURT_DECISION: N_("COURT DECISION"),
    Kind.NOTICE_CHANGED: N_("NOTICE CHANGED"),
    Kind.NOTICE_OFF_LIST: N_("NOTICE WITHDRAWN FROM VIEW"),
    Kind.NOTICE_BACK: N_("NOTICE BACK"),
    Kind.CASE_PAGE: N_("CASE PAGE"),
    Kind.MENTION: N_("MENTION"),
    Kind.POSSIBLE_MATCH: N_("POSSIBLE MATCH"),
}
HEADLINES = {
    Kind.ARREST: N_("An arrest is reported"),
    Kind.DETENTION: N_("Detention is reported"),
    Kind.EXTRADITION: N_("An extradition or surrender decision is reported"),
    Kind.CONVICTION: N_("A conviction is reported"),
    Kind.NEW_NOTICE: N_("INTERPOL published a new notice"),
    Kind.COURT_DECISION: N_("A court hearing or decision is reported"),
    Kind.NOTICE_CHANGED: N_("INTERPOL changed a published notice"),
    Kind.NOTICE_OFF_LIST: N_("The notice is no longer on INTERPOL's public list"),
    Kind.NOTICE_BACK: N_("The notice is back on INTERPOL's public list"),
    Kind.CASE_PAGE: N_("The case page changed"),
    Kind.MENTION: N_("Named in the news"),
    Kind.POSSIBLE_MATCH: N_("Possibly this person: please check"),
}
NOTICE_TYPES = {"red": N_("Red Notice"), "yellow": N_("Yellow Notice"), "un": N_("UN Notice")}
NEW_NOTICE_TAGS = {"red": N_("NEW RED NOTICE"), "yellow": N_("NEW YELLOW NOTICE")}
SEVERITIES: dict[str, str] = {
    Severity.HIGH: N_("urgent"),
    Severity.MEDIUM: N_("important"),
    Severity.LOW: N_("for information"),
}
FIELDS = {
    "Surname": N_("Surname"),
    "Forename": N_("Forename"),
    "Birth date": N_("Birth date"),
    "Nationalities": N_("Nationalities"),
    "Charges": N_("Charges"),
    "Issuing countries": N_("Issuing countries"),
    "Photo": N_("Photo"),
}
PROTECTION = {
    "refugee": N_("refugee status"),
    "subsidiary": N_("subsidiary protection"),
    "asylum": N_("asylum"),
    "humanitarian": N_("humanitarian protection"),
    "other": N_("international protection"),
}
PUBLIC_PAGES = {
    "red": "https://www.interpol.int/en/How-we-work/Notices/View-Red-Notices#{}",
    "yellow": "https://www.interpol.int/en/How-we-work/Notices/View-Yellow-Notices#{}",
    "un": "https://www.interpol.int/en/How-we-work/Notices/View-UN-Notices-Individuals#{}",
}
_SCHEME_WORDS = (
    "icao",
    "gost",
    "bgn",
    "iso",
    "passport",
    "wikipedia",
    "scheme",
    "national",
    "latin",
)


def tag(kind: Kind, details: Mapping[str, Any], tr: Translator) -> str:
    notice = str(details.get("notice_type", "red"))
    if kind is Kind.NEW_NOTICE and notice in NEW_NOTICE_TAGS:
        return tr.gettext(NEW_NOTICE_TAGS[notice])
    return tr.gettext(TAGS[kind])


def headline(kind: Kind, details: Mapping[str, Any], tr: Translator) -> str:
    if kind is Kind.NEW_NOTICE:
        notice = tr.gettext(NOTICE_TYPES.get(str(details.get("notice_type")), N_("Red Notice")))
        return tr.gettext("INTERPOL published a new %(notice)s") % {"notice": notice}
    return tr.gettext(HEADLINES[kind])


def severity(level: str, tr: Translator) -> str:
    return tr.gettext(SEVERITIES.get(level, SEVERITIES[Severity.LOW]))


def public_link(event_type: str, details: Mapping[str, Any], url: str | None) -> str | None:
    """A notice's page on INTERPOL's public website; any other item's own URL."""
    entity = details.get("entity_id")
    page = PUBLIC_PAGES.get(str(details.get("notice_type", "red")))
    notice = event_type.startswith("notice_") or event_type == EventType.POSSIBLE_MATCH
    if notice and entity and page:  # the id comes from the source: quoted, never markup
        return page.format(quote(str(entity).replace("/", "-"), safe="-"))
    return url


def notice_changes(changes: Sequence[Mapping[str, Any]], tr: Translator) -> list[str]:
    """'Charges: before, “Embezzlement”; now, “Organised crime; fraud”.' per changed field."""
    return [
        tr.gettext("%(field)s: before, “%(before)s”; now, “%(after)s”.")
        % {
            "field": tr.gettext(FIELDS.get(str(c.get("field")), str(c.get("field")))),
            "before": c.get("before") or tr.gettext("nothing"),
            "after": c.get("after") or tr.gettext("nothing"),
        }
        for c in changes
    ]


def page_changes(diff: str, tr: Translator) -> list[str]:
    """The changed lines of a case page as sentences: what it said before, what it says now."""
    return [_page_sentence(before, after, tr) for before, after in _hunks(diff)]


def _page_sentence(before: list[str], after: list[str], tr: Translator) -> str:
    said, says = " / ".join(before), " / ".join(after)
    if before and after:
        return tr.gettext("The page said “%(before)s”; it now says “%(after)s”.") % {
            "before": said,
            "after": says,
        }
    if after:
        return tr.gettext("The page now also says “%(after)s”.") % {"after": says}
    return tr.gettext("The page no longer says “%(before)s”.") % {"before": said}


def _hunks(diff: str) -> Iterator[tuple[list[str], list[str]]]:
    """(removed lines, added lines) of each run of changes in a diff_text() diff."""
    before: list[str] = []
    after: list[str] = []
    for line in [*diff.splitlines(), "@@"]:
        if line.startswith("- "):
            before.append(line[2:].strip())
        elif line.startswith("+ "):
            after.append(line[2:].strip())
        elif before or after:
            yield before, after
            before, after = [], []


def notice_facts(details: Mapping[str, Any], tr: Translator, language: str) -> str:
    """'Notice 2026/12345 · ABLIAZOV MUKHTAR · Birth date: 1963-05-16 · Nationalities: Kazakhstan ·
    Wanted by: Russia': what the notice says, field names and countries in the advocate's words."""
    notice = details.get("notice") or {}
    if not notice:
        return ""
    name = " ".join(str(notice[part]) for part in ("name", "forename") if notice.get(part))
    parts = [tr.gettext("Notice %(id)s") % {"id": details.get("entity_id", "")}, name]
    countries = {
        FIELDS["Birth date"]: (
            [calendar_day(str(notice["birth_date"]), language)] if notice.get("birth_date") else []
        ),
        FIELDS["Nationalities"]: [country(c, language) for c in notice.get("nationalities") or []],
        N_("Wanted by"): [country(c, language) for c in notice.get("issuing_countries") or []],
    }
    parts += [
        f"{tr.gettext(label)}: {', '.join(values)}" for label, values in countries.items() if values
    ]
    return " · ".join(part for part in parts if part)


def protection_flag(
    person: Mapping[str, Any], details: Mapping[str, Any], tr: Translator, language: str
) -> list[str]:
    """The warning that a notice comes from a state the person is protected from, in words."""
    protection = person.get("protection")
    notice = details.get("notice") or {}
    if not details.get("flags") or not isinstance(protection, Mapping):
        return []
    hostile = sorted(
        set(notice.get("issuing_countries") or []) & set(protection.get("protected_from") or [])
    )
    if not hostile:
        return []
    values = {
        "states": ", ".join(country(code, language) for code in hostile),
        "status": tr.gettext(PROTECTION.get(str(protection.get("status")), PROTECTION["other"])),
        "country": country(str(protection.get("country")), language),
    }
    return [
        tr.gettext(
            "Requested by %(states)s, a state this person is protected from "
            "(%(status)s granted by %(country)s). INTERPOL's rules on refugees bar such "
            "notices: this is grounds for a request to the CCF to delete it."
        )
        % values
    ]


def explanation(match: Mapping[str, Any], person: Mapping[str, Any], tr: Translator) -> str:
    """Why this item concerns this person, in plain sentences (no scores, no folded forms)."""
    if not match:
        return ""
    person_name = str(person.get("name", ""))
    if "interpol_notice_ids" in str(match.get("provenance", "")):
        return tr.gettext("You listed this notice under %(name)s in the watchlist.") % {
            "name": person_name
        }
    sentences = [_relation(match, person, tr)]
    sentences += _qualifier_sentences(match.get("qualifiers") or {}, tr)
    if match.get("band") != Band.STRONG:
        sentences.append(
            tr.gettext("The names are close but not the same: a person must decide if it is them.")
        )
    return " ".join(sentences)


def _relation(match: Mapping[str, Any], person: Mapping[str, Any], tr: Translator) -> str:
    provenance = str(match.get("provenance", "")).lower()
    notes = [str(note) for note in match.get("notes") or []]
    pairs = match.get("pairs") or []
    values = {"source": str(match.get("matched", "")), "name": _watched_form(match, person)}
    if "initial" in notes:
        message = N_("The source writes “%(source)s”: the initial and surname of %(name)s.")
    elif "other-gender surname form" in notes:
        message = N_(
            "The source writes “%(source)s”: the surname of %(name)s in its other-gender form."
        )
    elif "declension" in provenance:
        message = N_("The source writes “%(source)s”: %(name)s, with a Russian case ending.")
    elif any(float(pair[2]) < 1.0 for pair in pairs if len(pair) == 3):
        message = N_("The source writes “%(source)s”, a spelling close to %(name)s.")
    elif "names-translator" in provenance or "ukrainian" in provenance:
        message = N_("The source writes “%(source)s”: the Ukrainian or Russian form of %(name)s.")
    elif any(word in provenance for word in _SCHEME_WORDS):
        message = N_(
            "The source writes “%(source)s”: %(name)s, transliterated as passports and the press do."
        )
    else:
        message = N_("The source writes “%(source)s”, exactly as %(name)s is written.")
    return tr.gettext(message) % values


def _watched_form(match: Mapping[str, Any], person: Mapping[str, Any]) -> str:
    """The watched spelling as the watchlist writes it: the name or alias the match met (a
    record names it as written; a text match holds its folded form), else the person's name."""
    variant = str(match.get("variant") or "")
    written = [str(person.get("name", "")), *(str(a) for a in person.get("aliases") or [])]
    if str(match.get("provenance", "")).startswith("compared with the") and variant:
        return variant
    same = [w for w in written if " ".join(w.casefold().split()) == " ".join(variant.split())]
    return same[0] if same else written[0]


def _qualifier_sentences(qualifiers: Mapping[str, Any], tr: Translator) -> list[str]:
    said = {
        ("birth_date", "agrees"): N_("The birth date agrees."),
        ("birth_date", "conflicts"): N_("The birth date differs: check it."),
        ("nationality", "agrees"): N_("The nationality agrees."),
        ("nationality", "conflicts"): N_("The nationality differs: check it."),
        ("sex", "conflicts"): N_("The sex differs: check it."),
    }
    return [
        tr.gettext(said[(field, str(state))])
        for field, state in qualifiers.items()
        if (field, str(state)) in said
    ]
