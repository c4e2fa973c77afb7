"""The data the matching engine takes and returns (the contract the rest of the service codes against)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Band = Literal["strong", "review", "weak"]
Severity = Literal["high", "medium", "low"]
QualifierState = Literal["agrees", "conflicts", "unknown"]


@dataclass(frozen=True)
class MatchPerson:
    """The matching view of one watched person (from watchlist.yaml).

    - `name` as the admin wrote it, any script; `aliases` other spellings, native script included
    - `birth_date` "1963" | "1963-05" | "1963-05-16"; `nationalities` ISO 3166-1 alpha-2, upper case
    - `sex` "M" | "F" | None
    """

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    birth_date: str | None = None
    nationalities: tuple[str, ...] = ()
    sex: str | None = None


@dataclass(frozen=True)
class Record:
    """A structured record: an INTERPOL list item or detail, a court party.

    - `name` is the surname as the source gives it (INTERPOL upper case; may be None or "-"); a
      court party's "SURNAME, Forename" may come whole in `name` with `forename` None
    - `birth_date` "1963" | "1963/05/16" | "1963-05-16" | None
    """

    name: str | None
    forename: str | None
    birth_date: str | None = None
    nationalities: tuple[str, ...] = ()
    sex: str | None = None


@dataclass(frozen=True)
class Qualifiers:
    """What the record's other fields say about a name match."""

    birth_date: QualifierState = "unknown"
    nationality: QualifierState = "unknown"
    sex: QualifierState = "unknown"

    @property
    def conflict(self) -> bool:
        return "conflicts" in (self.birth_date, self.nationality, self.sex)


@dataclass(frozen=True)
class Explanation:
    """Why a match was made, as data (alerts show it; nothing here is a log line).

    - `variant` / `provenance`: the watchlist spelling that matched and the rule that made it
    - `matched`: the record field(s) or the text surface that matched
    - `keys`: the index keys or automaton patterns that fired
    - `pairs`: token by token, which watched token met which incoming one, and how well
    """

    variant: str
    provenance: str
    matched: str
    keys: tuple[str, ...]
    score: float
    band: Band
    qualifiers: Qualifiers = field(default_factory=Qualifiers)
    field: str | None = None
    span: tuple[int, int] | None = None
    pairs: tuple[tuple[str, str, float], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One readable line for an alert (it names the person: never log it)."""
        qualifiers = ", ".join(
            f"{name.replace('_', ' ')} {state}"
            for name, state in asdict(self.qualifiers).items()
            if state != "unknown"
        )
        where = f"{self.field} " if self.field else ""
        line = f"{where}{self.matched!r} matched {self.variant!r} ({self.provenance})"
        line += f": {self.band}, score {self.score:.2f}"
        return f"{line}; {qualifiers}" if qualifiers else line

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (tuples become lists), with a readable `summary`."""
        data = asdict(self)
        data["summary"] = self.summary
        data["score"] = round(self.score, 4)
        data["pairs"] = [[a, b, round(s, 4)] for a, b, s in self.pairs]
        data["keys"] = list(self.keys)
        data["notes"] = list(self.notes)
        data["span"] = list(self.span) if self.span else None
        return data


@dataclass(frozen=True)
class RecordMatch:
    """One watched person matched by a structured record."""

    person_id: str
    score: float
    band: Band
    is_alert: bool
    explanation: Explanation


@dataclass(frozen=True)
class Context:
    """What a text says about the person around a mention."""

    labels: tuple[str, ...]
    severity: Severity
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextMatch:
    """One verified mention of a watched person in a text.

    - `span` is (start, end) in the ORIGINAL text; `surface` is `text[start:end]`
    - `evidence` is the sentence around the mention; `context` what it says (see classify_context)
    """

    person_id: str
    score: float
    band: Band
    is_alert: bool
    explanation: Explanation
    span: tuple[int, int]
    surface: str
    evidence: str
    context: Context
