"""watchlist.yaml -> validated, typed models: the people to watch, who to tell, and where to look.

Rules:
- every problem in the file is reported at once, each with its line and column;
- an unknown key gets a "did you mean" when a known key is close;
- ids are unique per section; a person's advocates must exist; every person needs an advocate,
  or their alerts would reach nobody;
- the models are frozen: a loaded watchlist never changes under the code that uses it.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
)

from monitor.config import yamlpos
from monitor.config.yamlpos import Document, Problem
from monitor.exc import ConfigError
from monitor.interpol.constants import BASE_URL, WRITTEN_ID
from monitor.locale import available_languages

INTERPOL_API = BASE_URL
MIN_INTERVAL = timedelta(minutes=1)
MAX_INTERVAL = timedelta(days=3650)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$")
_NOTIFY_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
SECRET_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lower-case letters, digits, '-' and '_' (e.g. mukhtar-ablyazov)"
        )
    return value


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_interval(value: Any) -> timedelta:
    """'30m', '6h', '1d', '90s', '2w' -> timedelta (at least one minute, at most ten years)."""
    if isinstance(value, timedelta):
        return value
    found = _INTERVAL.match(str(value))
    if not found:
        raise ValueError(
            f"{value!r} is not an interval: write a number and a unit, e.g. 30m, 6h, 1d"
        )
    try:
        interval = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    except OverflowError:
        interval = MAX_INTERVAL * 2
    if interval > MAX_INTERVAL:  # the next poll's date must stay a date
        raise ValueError(f"{value!r} is too long: the longest interval is 3650d")
    if interval < MIN_INTERVAL:
        raise ValueError(f"{value!r} is too short: the shortest interval is 1m")
    return interval


def format_interval(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _partial_date(value: str) -> str:
    found = _PARTIAL_DATE.match(value.strip())
    if not found:
        raise ValueError(f"{value!r} is not a date: write 1963, 1963-05 or 1963-05-16")
    year, month, day = (int(part) if part else None for part in found.groups())
    assert year is not None
    if not 1900 <= year <= date.today().year:
        raise ValueError(f"{value!r} is not a plausible birth year")
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(f"{value!r} is an impossible date") from None
    return found.group(0)


def _country(value: str) -> str:
    import iso3166

    code = value.strip().upper()
    if code not in iso3166.countries_by_alpha2:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. KZ, RU, UA)")
    return code


def _notice_id(value: str) -> str:
    found = WRITTEN_ID.match(value.strip())
    if not found:
        raise ValueError(f"{value!r} is not an INTERPOL notice id: write it as 2014/12345")
    return f"{found.group(1)}/{found.group(2)}"


def _email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email address: {exc}") from None


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _css_selector(value: str) -> str:
    from monitor.text.selectors import InvalidSelector, compile_selector

    try:
        compile_selector(value)  # as browsers read it; a refusal in our own words
    except InvalidSelector as exc:
        raise ValueError(str(exc)) from None
    return value


def _language(value: str) -> str:
    code = value.strip().lower().replace("-", "_")
    known = sorted(available_languages())
    if code not in known:
        raise ValueError(
            f"no catalogue for language {value!r}{_did_you_mean(code, known)}: use one of {', '.join(known)}"
        )
    return code


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Warsaw)"
        ) from None
    return value.strip()


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """'22:00-07:00' -> (22:00, 07:00): the window may run past midnight; equal ends are refused."""
    found = _QUIET_HOURS.match(value.strip())
    if not found:
        raise ValueError(f'{value!r} is not a window of hours: write it as "22:00-07:00"')
    hour, minute, end_hour, end_minute = (int(part) for part in found.groups())
    start, end = time(hour, minute), time(end_hour, end_minute)
    if start == end:
        raise ValueError(f"{value!r} starts and ends at the same minute")
    return start, end


def _quiet_hours(value: str) -> str:
    parse_quiet_hours(value)
    return value.strip()


def _notify_url(value: str) -> str:
    """The URL's shape only: Apprise itself validates it in `monitor check` (secrets resolved)."""
    value = value.strip()
    if not _NOTIFY_URL.match(value):
        raise ValueError(
            "is not an Apprise URL: write it as scheme://..., e.g. signal://localhost:8080/+15551234567"
        )
    if "${" in SECRET_PLACEHOLDER.sub("", value):
        raise ValueError("has an unclosed ${...}: write a secret as ${ENV_NAME}")
    return value


def _notify_target(value: Any) -> Any:
    """A target may be a bare URL or a mapping with `url` and `names`."""
    return {"url": value} if isinstance(value, str) else value


def _listify(value: Any) -> Any:
    """Let an admin write a single value where a list is expected (`nationalities: KZ`)."""
    if isinstance(value, str):
        return [value]
    return [] if value is None else value


Slug = Annotated[str, AfterValidator(_slug)]
Text = Annotated[str, AfterValidator(_not_blank)]
Country = Annotated[str, AfterValidator(_country)]
Countries = Annotated[list[Country], BeforeValidator(_listify)]
Texts = Annotated[list[Text], BeforeValidator(_listify)]
Slugs = Annotated[list[Slug], BeforeValidator(_listify)]
PartialDate = Annotated[str, AfterValidator(_partial_date)]
NoticeId = Annotated[str, AfterValidator(_notice_id)]
Email = Annotated[str, AfterValidator(_email)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Selector = Annotated[str, AfterValidator(_css_selector)]
Interval = Annotated[
    timedelta, BeforeValidator(parse_interval), PlainSerializer(format_interval, when_used="json")
]
Severity = Literal["high", "medium", "low"]
Language = Annotated[str, AfterValidator(_language)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
QuietHours = Annotated[str, AfterValidator(_quiet_hours)]
NotifyUrl = Annotated[str, AfterValidator(_notify_url)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class WatchPage(_Model):
    """A case page followed for one person (a court's case file, a campaign page)."""

    url: HttpUrl
    selector: Selector | None = None
    interval: Interval = timedelta(hours=6)


class Protection(_Model):
    """International protection a person holds: a notice from a state they are protected from is suspect."""

    status: Literal["refugee", "subsidiary", "asylum", "humanitarian", "other"]
    country: Country
    date: PartialDate | None = None
    protected_from: Countries = []


class WatchedPerson(_Model):
    id: Slug
    name: Text
    aliases: Texts = []
    birth_date: PartialDate | None = None
    sex: Literal["M", "F"] | None = None
    nationalities: Countries = []
    interpol_notice_ids: Annotated[list[NoticeId], BeforeValidator(_listify)] = []
    advocates: Slugs = []
    tags: Texts = []
    notes: str = ""
    watch: list[WatchPage] = []
    protection: Protection | None = None


class NotifyTarget(_Model):
    """A channel besides email, as an Apprise URL; `${NAME}` stands for a secret in the environment.

    `names: true` lets the message name the person (the service behind the URL then learns it).
    """

    url: NotifyUrl
    names: bool = False


class Advocate(_Model):
    id: Slug
    name: Text
    email: Email
    digest: Literal["weekly", "daily", "none"] = "weekly"
    min_severity: Severity = "high"
    language: Language = "en"
    timezone: TimeZone | None = None  # None: MONITOR_TIMEZONE
    quiet_hours: QuietHours | None = None
    notify: list[Annotated[NotifyTarget, BeforeValidator(_notify_target)]] = []
    # The web app: an admin sees every person, the sources' health and the audit log.
    role: Literal["advocate", "admin"] = "advocate"


class _Source(_Model):
    id: Slug
    enabled: bool = True


class InterpolSource(_Source):
    type: Literal["interpol"]
    notice_types: Annotated[list[Literal["red", "yellow", "un"]], BeforeValidator(_listify)] = [
        "red"
    ]
    base_url: HttpUrl = INTERPOL_API
    interval: Interval = timedelta(minutes=15)
    sweep_interval: Interval = timedelta(hours=12)
    rate: float = Field(default=2.0, gt=0, le=100)
    targeted: bool = False
    # Two 404s of a watched notice's detail at least this far apart confirm its withdrawal
    # (None: monitor.interpol.lifecycle's WITHDRAWAL_CONFIRM_AFTER, 6 h).
    withdrawal_confirm_after: Interval | None = None


class FeedSource(_Source):
    type: Literal["feed"]
    url: HttpUrl
    kind: Literal["news", "court"] = "news"
    interval: Interval = timedelta(minutes=30)
    full_text: bool = False


class PageSource(_Source):
    type: Literal["page"]
    url: HttpUrl
    kind: Literal["news", "court"] = "court"
    item_selector: Selector
    link_selector: Selector | None = None
    title_selector: Selector | None = None
    interval: Interval = timedelta(hours=1)


class WatchSource(_Source):
    """A person's case page as a source of its own (derived from `watch`, not written by admins).

    Its id is opaque (a hash), because source ids appear in logs and a person's id often spells
    their name.
    """

    type: Literal["watch"]
    person_id: Slug
    url: HttpUrl
    selector: Selector | None = None
    interval: Interval = timedelta(hours=6)


Source = InterpolSource | FeedSource | PageSource | WatchSource


def source_config(config: Mapping[str, Any]) -> Source:
    """The validated source model of a source's stored config (a `sources.config` value)."""
    adapter: TypeAdapter[Source] = TypeAdapter(Source)
    return adapter.validate_python(config)


SOURCE_MODELS: dict[str, type[InterpolSource | FeedSource | PageSource]] = {
    "interpol": InterpolSource,
    "feed": FeedSource,
    "page": PageSource,
}
SECTIONS: dict[str, type[_Model] | None] = {
    "people": WatchedPerson,
    "advocates": Advocate,
    "sources": None,
}


class Watchlist(BaseModel):
    """The whole validated file."""

    model_config = ConfigDict(frozen=True)

    people: tuple[WatchedPerson, ...] = ()
    advocates: tuple[Advocate, ...] = ()
    sources: tuple[Source, ...] = ()

    def person(self, person_id: str) -> WatchedPerson | None:
        return next((p for p in self.people if p.id == person_id), None)

    def advocate(self, advocate_id: str) -> Advocate | None:
        return next((a for a in self.advocates if a.id == advocate_id), None)

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def followers(self, person: WatchedPerson) -> list[Advocate]:
        return [a for a in self.advocates if a.id in person.advocates]

    @property
    def all_sources(self) -> tuple[Source, ...]:
        """The sources of the file and one watch source per case page followed for a person."""
        return self.sources + tuple(watch_sources(self.people))


def watch_sources(people: Iterable[WatchedPerson]) -> Iterator[WatchSource]:
    for person in people:
        for page in person.watch:
            digest = hashlib.sha256(f"{person.id}\n{page.url}".encode()).hexdigest()[:12]
            yield WatchSource(
                id=f"watch-{digest}",
                type="watch",
                person_id=person.id,
                url=page.url,
                selector=page.selector,
                interval=page.interval,
            )


class WatchlistError(ConfigError):
    """The watchlist has problems; `problems` lists each with its position."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(p.format(filename) for p in self.problems))


def load_watchlist(path: Path) -> Watchlist:
    """Read and validate a watchlist file, raising WatchlistError with every problem found."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WatchlistError(
            str(path), [Problem(1, 1, f"cannot read the file: {exc.strerror}")]
        ) from None
    return parse_watchlist(data, filename=str(path))


def parse_watchlist(data: bytes, *, filename: str = "watchlist.yaml") -> Watchlist:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WatchlistError(filename, [Problem(line, 1, "the file is not valid UTF-8")]) from None
    try:
        doc = yamlpos.load(text)
    except yamlpos.YamlProblems as exc:
        raise WatchlistError(filename, exc.problems) from None
    watchlist, problems = _validate(doc)
    if problems:
        raise WatchlistError(filename, problems)
    return watchlist


def _validate(doc: Document) -> tuple[Watchlist, list[Problem]]:
    if doc.data is None:
        return Watchlist(), [
            Problem(1, 1, "the file is empty: it needs people, advocates and sources")
        ]
    if not isinstance(doc.data, dict):
        return Watchlist(), [
            Problem(1, 1, "the file must be a mapping with people, advocates and sources")
        ]
    problems = list(_unknown_keys(doc, (), doc.data, SECTIONS))
    sections: dict[str, list[Any]] = {}
    for name in SECTIONS:
        items = doc.data.get(name)
        if items is None:
            items = []
        if not isinstance(items, list):
            problems.append(
                Problem(*doc.position((name,)), f"{name} must be a list (items start with '- ')")
            )
            items = []
        sections[name] = [
            model
            for index, item in enumerate(items)
            if (model := _validate_item(doc, (name, index), item, problems)) is not None
        ]
    problems.extend(_cross_check(doc, sections))
    return Watchlist.model_validate(sections), problems


def _validate_item(doc: Document, path: yamlpos.Path, item: Any, problems: list[Problem]) -> Any:
    section = str(path[0])
    if not isinstance(item, dict):
        problems.append(
            Problem(*doc.position(path), f"each entry of {section} must be a mapping of keys")
        )
        return None
    model = SECTIONS[section] or _source_model(doc, path, item, problems)
    if model is None:
        return None
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        problems.extend(_problems(doc, path, model, exc))
        return None


def _source_model(
    doc: Document, path: yamlpos.Path, item: dict[str, Any], problems: list[Problem]
) -> type[_Model] | None:
    kind = item.get("type")
    if kind in SOURCE_MODELS:
        return SOURCE_MODELS[str(kind)]
    if kind is None:
        message = f"a source needs a type: one of {', '.join(SOURCE_MODELS)}"
        problems.append(Problem(*doc.position(path), message))
    else:
        hint = _did_you_mean(str(kind), SOURCE_MODELS)
        message = f"unknown source type {kind!r}{hint}; use one of {', '.join(SOURCE_MODELS)}"
        problems.append(Problem(*doc.position((*path, "type")), message))
    return None


def _problems(
    doc: Document, base: yamlpos.Path, model: type[BaseModel], exc: ValidationError
) -> Iterator[Problem]:
    for error in exc.errors():
        loc = tuple(error["loc"])
        path = (*base, *loc)
        if error["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            hint = _did_you_mean(str(loc[-1]), known)
            yield Problem(*doc.position(path, key=True), f"unknown key {loc[-1]!r}{hint}")
        elif error["type"] == "missing":
            where = ".".join(str(part) for part in loc)
            yield Problem(*doc.position(path[:-1]), f"missing required key {where!r}")
        else:
            yield Problem(*doc.position(path), f"{_label(loc)}: {_message(error)}")


def _label(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if not isinstance(part, int)) or "value"


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error":
        return message.replace("Input should be", "must be")
    return message


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> Iterable[str]:
    """The field names of the model found by following `loc` (skipping list indexes)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        inner = getattr(candidate, "__args__", ())
        for arg in inner:
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_keys(
    doc: Document, path: yamlpos.Path, mapping: Mapping[str, Any], known: Iterable[str]
) -> Iterator[Problem]:
    known = list(known)
    for key in mapping:
        if key not in known:
            hint = _did_you_mean(key, known)
            yield Problem(*doc.position((*path, key), key=True), f"unknown key {key!r}{hint}")


def _cross_check(doc: Document, sections: dict[str, list[Any]]) -> Iterator[Problem]:
    for name in SECTIONS:
        yield from _duplicate_ids(doc, name)
    advocate_ids = {str(item.get("id")) for item in _raw_items(doc, "advocates")}
    for index, item in enumerate(doc.data.get("people") or []):
        if isinstance(item, dict):
            yield from _advocate_references(doc, index, item, advocate_ids)
    yield from _shared_notice_types(doc, sections.get("sources", []))


def _shared_notice_types(doc: Document, sources: list[Any]) -> Iterator[Problem]:
    """Two enabled sources reading one notice type from one API would keep two lifecycles of the
    same notices (and fight over them): one source per notice type and API."""
    index_of = {
        str(item.get("id")): i
        for i, item in enumerate(doc.data.get("sources") or [])
        if isinstance(item, dict)
    }
    reader: dict[tuple[str, str], str] = {}
    for source in sources:
        if not isinstance(source, InterpolSource) or not source.enabled:
            continue
        for notice_type in dict.fromkeys(source.notice_types):
            read = (str(source.base_url), notice_type)
            if read not in reader:
                reader[read] = source.id
                continue
            raw = doc.data["sources"][index_of[source.id]]
            field = "notice_types" if "notice_types" in raw else "id"
            yield Problem(
                *doc.position(("sources", index_of[source.id], field)),
                f"source {source.id!r} reads INTERPOL's {notice_type} notices from the same API "
                f"as source {reader[read]!r}: one source per notice type "
                "(to rename a source, change its id: its notices follow)",
            )


def _raw_items(doc: Document, section: str) -> list[dict[str, Any]]:
    items = doc.data.get(section)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _duplicate_ids(doc: Document, section: str) -> Iterator[Problem]:
    first_line: dict[str, int] = {}
    items = doc.data.get(section)
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        at = doc.position((section, index, "id"))
        if item["id"] in first_line:
            message = f"duplicate id {item['id']!r} in {section} (first used at line {first_line[item['id']]})"
            yield Problem(*at, message)
        else:
            first_line[item["id"]] = at[0]


def _advocate_references(
    doc: Document, index: int, person: dict[str, Any], advocate_ids: set[str]
) -> Iterator[Problem]:
    refs = person.get("advocates")
    refs = [refs] if isinstance(refs, str) else refs
    if not refs:
        at = doc.position(("people", index, "advocates"))
        yield Problem(
            *at,
            "no advocate follows this person: add one under advocates, or their alerts reach nobody",
        )
        return
    if not isinstance(refs, list):
        return
    for position, ref in enumerate(refs):
        if isinstance(ref, str) and ref not in advocate_ids:
            hint = _did_you_mean(ref, advocate_ids)
            at = doc.position(("people", index, "advocates", position))
            yield Problem(*at, f"unknown advocate {ref!r}{hint}: it is not listed under advocates")
