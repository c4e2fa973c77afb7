"""An alert puts what an advocate must act on first, says it in the subject, and speaks plainly:
headlines in words, changes as before/after sentences, notices linked to INTERPOL's public
page, matches explained without scores or folded forms.

The scenario is the one the issue was filed on: four urgent events in one alert (a new notice, a
changed notice, an arrest in the news, a case page saying "extradition approved").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from monitor.outbox import present
from monitor.outbox.i18n import translator
from monitor.outbox.urgency import Kind, kind_of, most_urgent_first

NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
PERSON = {"name": "Mukhtar Ablyazov", "aliases": ["Мухтар Аблязов"]}
EN = translator("en")
NOTICE = {
    "notice_type": "red",
    "entity_id": "2026/12345",
    "notice": {"name": "ABLIAZOV", "forename": "MUKHTAR", "issuing_countries": ["RU"]},
}
MATCH = {
    "variant": "Мухтар Аблязов",
    "provenance": "compared with the alias as written; abliazov: ICAO Doc 9303 (Russian passports)",
    "matched": "MUKHTAR ABLIAZOV",
    "pairs": [["mukhtar", "mukhtar", 1.0], ["abliazov", "abliazov", 1.0]],
    "score": 0.97,
    "band": "strong",
    "qualifiers": {"birth_date": "agrees", "nationality": "agrees", "sex": "unknown"},
    "notes": [],
    "summary": "forename+name 'MUKHTAR ABLIAZOV' matched 'abliazov': strong, score 0.97",
}
DIFF = "@@ line 3 @@\n  Case 123/2026\n- Status: hearing scheduled for 3 March\n+ Status: extradition approved on 3 March"


def stored(number: int, kind: str, details: dict[str, Any], **fields: Any) -> SimpleNamespace:
    base = {
        "id": number,
        "type": kind,
        "severity": "high",
        "details": details,
        "evidence": details.get("sentence", ""),
        "person_id": "mukhtar-ablyazov",
        "baseline": False,
        "title": "ABLIAZOV MUKHTAR",
        "url": "https://ws-public.interpol.int/notices/v1/red/2026-12345",
        "source_id": "interpol-red",
        "detected_at": NOW - timedelta(minutes=number),
    }
    return SimpleNamespace(**{**base, **fields})


def the_four() -> list[dict[str, Any]]:
    """In the order the events were stored (ids), as the old alert showed them."""
    events = [
        stored(1, "notice_published", {**NOTICE, "match": MATCH}),
        stored(
            2,
            "notice_changed",
            {
                **NOTICE,
                "changes": [{"field": "Charges", "before": "Embezzlement", "after": "Fraud"}],
            },
        ),
        stored(
            3,
            "news_mention",
            {
                "context_labels": ["arrest", "red_notice"],
                "sentence": "Мухтар Аблязов задержан в Ницце.",
                "spans": [[0, 14]],
            },
            url="https://news.example.org/a",
            title="Задержан",
        ),
        stored(
            4,
            "page_changed",
            {"diff": DIFF},
            url="https://court.example.org/case/123",
            title="Case 123",
        ),
    ]
    return [present.event_view(e, PERSON, UTC, EN, "en") for e in events]


def test_the_arrest_and_the_extradition_decision_come_first_and_the_subject_says_so() -> None:
    ordered = most_urgent_first(the_four())
    assert [v["kind"] for v in ordered] == ["arrest", "extradition", "new_notice", "notice_changed"]
    assert present.alert_subject(ordered, EN) == "ARREST: Mukhtar Ablyazov, and 3 more"


def test_the_whole_order_of_urgency() -> None:
    assert list(Kind)[:8] == [
        Kind.ARREST,
        Kind.DETENTION,
        Kind.EXTRADITION,
        Kind.CONVICTION,
        Kind.NEW_NOTICE,
        Kind.COURT_DECISION,
        Kind.NOTICE_CHANGED,
        Kind.NOTICE_OFF_LIST,
    ]
    assert (
        kind_of("news_mention", {"context_labels": ["arrest"], "sentence": "placed in custody"})
        is Kind.DETENTION
    )
    assert kind_of("court_item", {"context_labels": ["court"]}) is Kind.COURT_DECISION
    held = {
        "context_labels": ["extradition", "arrest"],
        "sentence": "detention pending extradition",
    }
    assert kind_of("court_item", held) is Kind.EXTRADITION
    arrested = {"context_labels": ["extradition", "arrest"], "sentence": "arrested for extradition"}
    assert kind_of("news_mention", arrested) is Kind.ARREST
    assert kind_of("news_mention", {"context_labels": []}) is Kind.MENTION


def test_each_kind_has_a_headline_in_words() -> None:
    views = {v["kind"]: v for v in the_four()}
    assert views["arrest"]["headline"] == "An arrest is reported"
    assert views["extradition"]["headline"] == "An extradition or surrender decision is reported"
    assert views["new_notice"]["headline"] == "INTERPOL published a new Red Notice"
    assert views["notice_changed"]["headline"] == "INTERPOL changed a published notice"


def test_changes_are_before_and_after_sentences_never_diff_notation() -> None:
    views = {v["kind"]: v for v in the_four()}
    assert views["extradition"]["changes"] == [
        "The page said “Status: hearing scheduled for 3 March”; "
        "it now says “Status: extradition approved on 3 March”."
    ]
    assert views["notice_changed"]["changes"] == ["Charges: before, “Embezzlement”; now, “Fraud”."]
    for view in views.values():
        for text in (*view["changes"], view["snippet"]):
            assert "@@" not in text and "\n+ " not in text and not text.startswith(("+ ", "- "))


def test_a_notice_links_to_its_public_page_not_to_the_json_api() -> None:
    views = {v["kind"]: v for v in the_four()}
    for kind in ("new_notice", "notice_changed"):
        assert views[kind]["url"] == (
            "https://www.interpol.int/en/How-we-work/Notices/View-Red-Notices#2026-12345"
        )
    assert views["arrest"]["url"] == "https://news.example.org/a"


def test_a_match_is_explained_in_a_sentence_without_scores_or_folded_forms() -> None:
    views = {v["kind"]: v for v in the_four()}
    explanation = views["new_notice"]["explanation"]
    assert explanation == (
        "The source writes “MUKHTAR ABLIAZOV”: Мухтар Аблязов, transliterated as passports and "
        "the press do. The birth date agrees. The nationality agrees."
    )
    assert "score" not in explanation and "0.97" not in explanation
    assert "abliazov" not in explanation  # the folded form stays in the evidence bundle


def test_the_digest_runs_most_urgent_first_and_newest_first_within_a_kind() -> None:
    older = stored(5, "news_mention", {"context_labels": ["arrest"], "sentence": "arrested"})
    older.detected_at = NOW - timedelta(days=3)
    views = [*the_four(), present.event_view(older, PERSON, UTC, EN, "en")]
    moments = {
        1: NOW - timedelta(days=2),
        2: NOW,
        3: NOW - timedelta(days=1),
        4: NOW,
        5: older.detected_at,
    }
    ordered = present.digest_order(views, moments)
    assert [(v["kind"], v["id"]) for v in ordered] == [
        ("arrest", 3),
        ("arrest", 5),
        ("extradition", 4),
        ("new_notice", 1),
        ("notice_changed", 2),
    ]
