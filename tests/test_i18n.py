"""Alerts, digests (their source-health and withdrawal lines too), the sign-in email and channel
messages in the advocate's language: every sentence translated,
plural forms right, dates in the locale, names as the source wrote them; and a language without
a catalogue refused by `monitor check`.

The catalogue check extracts the sentences from the code and the templates as `pybabel extract`
does (babel.cfg), so a sentence added without a translation fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.watchlist import WatchlistError, parse_watchlist
from monitor.locale import LOCALE_DIR, available_languages
from monitor.outbox import channels, present
from monitor.outbox.compose import Mailing, build_message
from monitor.outbox.i18n import day, translator, when
from monitor.outbox.templates import default_templates_dir, render
from monitor.outbox.transports import OutboxTransport
from monitor.store import database, models
from monitor.store.health import source_problem
from monitor.store.models import Source
from monitor.store.sync import sync_watchlist
from monitor.store.withdrawals import UNREACHABLE, WithdrawalHealth
from monitor.web.signing import EmailLinks, Signer
from tests.paths import ROOT

LANGUAGES = sorted(available_languages() - {"en"})
NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
PERSON = {
    "name": "Mukhtar Ablyazov",
    "aliases": ["Мухтар Аблязов"],
    "protection": {"status": "refugee", "country": "FR", "protected_from": ["KZ", "RU"]},
}
MATCH = {
    "variant": "Mukhtar Ablyazov",
    "provenance": "compared with the name as written; abliazov: ICAO Doc 9303",
    "matched": "MUKHTAR ABLIAZOV",
    "pairs": [["mukhtar", "mukhtar", 1.0], ["abliazov", "abliazov", 1.0]],
    "band": "review",
    "qualifiers": {"birth_date": "agrees", "nationality": "conflicts", "sex": "conflicts"},
    "notes": [],
}
NOTICE = {
    "notice_type": "red",
    "entity_id": "2026/12345",
    "flags": ["protected"],
    "notice": {
        "name": "ABLIAZOV",
        "forename": "MUKHTAR",
        "birth_date": "1963-05-16",
        "nationalities": ["KZ"],
        "issuing_countries": ["RU"],
    },
}
SENTENCE = "Mukhtar Ablyazov was arrested in Nice; the court ordered his detention."
EVENTS = [
    ("news_mention", {"context_labels": ["arrest"], "sentence": "He was arrested."}),
    ("news_mention", {"context_labels": ["arrest"], "sentence": SENTENCE}),
    ("court_item", {"context_labels": ["extradition", "court"], "sentence": "Extradition."}),
    ("notice_published", {**NOTICE, "match": MATCH}),
    ("notice_published", {**NOTICE, "notice_type": "yellow"}),
    ("notice_published", {**NOTICE, "notice_type": "un"}),
    ("court_item", {"context_labels": ["court"], "sentence": "A hearing."}),
    ("court_item", {"context_labels": [], "sentence": "Listed."}),
    (
        "notice_changed",
        {
            **NOTICE,
            "changes": [
                {"field": field, "before": "", "after": "x"}
                for field in ("Surname", "Forename", "Birth date", "Nationalities", "Charges")
            ]
            + [{"field": "Issuing countries", "before": "RU", "after": "RU; KZ"}]
            + [{"field": "Photo", "before": "1", "after": "2"}],
        },
    ),
    ("notice_no_longer_public", NOTICE),
    ("notice_reappeared", NOTICE),
    ("page_changed", {"diff": "@@ line 1 @@\n- Hearing on 3 March\n+ Hearing moved\n+ New"}),
    ("page_changed", {"diff": "@@ line 9 @@\n- Removed line"}),
    ("news_mention", {"context_labels": [], "sentence": "Ablyazov spoke.", "match": MATCH}),
    ("possible_match", {**NOTICE, "match": {**MATCH, "notes": ["initial"]}}),
]
MATCH_NOTES = [
    {"notes": ["initial"]},
    {"notes": ["other-gender surname form"]},
    {"provenance": "Russian declension (gen/acc)"},
    {"pairs": [["zhanara", "zhanar", 0.9]]},
    {"provenance": "names-translator"},
    {"provenance": "as written"},
    {"provenance": "watchlist.yaml interpol_notice_ids"},
]


def extracted() -> dict[str, Any]:
    """Every sentence of the code and templates, as `pybabel extract -F babel.cfg` finds them."""
    method_map = [
        ("monitor/**.py", "python"),
        ("monitor/templates/email/**.html", "jinja2"),
        ("monitor/templates/email/**.txt", "jinja2"),
    ]
    options = {"monitor/templates/email/**": {"extensions": "jinja2.ext.i18n"}}
    found: dict[str, Any] = {}
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT),
        method_map,
        options,
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        found[message[0] if isinstance(message, tuple) else message] = message
    return found


def event(number: int, kind: str, details: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(
        id=number,
        type=kind,
        severity=["high", "medium", "low"][number % 3],
        details=details,
        evidence=str(details.get("sentence", "")),
        person_id="mukhtar-ablyazov",
        baseline=number == 5,
        title=f"Title {number}",
        url="https://news.example.org/a",
        source_id="news",
        detected_at=NOW - timedelta(hours=number),
    )


def views(language: str) -> list[dict[str, Any]]:
    tr = translator(language)
    made = [
        present.event_view(event(n, kind, details), PERSON, UTC, tr, language)
        for n, (kind, details) in enumerate(EVENTS, start=1)
    ]
    for n, extra in enumerate(MATCH_NOTES, start=100):
        details = {"match": {**MATCH, **extra}, "context_labels": [], "sentence": "x"}
        made.append(
            present.event_view(event(n, "news_mention", details), PERSON, UTC, tr, language)
        )
    return made


def health_lines(language: str) -> list[str]:
    """Every source-health and withdrawal sentence the digest can give, in `language`."""
    tr, write = translator(language), (lambda moment: day(moment, UTC, language))
    rows = [
        Source(id="a", enabled=True, consecutive_failures=2, last_error="HTTP 503"),
        Source(id="b", enabled=True, last_success_at=NOW, consecutive_failures=1, last_error="e"),
        Source(
            id="c", enabled=True, last_success_at=NOW - timedelta(days=9), consecutive_failures=0
        ),
        Source(
            id="d",
            enabled=True,
            last_success_at=NOW,
            status="blocked",
            last_error="403",
            consecutive_failures=0,
        ),
        Source(
            id="e",
            enabled=True,
            last_success_at=NOW,
            status="degraded",
            last_error="0 items",
            consecutive_failures=0,
        ),
    ]
    lines = [source_problem(row, NOW - timedelta(days=7), tr, write) or "" for row in rows]
    for unreachable, unchecked, reason in (
        (1, 0, UNREACHABLE),
        (12, 3, UNREACHABLE),
        (0, 1, None),
        (0, 0, "HTTP 500"),
    ):
        health = WithdrawalHealth(
            source_id="interpol-red",
            sweeps_incomplete_since=NOW - timedelta(days=2) if reason else None,
            reason=reason and f"notices {reason}",
            unreachable=unreachable,
            unlisted=unreachable or 5,
            watched=2,
            unchecked=unchecked,
            unchecked_since=NOW - timedelta(days=1),
            unchecked_reason="HTTP 503" if unchecked == 3 else None,
            overdue=0,
        )
        lines.append(health.sentence(tr, write) or "")
    none = WithdrawalHealth("i", NOW, None, 0, 2, 1, 0, None, None, 0)
    return [*lines, none.sentence(tr, write) or ""]


def channel_notes(language: str, alert_views: list[dict[str, Any]]) -> list[str]:
    """The channel messages of an alert and of a digest that is ready, on every kind of target."""
    tr, parts = translator(language), []
    for names in (False, True):
        for url in ("signal://h/+1/+2", "json://h/x"):
            target = channels.Target(url, names=names)
            for public in ("https://r.example.org", None):
                notice = channels.compose(target, "k", alert_views, public, tr)
                parts += [notice.title, notice.body]
                for frequency, events, people, unchecked in (
                    ("weekly", 0, 1, 0),
                    ("daily", 1, 1, 1),
                    ("weekly", 5, 2, 3),
                ):
                    summary = channels.DigestSummary(
                        frequency,
                        NOW,
                        NOW,
                        events,
                        people,
                        unchecked,
                        (("p", "Mukhtar Ablyazov", events),),
                    )
                    notice = channels.compose_digest(target, "k", summary, public, tr)
                    parts += [notice.title, notice.body]
    return parts


def sign_in_email(language: str) -> tuple[str, str, str]:
    context = {
        "advocate": {"name": "Legal team", "email": "legal@example.org"},
        "language": language,
        "link": "https://r.example.org/login/1",
        "valid_until": when(NOW, UTC, language),
        "generated_at": when(NOW, UTC, language),
    }
    return render("login", context, default_templates_dir(), language)


def every_email(language: str) -> str:
    """The alert, a full digest with every health and withdrawal line, the sign-in email and
    the channel messages, all rendered in `language`."""
    tr = translator(language)
    made = views(language)
    health = [{"id": "s", "type": "interpol", "problem": line} for line in health_lines(language)]
    advocate = {"name": "Legal team", "email": "legal@example.org"}
    alert = present.alert_context(advocate, made, "now", tr)
    sections = [
        {
            "name": "Mukhtar Ablyazov",
            "events": made[:-1],
            "possible": made[-1:],
            "weak": [{"detected_at": "t", "title": "w", "url": "u", "explanation": "e"}],
            "interpol_line": "x",
        }
    ]
    digest = {
        "advocate": advocate,
        "language": language,
        "period": {"start": "a", "end": "b", "start_day": "a", "end_day": "b"},
        "people": sections,
        "active": sections,
        "quiet": [{"name": "Zhanara Akhmetova", "interpol_line": "y"}],
        "event_count": 0,
        "sources": [{"id": "news"}, {"id": "interpol-red"}],
        "checked": [{"id": "news"}],
        "unchecked": [{"id": "interpol-red", "type": "interpol", "problem": "q"}, *health],
        "degraded": [{"id": "news", "type": "feed", "problem": "p"}, *health],
        "interpol_watch": {"state": "unwatched"},
        "problems": [{"id": "news", "type": "feed", "problem": "p"}, *health],
        "delivery_problems": ["d"],
        "generated_at": "now",
    }
    parts = []
    for name, context in (("alert", {**alert, "language": language}), ("digest", digest)):
        parts += render(name, context, default_templates_dir(), language)
        parts += render(name, {**context, "event_count": 3}, default_templates_dir(), language)
    parts += sign_in_email(language)
    parts += channel_notes(language, alert["events"])
    return "\n".join(parts)


def translated(tr: Any, message: Any) -> str:
    if isinstance(message, tuple):
        return " ".join(tr.ngettext(message[0], message[1], n) for n in (1, 2, 5))
    return str(tr.gettext(message))


def fragments(message: Any) -> list[str]:
    """The English pieces of a sentence between its placeholders, of two words or more."""
    texts = message if isinstance(message, tuple) else (message,)
    pieces = [p.strip(" .,:;()“”") for t in texts for p in re.split(r"%\(\w+\)[sd]", t)]
    return [p for p in pieces if len(re.findall(r"[A-Za-z]{2,}", p)) >= 2]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_of_the_code_and_templates_is_translated(language: str) -> None:
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "redwatch.po", "rb") as handle:
        catalogue = read_po(handle)
    tr = translator(language)
    for key, message in extracted().items():
        entry = catalogue.get(message if isinstance(message, str) else message[0])
        assert entry is not None and not entry.fuzzy, f"{language}: {key!r} has no translation"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{language}: {key!r} is not translated (all forms)"
        if isinstance(message, str):  # the compiled .mo holds what the .po says
            assert tr.gettext(message) == entry.string, f"{language}: stale .mo for {key!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_renders_in_every_language_with_no_english_sentence_left(
    language: str,
) -> None:
    output = every_email(language)
    tr = translator(language)
    left = []
    for message in extracted().values():
        same = translated(tr, message)  # a piece the language writes the same way is not left
        left += [f for f in fragments(message) if f in output and f not in same]
    assert left == []
    assert "Mukhtar Ablyazov" in output and "MUKHTAR ABLIAZOV" in output  # names as written


def test_plural_forms_follow_each_language() -> None:
    ru, en, uk = translator("ru"), translator("en"), translator("uk")
    head = {"head": "АРЕСТ: X"}
    for n, expected in ((1, "и ещё 1"), (2, "и ещё 2"), (5, "и ещё 5"), (21, "и ещё 21")):
        assert expected in ru.ngettext("%(head)s, and %(num)d more", "", n) % {**head, "num": n}
    forms = {n: ru.ngettext("And %(num)d more event.", "", n) % {"num": n} for n in (1, 3, 5, 21)}
    assert forms == {
        1: "И ещё 1 событие.",
        3: "И ещё 3 события.",
        5: "И ещё 5 событий.",
        21: "И ещё 21 событие.",
    }
    assert uk.ngettext("And %(num)d more event.", "", 4) % {"num": 4} == "І ще 4 події."
    notes = {n: ru.ngettext("%(num)d new event", "", n) % {"num": n} for n in (1, 3, 5, 21)}
    assert notes == {
        1: "1 новое событие",
        3: "3 новых события",
        5: "5 новых событий",
        21: "21 новое событие",
    }
    lines = {
        n: ru.ngettext(
            "withdrawals of %(num)d stored notice cannot be confirmed by the sweep", "", n
        )
        % {"num": n}
        for n in (1, 2)
    }
    assert lines[1].startswith("снятие 1 сохранённого уведомления")
    assert lines[2].startswith("снятие 2 сохранённых уведомлений")
    assert (
        en.ngettext("%(head)s, and %(num)d more", "%(head)s, and %(num)d more", 5)
        % {
            "head": "ARREST: X",
            "num": 5,
        }
        == "ARREST: X, and 5 more"
    )


@pytest.mark.parametrize(
    ("language", "month"),
    [("en", "March"), ("ru", "марта"), ("uk", "березня"), ("fr", "mars"), ("de", "März")],
)
def test_dates_are_written_in_the_advocates_locale(language: str, month: str) -> None:
    [view] = [present.event_view(event(1, *EVENTS[0]), PERSON, UTC, translator(language), language)]
    assert month in view["detected_at"]


@pytest.mark.parametrize(
    ("language", "birth"),
    [
        ("en", "May 16, 1963"),
        ("ru", "16 мая 1963 г."),
        ("uk", "16 травня 1963 р."),
        ("de", "16. Mai 1963"),
    ],
)
def test_a_notices_birth_date_is_written_as_the_advocates_locale_writes_dates(
    language: str, birth: str
) -> None:
    notice = event(3, "notice_published", NOTICE)
    [view] = [present.event_view(notice, PERSON, UTC, translator(language), language)]
    facts = " ".join(view["facts"].split())  # the locale may join with no-break spaces
    assert birth in facts and "1963-05-16" not in facts
    partial = event(
        3, "notice_published", {**NOTICE, "notice": {**NOTICE["notice"], "birth_date": "1963"}}
    )
    [view] = [present.event_view(partial, PERSON, UTC, translator(language), language)]
    assert "1963" in view["facts"]  # a year alone stays a year, never a made-up day


def test_a_language_without_a_catalogue_is_refused_at_its_position() -> None:
    text = (
        "people:\n  - id: p\n    name: P Q\n    advocates: [a]\n"
        "advocates:\n  - id: a\n    name: A\n    email: a@example.org\n    language: pl\n"
        "sources: []\n"
    )
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(text.encode())
    assert "watchlist.yaml:9:15: language: no catalogue for language 'pl'" in str(caught.value)
    assert "use one of de, en, fr, ru, uk" in str(caught.value)


@pytest.mark.slow
def test_the_compiled_catalogues_ship_inside_the_wheel(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("redwatch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("ru", "uk", "fr", "de"):
        assert f"monitor/locale/{language}/LC_MESSAGES/redwatch.mo" in names


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "It works once, until March 2, 2026, 7:45\u202fAM (CET)."),
        ("ru", "Она действует один раз, до 2 марта 2026\u202fг., 07:45 (CET)."),
    ],
)
def test_the_sign_in_email_speaks_the_advocates_language_in_their_time_zone(
    factory: sessionmaker[Session], tmp_path: Path, language: str, said: str
) -> None:
    text = (
        "people:\n  - id: p\n    name: P Q\n    advocates: [a]\n"
        "advocates:\n  - id: a\n    name: A\n    email: a@example.org\n"
        f"    language: {language}\n    timezone: Europe/Paris\nsources: []\n"
    )
    with database.transaction(factory) as session:
        sync_watchlist(session, parse_watchlist(text.encode()), NOW)
        delivery = models.Delivery(key="login:1", advocate_id="a", kind="login", created_at=NOW)
        session.add(delivery)
        session.flush()
        session.add(
            models.SignInLink(
                advocate_id="a", delivery_id=delivery.id, expires_at=NOW + timedelta(minutes=15)
            )
        )
    public = "https://redwatch.example.org"
    mailing = Mailing(
        OutboxTransport(tmp_path),
        "redwatch <r@example.org>",
        default_templates_dir(),
        UTC,
        public_url=public,
        links=EmailLinks(Signer("i18n-test-secret-key-0123456789abcdef"), public),
    )
    with factory() as session:
        message = build_message(session, mailing, delivery.id)
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert said in body and message["Content-Language"] == language
    assert message["Subject"] == translator(language).gettext("Your redwatch sign-in link")
