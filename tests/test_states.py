"""Statuses, kinds, bands, severities and send outcomes are StrEnums whose values are the strings
already stored (or already printed and counted): the database, the JSON output and the metrics
stay the same, and each value fits its column."""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

import pytest

from monitor.config.watchlist import Severity as WatchlistSeverity
from monitor.matching.models import Band as MatchingBand
from monitor.matching.models import Severity as MatchingSeverity
from monitor.outbox.send import DeliveryReport
from monitor.outbox.views import HEADLINES, LABELS
from monitor.store import models
from monitor.store.states import (
    Band,
    DeliveryKind,
    DeliveryStatus,
    EventType,
    ObservationKind,
    RunStatus,
    SendOutcome,
    Severity,
    SourceStatus,
    Verdict,
)

COLUMNS: list[tuple[type[StrEnum], object]] = [
    (SourceStatus, models.Source.__table__.c.status),
    (DeliveryStatus, models.Delivery.__table__.c.status),
    (DeliveryKind, models.Delivery.__table__.c.kind),
    (ObservationKind, models.Observation.__table__.c.kind),
    (Band, models.MatchRow.__table__.c.band),
    (RunStatus, models.SourceRun.__table__.c.status),
    (EventType, models.Event.__table__.c.type),
    (Verdict, models.Decision.__table__.c.verdict),
    (Severity, models.Event.__table__.c.severity),
]


def test_the_stored_words_are_unchanged() -> None:
    assert [s.value for s in SourceStatus] == ["new", "ok", "failing", "blocked", "degraded"]
    assert [s.value for s in DeliveryStatus] == ["pending", "sending", "sent", "failed"]
    assert [k.value for k in DeliveryKind] == ["alert", "digest", "login"]
    assert [s.value for s in Severity] == ["high", "medium", "low"]
    assert [o.value for o in SendOutcome] == ["sent", "retrying", "failed"]
    assert [k.value for k in ObservationKind] == ["notice", "watch_page", "news", "court"]
    assert [s.value for s in RunStatus] == ["running", "ok", "failed"]
    assert [v.value for v in Verdict] == ["confirmed", "not_this_person"]
    assert [t.value for t in EventType] == [
        "notice_published",
        "notice_changed",
        "notice_no_longer_public",
        "notice_reappeared",
        "possible_match",
        "news_mention",
        "court_item",
        "page_changed",
    ]


def test_every_event_type_has_a_label_and_a_headline_in_words() -> None:
    assert set(LABELS) == set(EventType) and set(HEADLINES) == set(EventType)


def test_the_band_enum_and_the_matching_band_are_the_same_words() -> None:
    assert {b.value for b in Band} == set(get_args(MatchingBand))


def test_the_severity_enum_and_the_severity_literals_are_the_same_words() -> None:
    assert {s.value for s in Severity} == set(get_args(MatchingSeverity))
    assert {s.value for s in Severity} == set(get_args(WatchlistSeverity))


def test_a_send_outcome_names_a_field_of_the_outbox_report() -> None:
    assert {o.value for o in SendOutcome} == set(DeliveryReport.__dataclass_fields__)


@pytest.mark.parametrize(("enum", "column"), COLUMNS)
def test_every_value_fits_its_column(enum: type[StrEnum], column) -> None:  # type: ignore[no-untyped-def]
    assert max(len(member.value) for member in enum) <= column.type.length


def test_a_member_is_the_stored_string_itself() -> None:
    assert SourceStatus.BLOCKED == "blocked" and f"{DeliveryStatus.PENDING}" == "pending"
